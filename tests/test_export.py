"""Exports load in their consumers' own libraries, with the counts the manifest gives."""
import glob
import json
import os

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.export import FORMATS, export


@pytest.fixture(scope="module")
def exported(seed_run, tmp_path_factory):
    cleaned, manifest = seed_run
    root = tmp_path_factory.mktemp("exports")
    reports = {}
    for fmt in FORMATS:
        reports[fmt] = export(str(cleaned), fmt, str(root / fmt))
        reports[fmt + "+dedup"] = export(str(cleaned), fmt, str(root / (fmt + "+dedup")), drop_duplicates=True)
    return root, manifest, reports


def single_choice_total(manifest):
    return manifest["records"]["by_type"].get("single_choice", 0)


@pytest.mark.parametrize("fmt", [*FORMATS, *(f + "+dedup" for f in FORMATS)])
def test_every_record_is_written_or_counted(exported, fmt):
    root, manifest, reports = exported
    r = reports[fmt]
    assert r.read == manifest["records"]["total"]
    assert r.written + sum(r.left_out.values()) == r.read
    on_disk = json.loads((root / fmt / "export.json").read_text(encoding="utf-8"))
    assert on_disk["written"] == r.written and on_disk["left_out"] == dict(sorted(r.left_out.items()))


def test_ceval_csv_reads_in_pandas(exported):
    root, manifest, reports = exported
    df = pd.read_csv(root / "ceval" / "tiku_test.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == ["id", "question", "A", "B", "C", "D", "answer", "explanation"]
    assert len(df) == reports["ceval"].written
    # the seeds' single-choice questions all have four options and an answer
    assert len(df) == single_choice_total(manifest)
    assert set(df["answer"]) <= set("ABCD") and df["id"].is_unique
    assert (df["question"].str.len() > 0).all()


def test_ceval_with_duplicates_dropped(exported, seed_run):
    root, manifest, reports = exported
    rows = [json.loads(line) for line in (seed_run[0] / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    originals = [r for r in rows if r["type"] == "single_choice" and not r["duplicate_of"]]
    df = pd.read_csv(root / "ceval+dedup" / "tiku_test.csv", dtype=str, keep_default_na=False)
    assert len(df) == len(originals) == reports["ceval+dedup"].written
    assert reports["ceval+dedup"].left_out["duplicate"] == manifest["records"]["duplicates"]


def test_cmmlu_csv_has_the_cmmlu_layout(exported):
    root, manifest, _ = exported
    df = pd.read_csv(root / "cmmlu" / "tiku.csv", index_col=0, dtype=str, keep_default_na=False)
    assert list(df.columns) == ["Question", "A", "B", "C", "D", "Answer"]
    assert len(df) == single_choice_total(manifest)
    assert list(df.index) == [str(i) for i in range(len(df))]


def test_opencompass_jsonl_and_meta(exported):
    root, manifest, _ = exported
    files = sorted(glob.glob(str(root / "opencompass" / "*.jsonl")))
    assert files
    total = 0
    for path in files:
        meta = json.load(open(path + ".meta.json", encoding="utf-8"))
        rows = [json.loads(line) for line in open(path, encoding="utf-8")]
        total += len(rows)
        assert meta["data_type"] == "mcq" and meta["output_column"] == "answer"
        for row in rows:
            assert set(meta["options"]) <= set(row) and row["answer"] in meta["options"]
            assert row["question"]
        # every {placeholder} of the prompt is a column
        for col in meta["input_columns"]:
            assert "{" + col + "}" in meta["human_prompt"]
    assert total == single_choice_total(manifest)


def test_hf_folder_loads_with_datasets_and_declared_features(exported):
    datasets = pytest.importorskip("datasets")
    from pipeline.write import RECORD_SCHEMA
    root, manifest, _ = exported
    folder = root / "hf"
    declared = datasets.Features.from_arrow_schema(RECORD_SCHEMA)
    ds = datasets.load_dataset(str(folder), split="train")
    assert len(ds) == manifest["records"]["total"]
    assert ds.features == declared
    shards = sorted(glob.glob(str(folder / "data" / "*.parquet")))
    ds2 = datasets.load_dataset("parquet", data_files=shards, split="train")
    assert len(ds2) == manifest["records"]["total"] and ds2.features == declared
    # the card's front matter is what datasets reads the config from
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\nconfigs:") and f"num_examples: {manifest['records']['total']}" in card
    deduped = datasets.load_dataset(str(root / "hf+dedup"), split="train")
    assert len(deduped) == manifest["records"]["total"] - manifest["records"]["duplicates"]
    assert all(d is None for d in deduped["duplicate_of"])


def test_types_filter(seed_run, tmp_path):
    cleaned, manifest = seed_run
    r = export(str(cleaned), "hf", str(tmp_path), types=["true_false", "essay"])
    assert r.written == manifest["records"]["by_type"]["true_false"] + manifest["records"]["by_type"]["essay"]


def test_cli_export(seed_run, tmp_path, capsys):
    cleaned, manifest = seed_run
    assert main(["export", "--cleaned", str(cleaned), "--format", "ceval", "--out", str(tmp_path),
                 "--drop-duplicates", "--types", "single_choice"]) == 0
    err = capsys.readouterr().err
    n = manifest["records"]["by_type"]["single_choice"]
    assert f"export ceval: {n} of {manifest['records']['total']} records written" in err
    assert "type essay not asked for" in err
    assert os.path.exists(tmp_path / "tiku_test.csv")


def test_cli_export_without_an_ingest(tmp_path, capsys):
    assert main(["export", "--cleaned", str(tmp_path / "nothing"), "--format", "hf", "--out", str(tmp_path / "o")]) == 2
    assert "run tiku ingest first" in capsys.readouterr().err


def test_hf_export_in_several_shards(seed_run, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    from pipeline import export as export_module
    cleaned, manifest = seed_run
    monkeypatch.setattr(export_module, "SHARD_ROWS", 100)
    r = export(str(cleaned), "hf", str(tmp_path))
    total = manifest["records"]["total"]
    assert sorted(r.files) == [f"data/train-{i:05d}-of-00003.parquet" for i in range(3)]
    assert sorted(os.listdir(tmp_path / "data")) == [p.split("/")[1] for p in sorted(r.files)], "no part files left"
    assert len(datasets.load_dataset(str(tmp_path), split="train")) == total
