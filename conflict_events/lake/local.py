"""LocalLake: a lake in a folder on this machine's disk.

Small files are replaced by an fsync'd temporary file renamed over them, data files are fsync'd
before a manifest names them, unchanged files are hard-linked into new versions, and an flock
(lock.py) keeps publishes apart.
"""

from __future__ import annotations

import os
import re
import uuid
from contextlib import AbstractContextManager, contextmanager
from typing import IO, Callable, Iterator

from conflict_events.lake.interface import Lake
from conflict_events.lake.lock import publish_lock
from conflict_events.schemas import SCHEMAS

TEMP_RE = re.compile(r"\.tmp-[0-9a-f]{32}$")  # write_bytes_atomically's temporary names


def _fsync_dir(path: str) -> None:
    """Make a rename inside `path` durable (POSIX needs the directory itself synced)."""
    fd = os.open(path or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalLake(Lake):
    """A lake on a local disk (a path or file:// URL)."""

    @property
    def is_local(self) -> bool:
        return True

    def write_bytes_atomically(self, path: str, data: bytes) -> None:
        """Write a temporary file, sync it, rename it over `path`, then sync the folder (the rename)."""
        tmp = f"{path}.tmp-{uuid.uuid4().hex}"
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(os.path.dirname(path))

    @contextmanager
    def open_durable(self, path: str) -> Iterator[IO[bytes]]:
        with self.fs.open(path, "wb") as handle:
            yield handle
            # On disk before the manifest names it: after a power cut the pointer never outlives its data.
            handle.flush()
            os.fsync(handle.fileno())

    def share_file(self, source: str, target: str) -> None:
        """A hard link: no bytes copied, and deleting one folder leaves the other whole."""
        try:
            os.link(source, target)
        except OSError:  # a filesystem without hard links: a copy is slower but just as correct
            self.fs.copy(source, target)

    def temp_files(self) -> list[str]:
        """Files `write_bytes_atomically` left when its writer was killed before the rename."""
        folders = [self.root, *(self.path(d) for d in SCHEMAS)]
        folders += [self.path(d, v) for d in SCHEMAS for v in self.version_folders(d)]
        return [
            path
            for folder in folders
            if self.fs.isdir(folder)
            for path in self.fs.ls(folder, detail=False)
            if TEMP_RE.search(path.rstrip("/").rsplit("/", 1)[-1])
        ]

    def publish_lock(self, run_id: str, timeout: float, say: Callable[[str], None]) -> AbstractContextManager[None]:
        """The flock on <lake>/_publish.lock, which the kernel releases however its holder dies."""
        return publish_lock(self.root, run_id, timeout, say)

    def file_identity(self, path: str) -> tuple:
        """(device, inode, size, mtime): hard links of one file share it."""
        st = os.stat(path)
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
