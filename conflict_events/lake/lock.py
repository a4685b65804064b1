"""The lake's publish lock: one run at a time may stage and switch versions.

An advisory `flock` on `<lake>/_publish.lock`. The kernel releases it when the holder's process
ends, however it ends (SIGKILL, OOM, power cut), so a crashed run never leaves the lake locked.
The holder writes who it is into the file, so a waiting run can say whom it waits for.
(`filelock` would do the same on POSIX; it is one call here, and this keeps the holder's details.)
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from conflict_events.file_lock import open_lock_file

LOCK_FILE = "_publish.lock"
POLL_SECONDS = 0.2


class LakeBusy(RuntimeError):
    """Another run held the lake's publish lock for longer than this run would wait."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another run"
    return f"run {info.get('run_id', '?')} (pid {info.get('pid', '?')} on {info.get('host', '?')}, since {info.get('since', '?')})"


@contextmanager
def publish_lock(root: str, run_id: str, timeout: float, say: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the lake's publish lock; wait up to `timeout` seconds for it, then raise LakeBusy."""
    path = Path(root) / LOCK_FILE
    with open_lock_file(path) as fd:
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    say(f"waiting for {_holder(path)}, which is publishing to {root}")
                    waited = True
                if time.monotonic() >= deadline:
                    raise LakeBusy(
                        f"{root} is locked by {_holder(path)}; gave up after {timeout:.0f} s "
                        "(nothing was published by this run; run again when that run has finished)"
                    ) from None
                time.sleep(POLL_SECONDS)
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        info = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(), "since": since}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
