"""ObjectStoreLake: a lake on an object store (s3://, gs://, ... through fsspec).

A PUT is atomic and whole, so a version folder is written, then the pointer: no temporary files
and no renames (which object stores do as copies).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import IO, Callable

from conflict_events.lake.interface import Lake


class ObjectStoreLake(Lake):
    """A lake whose files are objects in a bucket."""

    @property
    def is_local(self) -> bool:
        return False

    def write_bytes_atomically(self, path: str, data: bytes) -> None:
        """One PUT: readers see the old object or the new one."""
        self.fs.pipe_file(path, data)

    def open_durable(self, path: str) -> AbstractContextManager[IO[bytes]]:
        """The object exists, whole, once its upload completes as the block ends."""
        return self.fs.open(path, "wb")

    def share_file(self, source: str, target: str) -> None:
        """A server-side copy (objects cannot be linked)."""
        self.fs.copy(source, target)

    def temp_files(self) -> list[str]:
        """None: small files are one PUT each, never a temporary object (so no folders are listed for them)."""
        return []

    def publish_lock(self, run_id: str, timeout: float, say: Callable[[str], None]) -> AbstractContextManager[None]:
        """Nothing here: an object store has no lock that dies with its holder, so the deployment's
        concurrency limit of one run (flows/deploy.py) is what keeps publishes apart."""
        return nullcontext()

    def file_identity(self, path: str) -> None:
        """None: objects are never linked, each path is its own object."""
        return None
