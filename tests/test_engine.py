"""Engines and storage: every engine and every place to read from or write
to gives the same bytes as the plain local run."""
import json
import os

import fsspec
import pytest
from conftest import RAW, Log, digests

from pipeline import engine, storage
from pipeline.run import ingest

COMPARED = ["questions.parquet", "questions.jsonl", "removed.jsonl", "quarantine.jsonl"]


def square(x):
    return x * x


@pytest.mark.parametrize("workers", [1, 2])
def test_local_engine_keeps_input_order(workers):
    assert list(engine.run("local", square, list(range(50)), workers)) == [x * x for x in range(50)]


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engine"):
        engine.run("spark", square, [1])


def test_dask_engine_on_a_two_worker_local_cluster_is_byte_identical(tmp_path, seed_run):
    local, manifest = seed_run
    log = Log()
    got = ingest(RAW, str(tmp_path / "dask"), log=log, engine="dask", workers=2)
    assert digests(tmp_path / "dask") == digests(local)
    assert got["records"] == manifest["records"] and got["inputs"] == manifest["inputs"]


def test_dask_engine_joins_an_existing_cluster(tmp_path, seed_run):
    from dask.distributed import LocalCluster
    local, _ = seed_run
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        ingest(RAW, str(tmp_path / "joined"), log=Log(), engine="dask", scheduler=cluster.scheduler_address)
    assert digests(tmp_path / "joined") == digests(local)


def copy_to_memory(root: str) -> str:
    fs = fsspec.filesystem("memory")
    for name in sorted(os.listdir(RAW)):
        with open(os.path.join(RAW, name), "rb") as f:
            fs.pipe_file(f"/{root}/raw/{name}", f.read())
    fs.pipe_file(f"/{root}/raw/.hidden", b"not an input")
    return f"memory://{root}/raw"


def test_memory_urls_in_and_out_match_the_local_run(seed_run):
    local, manifest = seed_run
    raw = copy_to_memory("engine-test")
    got = ingest(raw, "memory://engine-test/cleaned", log=Log(), workers=1)
    fs = fsspec.filesystem("memory")
    for name in COMPARED:
        assert fs.cat_file(f"/engine-test/cleaned/{name}") == open(os.path.join(local, name), "rb").read(), name
    remote_manifest = json.loads(fs.cat_file("/engine-test/cleaned/manifest.json"))
    assert remote_manifest["outputs"] == manifest["outputs"]
    assert [i["path"] for i in got["inputs"]] == [i["path"] for i in manifest["inputs"]]
    assert len(fs.ls("/engine-test/cleaned/docs")) == manifest["documents"]["ok"]


def test_file_urls_are_plain_paths(tmp_path, seed_run):
    local, _ = seed_run
    ingest("file://" + RAW, "file://" + str(tmp_path / "out"), log=Log(), workers=1)
    assert digests(tmp_path / "out") == digests(local)


@pytest.mark.parametrize("url,expected", [
    ("raw", None), ("/data/raw", None), ("file:///data/raw", "file"), ("s3://bucket/raw", "s3"),
    ("memory://x/raw", "memory"), ("C:\\data\\raw", None),
])
def test_protocol(url, expected):
    assert storage.protocol(url) == expected


def test_cli_reports_a_missing_remote_folder(capsys):
    from pipeline.cli import main
    assert main(["ingest", "--raw", "memory://nowhere/raw", "--out", "memory://nowhere/out"]) == 2
    assert "tiku: --raw memory://nowhere/raw: no such file or folder" in capsys.readouterr().err


def test_cli_scheduler_needs_the_dask_engine(capsys):
    from pipeline.cli import main
    assert main(["ingest", "--raw", RAW, "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "tiku: --scheduler: needs --engine dask" in capsys.readouterr().err
