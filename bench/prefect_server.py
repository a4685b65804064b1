"""A real `prefect server start` in a subprocess, for benchmarks and tests that run the CLI against a server."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from conflict_events.settings import offline_environment

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120  # 15-35 s is usual on a 2-core machine; a loaded one takes longer
STOP_SECONDS = 10
# Offline and private, whatever the caller's environment says (the project's other defaults stay overridable).
QUIET = {key: offline_environment()[key] for key in ("DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED", "GX_ANALYTICS_ENABLED")}


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(home: Path, url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: its own PREFECT_HOME and SQLite database under `home`."""
    return {
        **os.environ,
        **QUIET,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": url,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        **(extra or {}),
    }


def stop_group(process: subprocess.Popen, grace: float = STOP_SECONDS) -> None:
    """SIGTERM the process's whole group, then SIGKILL what is left after `grace` seconds."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived the leader too
    except ProcessLookupError:
        pass
    process.wait()


def healthy(url: str) -> bool:
    """True when the API answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):  # not up yet, or up but not answering whole
        return False


@contextmanager
def prefect_server(home: Path, port: int | None = None, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1 (a free port unless given) until the block ends; yields the API URL.

    `env` adds server settings (say, a faster scheduler loop). Raises RuntimeError with the end of
    the server's output when it does not answer /api/health within 120 s.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
            env=server_env(home, url, env), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: uvicorn's workers go with it
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    why = f"exited with {process.returncode}" if process.poll() is not None else f"no answer in {STARTUP_SECONDS} s"
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"the Prefect server on port {port} did not start ({why}):\n{tail}")
                time.sleep(0.5)
            yield url
        finally:
            stop_group(process)
