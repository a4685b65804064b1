"""file_lock: an advisory `flock` on a file, which keeps processes (not only threads) apart for a block.

The kernel releases an flock when its holder's process ends, however it ends, so a killed process
never leaves a file locked. (The `filelock` package would do the same on POSIX but is not among the
project's dependencies; this is two system calls.)
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def open_lock_file(path: Path) -> Iterator[int]:
    """A descriptor of `path` (created, with its folder, if missing) for the block; closing it drops its flock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        yield fd
    finally:
        os.close(fd)


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an flock on `path` (created if missing) for the block; wait as long as it takes."""
    with open_lock_file(path) as fd:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
