"""An s3:// lake, on a local S3 endpoint (moto's server): publish from the spool, dedupe, read back, verify."""

from __future__ import annotations

import pytest

from conftest import articles_table, quarantine_table

pytestmark = pytest.mark.slow  # starts moto's S3 server


@pytest.fixture
def s3_lake(monkeypatch):
    """A fresh bucket on a real S3 API in a thread; fsspec's s3fs reaches it through FSSPEC_S3_* settings."""
    import fsspec
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)  # port 0: the OS picks a free one, no race
    server.start()
    port = server.get_host_and_port()[1]
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
        "FSSPEC_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }.items():
        monkeypatch.setenv(key, value)
    fsspec.config.set_conf_env(fsspec.config.conf)  # read the FSSPEC_S3_* variables just set
    try:
        fsspec.filesystem("s3", skip_instance_cache=True).mkdir("conflict-lake")
        yield "s3://conflict-lake/lake"
    finally:
        fsspec.config.conf.pop("s3", None)
        server.stop()


def test_an_s3_lake_publishes_reads_back_and_verifies(s3_lake, tmp_path):
    from conflict_events.lake.state import read_lake_state
    from conflict_events.lake.factory import open_lake
    from conflict_events.lake.object_store import ObjectStoreLake
    from conflict_events.lake.spool import RunSpool
    from conflict_events.lake.verify import verify_lake

    lake = open_lake(s3_lake)
    assert isinstance(lake, ObjectStoreLake) and not lake.is_local
    with RunSpool(tmp_path) as spool:
        spool.add("articles", articles_table("one", "two"))
        spool.add("quarantine", quarantine_table("bad.txt"))
        first = lake.publish_all({"articles": (spool.finish("articles"), None), "quarantine": (spool.finish("quarantine"), None)}, "r1", {})
    assert first.versions == {"articles": "v000001", "quarantine": "v000001"}
    with RunSpool(tmp_path) as spool:
        spool.add("articles", articles_table("three"))
        spool.add("quarantine", quarantine_table("bad.txt", "worse.txt"))
        second = lake.publish_all({"articles": (spool.finish("articles"), None), "quarantine": (spool.finish("quarantine"), None)}, "r2", {})
    assert second.already_quarantined == 1
    assert sorted(open_lake(s3_lake).read_current("articles").column("title").to_pylist()) == ["one", "three", "two"]
    assert sorted(open_lake(s3_lake).read_current("quarantine").column("record_ref").to_pylist()) == ["bad.txt", "worse.txt"]
    assert {d: v for d, v in read_lake_state(s3_lake).versions.items() if v} == {"articles": "v000002", "quarantine": "v000002"}
    report = verify_lake(s3_lake)
    assert report.problems == [] and report.versions == 4
