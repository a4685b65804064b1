"""The names a lake is made of, on a local disk or an object store (DESIGN.md, "Published dataset layout").

<lake>/<dataset>/_CURRENT names the current version; <lake>/<dataset>/vNNNNNN/ holds its
part-*.parquet files and _manifest.json; <lake>/_publishing.json exists while a publish runs.
"""

from __future__ import annotations

import re

VERSION_RE = re.compile(r"^v(\d{6})$")
PART_RE = re.compile(r"^part-(\d+)\.parquet$")
MANIFEST = "_manifest.json"
POINTER = "_CURRENT"
JOURNAL = "_publishing.json"  # in the lake root while a publish is between its first write and last switch


class LakeError(RuntimeError):
    """The lake is not in a state a reader or writer can trust."""


class LostPointer(LakeError):
    """A dataset's `_CURRENT` is gone while complete versions remain: reading it as "never published" would drop their rows."""


class PointerSwitchError(LakeError):
    """A publish failed while switching pointers; `moved` names the pointers left at this run's versions (none when all moved back)."""

    def __init__(self, message: str, moved: dict[str, str]):
        super().__init__(message)
        self.moved = moved

    def __reduce__(self):  # pickled across Prefect's task boundary with both arguments
        return type(self), (str(self), self.moved)
