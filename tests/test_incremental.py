"""Warm runs reuse per-document results and write the same bytes."""
import hashlib
import os
import shutil

from conftest import RAW, Log, digests

from pipeline.run import ingest


def test_warm_run_reuses_and_matches_cold(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    cache = tmp_path / "cache"
    log = Log()
    cold = ingest(str(raw), str(tmp_path / "cold"), log=log, cache_dir=str(cache))
    assert "0 of 5 documents reused" in log.text()
    log = Log()
    warm = ingest(str(raw), str(tmp_path / "warm"), log=log, cache_dir=str(cache))
    assert "5 of 5 documents reused" in log.text()
    assert digests(tmp_path / "cold") == digests(tmp_path / "warm")
    assert cold["outputs"] == warm["outputs"]

    # change one document: only it is processed again
    path = raw / "001_d4a29a8062a8abaf.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("简答题", "简答题\n", 1), encoding="utf-8")
    log = Log()
    ingest(str(raw), str(tmp_path / "changed"), log=log, cache_dir=str(cache))
    assert "4 of 5 documents reused" in log.text()
    fresh = Log()
    ingest(str(raw), str(tmp_path / "nocache"), log=fresh, cache_dir=None)
    assert digests(tmp_path / "changed") == digests(tmp_path / "nocache")


def test_manifest_checksums_describe_the_outputs(seed_run):
    out, manifest = seed_run
    for name, sha in manifest["outputs"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha


def test_corrupt_cache_entry_is_recomputed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("一、单选题\n1.甲（）\nA.一B.二\n答案:A\n", encoding="utf-8")
    cache = tmp_path / "cache"
    ingest(str(raw), str(tmp_path / "o1"), log=Log(), cache_dir=str(cache))
    for base, _, names in os.walk(cache):
        for n in names:
            open(os.path.join(base, n), "wb").write(b"not a pickle")
    log = Log()
    manifest = ingest(str(raw), str(tmp_path / "o2"), log=log, cache_dir=str(cache))
    assert "0 of 1 documents reused" in log.text() and manifest["records"]["total"] == 1


def test_process_pool_output_is_byte_identical_to_one_process(tmp_path, seed_run):
    one, _ = seed_run                                   # the shared run uses the default: all cores
    ingest(RAW, str(tmp_path / "single"), log=Log(), workers=1)
    ingest(RAW, str(tmp_path / "pool"), log=Log(), workers=2)
    assert digests(tmp_path / "single") == digests(tmp_path / "pool") == digests(one)
