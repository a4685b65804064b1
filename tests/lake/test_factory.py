"""open_lake: the implementation follows the URL's filesystem."""

from __future__ import annotations

from conflict_events.lake.factory import open_lake
from conflict_events.lake.local import LocalLake


def test_a_path_or_file_url_opens_a_local_lake(tmp_path):
    for url in (str(tmp_path / "lake"), f"file://{tmp_path}/lake/"):
        lake = open_lake(url)
        assert isinstance(lake, LocalLake) and lake.is_local
        assert lake.url == url and lake.root == str(tmp_path / "lake") and lake.max_files == 64
