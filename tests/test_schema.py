import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from pipeline import schema


def good_record(**changes):
    rec = {
        "schema_version": "1.0", "id": "q_0123456789abcdef", "doc_id": "0123456789abcdef",
        "source": {"path": "raw/x.txt", "site": "unknown", "title": None, "url": None},
        "ordinal": 1, "chapter": None, "section": "单选题", "number": "1", "type": "single_choice",
        "stem": "下列哪项正确（）", "options": [{"label": "A", "text": "甲"}, {"label": "B", "text": "乙"}],
        "answer": {"labels": ["B"], "judgement": None, "text": None}, "explanation": None,
        "answer_source": "inline", "flags": [], "duplicate_of": None, "span": {"start": 0, "end": 10},
    }
    rec.update(changes)
    return rec


def test_schema_file_is_valid_2020_12_with_id_and_version():
    from jsonschema import Draft202012Validator
    s = schema.load_schema()
    Draft202012Validator.check_schema(s)
    assert s["$schema"].endswith("2020-12/schema") and s["$id"] and s["version"] == "1.0"


def test_schema_matches_spec_fields():
    spec = open(os.path.join(os.path.dirname(ROOT), "shared", "SPEC.md"), encoding="utf-8").read() \
        if os.path.exists(os.path.join(os.path.dirname(ROOT), "shared", "SPEC.md")) else None
    if spec is None:
        pytest.skip("../shared/SPEC.md not present")
    props = schema.load_schema()["properties"]
    import re
    table = spec.split("## Question record")[1].split("##")[0]
    fields = re.findall(r"^\| `(\w+)` \|", table, re.M)
    assert fields and set(fields) == set(props)
    flags_in_spec = set(re.findall(r"`(\w+)`", table.split("`flags`")[1].split("|")[2]))
    assert flags_in_spec <= set(props["flags"]["items"]["enum"])


def test_good_record_passes():
    assert schema.check_record(good_record()) == []


@pytest.mark.parametrize("changes,field,rule", [
    ({"type": "essay_question"}, "type", "enum"),
    ({"stem": 3}, "stem", "type"),
    ({"answer": {"labels": ["E"], "judgement": None, "text": None}}, "answer.labels", "not among option labels"),
    ({"answer": {"labels": ["A", "B"], "judgement": None, "text": None}}, "answer", "maxItems"),
    ({"type": "true_false", "options": [], "answer": {"labels": [], "judgement": None, "text": None}},
     "answer.judgement", "true_false without judgement"),
    ({"flags": ["duplicate"]}, "duplicate_of", "go together"),
    ({"id": "x1"}, "id", "pattern"),
])
def test_broken_records_name_field_and_rule(changes, field, rule):
    rec = good_record(**changes)
    problems = schema.check_record(rec)
    assert any(f.startswith(field) and rule in r for f, r in problems), problems


def test_missing_field_is_named():
    rec = good_record()
    del rec["answer_source"]
    assert any(f == "answer_source" and "required" in r for f, r in schema.check_record(rec))


def run_validate(path):
    return subprocess.run([sys.executable, "-m", "pipeline", "validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True)


def test_validate_cli_rejects_a_hand_broken_file_with_row_numbers(tmp_path):
    rows = [good_record(), good_record(id="q_1111111111111111", type="nonsense"),
            good_record(id="q_0123456789abcdef"), good_record(id="q_2222222222222222", duplicate_of="q_9999999999999999",
                                                               flags=["duplicate"])]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{not json\n", encoding="utf-8")
    res = run_validate(path)
    assert res.returncode == 1
    out = res.stdout
    assert "row 2: type:" in out
    assert "row 3: id: duplicate id" in out
    assert "row 4: duplicate_of: points to q_9999999999999999" in out
    assert "row 5: (line): not valid JSON" in out
    assert "row 1:" not in out


def test_validate_cli_accepts_pipeline_output(seed_run):
    out, _ = seed_run
    for name in ("questions.jsonl", "questions.parquet"):
        res = run_validate(out / name)
        assert res.returncode == 0, res.stdout[:2000]


def test_validate_reads_parquet_written_by_someone_else(tmp_path):
    import pandas as pd
    rows = [good_record(ordinal="1"), good_record(id="q_3333333333333333", ordinal="two")]
    for r in rows:
        r.pop("explanation")
    path = tmp_path / "theirs.parquet"
    pd.DataFrame(rows).to_parquet(path)
    res = run_validate(path)
    assert res.returncode == 1
    assert "row 1: explanation: required" in res.stdout
    assert "row 2: ordinal: type" in res.stdout and "row 1: ordinal: type" in res.stdout


@pytest.mark.parametrize("changes,field,rule", [
    ({"type": "single_choice", "answer": {"labels": ["A", "B"], "judgement": None, "text": None}},
     "answer", "maxItems"),
    ({"answer": {"labels": ["C"], "judgement": None, "text": None}}, "answer.labels", "not among option labels"),
    ({"type": "essay", "options": [], "answer": {"labels": [], "judgement": True, "text": "x"}},
     "answer.judgement", "judgement set on a essay"),
    ({"answer_source": "none"}, "answer_source", "answer present but answer_source is none"),
])
def test_cross_field_rules(changes, field, rule):
    problems = schema.check_record(good_record(**changes))
    assert any(f.startswith(field) and rule in r for f, r in problems), problems


@pytest.mark.parametrize("changes", [
    {"type": "essay_question"}, {"stem": 3}, {"id": "x1"}, {"flags": ["nonsense"]}, {"span": {"start": -1, "end": 2}},
    {"answer": {"labels": ["A", "B"], "judgement": None, "text": None}}, {"options": [{"label": "a", "text": "x"}]},
    {"source": {"path": "", "site": "x", "title": None, "url": None}}, {"ordinal": 0}, {},
])
def test_fast_validator_agrees_with_jsonschema(changes):
    from jsonschema import Draft202012Validator
    rec = good_record(**changes)
    assert schema.fast_valid(rec) == Draft202012Validator(schema.load_schema()).is_valid(rec)


def test_validate_row_numbers_are_line_numbers_and_every_line_is_checked(tmp_path):
    lines = [json.dumps(good_record()), "", "   ", json.dumps(good_record(id="q_1111111111111111", type="nonsense")),
             "{not json", json.dumps(good_record(id="q_2222222222222222", stem="")), "",
             json.dumps(good_record(id="q_3333333333333333"))]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run_validate(path)
    assert res.returncode == 1
    rows = sorted({line.split(": ")[1] for line in res.stdout.splitlines()})
    assert rows == ["row 4", "row 5", "row 6"], res.stdout       # blank lines counted, not checked; row 6 after a bad one
    assert "row 5: (line): not valid JSON" in res.stdout and "row 6: stem: minLength" in res.stdout
    assert "problem(s) in 5 records" in res.stderr


def test_validate_says_how_many_records_it_checked(seed_run):
    out, manifest = seed_run
    res = run_validate(out)
    assert res.returncode == 0
    assert f"questions.parquet: {manifest['records']['total']} records checked, all valid" in res.stderr


def test_validate_an_empty_file_has_0_records(tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    res = run_validate(path)
    assert res.returncode == 0 and "0 records" in res.stderr


@pytest.mark.parametrize("name,content", [
    ("questions.csv", "id,stem\nq_0123456789abcdef,下列\n"),
    ("questions.txt", "一、单选题\n1.下列（）\n"),
    ("questions.xlsx", "PK\x03\x04"),
])
def test_validate_refuses_other_formats_in_one_line(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    res = run_validate(path)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr == f"tiku: {path}: unsupported format (validate reads JSON Lines and Parquet question files)\n"


def test_validate_sniffs_a_file_named_otherwise(tmp_path):
    path = tmp_path / "records.dump"
    path.write_text(json.dumps(good_record()) + "\n", encoding="utf-8")
    res = run_validate(path)
    assert res.returncode == 0 and "1 record checked" in res.stderr


def test_validate_a_folder_without_questions(tmp_path):
    res = run_validate(tmp_path)
    assert res.returncode == 2 and "a folder without questions.parquet or questions.jsonl" in res.stderr
