"""A temporary Prefect server for one run when no PREFECT_API_URL names one, started early.

Prefect starts the very same server itself when no API is configured (its SubprocessASGIServer:
uvicorn serving `prefect.server.api.server:create_app` on a free port, UI off, the same database in
PREFECT_HOME), but only after importing the whole server package into the calling process (~3 s
here) and then waiting for it. Started here, before anything heavy is imported, it boots on the
other core while this process imports the flow and loads the coder and GX: `make run` on the
samples went from 19 s to 14 s. The command and flags below are Prefect 3.8's own (pinned).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

STARTUP_TIMEOUT = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def prefect_api() -> Iterator[Callable[[], None]]:
    """Within the block, PREFECT_API_URL names a server: the configured one, or a temporary one started now.

    Yields `ready()`, which blocks until the server answers: the block may do other work first, while
    a temporary server boots. The run's logs are not shipped to a server that is gone when the run
    ends (draining them cost ~5 s at exit); they are in the console output.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield lambda: None  # a configured server: Prefect's own calls say if it is down
        return
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    package_root = Path(find_spec("prefect").origin).parent.parent  # site-packages, without importing Prefect
    server = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--app-dir", str(package_root), "--factory", "prefect.server.api.server:create_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on",
        ],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
        stdin=subprocess.DEVNULL,
    )
    changed = {"PREFECT_API_URL": api_url, "PREFECT_LOGGING_TO_API_ENABLED": "false"}
    before = {key: os.environ.get(key) for key in changed}
    os.environ.update(changed)

    def ready() -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(api_url):
            if server.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited with status {server.returncode} before it answered")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the temporary Prefect server at {api_url} did not answer within {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.1)

    try:
        yield ready
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
