"""from pipeline import load: the same records as questions.jsonl, with proper dtypes."""
import json

import pandas as pd
import pytest

from pipeline import load


def test_pandas_load_has_categoricals_and_nested_columns(seed_run):
    cleaned, manifest = seed_run
    df = load(str(cleaned))
    assert len(df) == manifest["records"]["total"]
    assert isinstance(df["type"].dtype, pd.CategoricalDtype) and isinstance(df["site"].dtype, pd.CategoricalDtype)
    assert "single_choice" in df["type"].cat.categories and "fill_blank" in df["type"].cat.categories
    assert df["type"].value_counts().loc["single_choice"] == manifest["records"]["by_type"]["single_choice"]
    assert set(df["site"].cat.categories) == {d["site"] for d in manifest["inputs"]}
    first = json.loads((cleaned / "questions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    row = df.iloc[0]
    assert row["id"] == first["id"] and row["source"] == first["source"]
    assert [dict(o) for o in row["options"]] == first["options"]
    assert df["ordinal"].dtype == "int32"


def test_pandas_filters(seed_run):
    cleaned, manifest = seed_run
    df = load(str(cleaned), types=["multiple_choice"], drop_duplicates=True)
    assert len(df) == manifest["records"]["by_type"]["multiple_choice"] - manifest["records"]["duplicates"]
    assert df["duplicate_of"].isna().all()


def test_duckdb_relation(seed_run):
    cleaned, manifest = seed_run
    rel = load(str(cleaned), engine="duckdb")
    assert rel.aggregate("count(*)").fetchall()[0][0] == manifest["records"]["total"]
    by_type = dict(rel.aggregate("type, count(*)", "type").fetchall())
    assert by_type == manifest["records"]["by_type"]
    options = rel.filter("type = 'single_choice'").project("options").limit(1).fetchall()[0][0]
    assert options[0]["label"] == "A"
    assert load(str(cleaned), engine="duckdb", drop_duplicates=True).aggregate("count(*)").fetchall()[0][0] == (
        manifest["records"]["total"] - manifest["records"]["duplicates"])


def test_missing_output_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `python -m pipeline ingest` first"):
        load(str(tmp_path))


def test_unknown_engine(seed_run):
    with pytest.raises(ValueError, match="unknown engine"):
        load(str(seed_run[0]), engine="polars")
