"""The record contract: pipeline/schemas/question.schema.json (shipped
inside the package, read with importlib.resources) plus the cross-field
rules JSON Schema cannot say well (answer letters among the options, one
letter for single_choice, ids unique, duplicate_of resolvable).

Used by the pipeline before writing, and by `python -m pipeline validate`
on any questions.jsonl / .parquet, whoever wrote it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


def schema_file():
    """The schema inside the installed package (a Traversable)."""
    return resources.files(__package__) / "schemas" / "question.schema.json"


@dataclass
class Problem:
    row: int          # 1-based row in the file (0 when not about one row)
    field: str
    rule: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.rule}"


@lru_cache(maxsize=1)
def load_schema() -> dict:
    return json.loads(schema_file().read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@lru_cache(maxsize=1)
def _fast():
    """The same schema compiled to Python by fastjsonschema (20x faster than
    walking it): the pipeline checks every record, so this is the hot path.
    The keywords the schema uses mean the same in draft-07, which fastjsonschema
    compiles; jsonschema (2020-12) explains any failure."""
    import fastjsonschema
    schema = dict(load_schema(), **{"$schema": "http://json-schema.org/draft-07/schema#"})
    return fastjsonschema.compile(schema)


def fast_valid(rec: dict) -> bool:
    import fastjsonschema
    try:
        _fast()(rec)
        return True
    except fastjsonschema.JsonSchemaException:
        return False


def _path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        parts.append(missing)
    elif error.validator == "additionalProperties":
        parts.append(error.message.split("'")[1] if "'" in error.message else "?")
    return ".".join(parts) or "(record)"


def check_record(rec: dict) -> list[tuple[str, str]]:
    """(field, rule) for each way the record breaks the contract."""
    out = []
    if not isinstance(rec, dict):
        return [("(record)", "not a JSON object")]
    errors = [] if fast_valid(rec) else _validator().iter_errors(rec)
    for e in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        rule = e.message if len(e.message) < 160 else e.message[:157] + "..."
        out.append((_path(e), f"{e.validator}: {rule}"))
    if out:
        return out
    answer, flags, rtype = rec["answer"], set(rec["flags"]), rec["type"]
    labels = answer["labels"]
    option_labels = [o["label"] for o in rec["options"]]
    if len(set(option_labels)) != len(option_labels):
        out.append(("options", "option labels repeat"))
    if rtype in ("single_choice", "multiple_choice"):
        if rec["options"] and any(ln not in option_labels for ln in labels):
            out.append(("answer.labels", f"answer letters {''.join(labels)} not among option labels {''.join(option_labels)}"))
        if labels != sorted(labels):
            out.append(("answer.labels", "answer letters not sorted"))
        if rtype == "single_choice" and len(labels) > 1:
            out.append(("answer.labels", "single_choice with several answers"))
        if not labels and "answer_missing" not in flags and "answer_unreadable" not in flags:
            out.append(("answer.labels", "choice question without answer and without answer_missing flag"))
    if rtype == "true_false" and answer["judgement"] is None and not flags & {"answer_missing", "answer_unreadable"}:
        out.append(("answer.judgement", "true_false without judgement (and no answer_missing flag)"))
    if rtype != "true_false" and answer["judgement"] is not None:
        out.append(("answer.judgement", f"judgement set on a {rtype} question"))
    if rec["answer_source"] == "none" and (labels or answer["judgement"] is not None or answer["text"]):
        out.append(("answer_source", "answer present but answer_source is none"))
    if ("duplicate" in flags) != (rec["duplicate_of"] is not None):
        out.append(("duplicate_of", "flag duplicate and duplicate_of must go together"))
    if rec["span"]["end"] < rec["span"]["start"]:
        out.append(("span", "end before start"))
    return out


def check_records(records: list) -> list[Problem]:
    """Per-record rules plus the file-level ones (unique ids, duplicate_of targets)."""
    problems = []
    ids: dict[str, int] = {}
    for row, rec in enumerate(records, 1):
        problems += [Problem(row, f, r) for f, r in check_record(rec)]
        rid = rec.get("id") if isinstance(rec, dict) else None
        if isinstance(rid, str):
            if rid in ids:
                problems.append(Problem(row, "id", f"duplicate id {rid} (first at row {ids[rid]})"))
            else:
                ids[rid] = row
    for row, rec in enumerate(records, 1):
        target = rec.get("duplicate_of") if isinstance(rec, dict) else None
        if isinstance(target, str) and target not in ids:
            problems.append(Problem(row, "duplicate_of", f"points to {target}, which is not in the file"))
    return problems


def read_records(path: str) -> tuple[list, list[Problem]]:
    """Load a questions.jsonl or .parquet; unreadable rows become problems."""
    if os.path.isdir(path):
        for name in ("questions.parquet", "questions.jsonl"):
            if os.path.exists(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq
        return pq.read_table(path).to_pylist(), []
    records, problems = [], []
    with open(path, encoding="utf-8") as f:
        for row, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                records.append(None)
                problems.append(Problem(row, "(line)", f"not valid JSON: {e.msg}"))
    return records, problems


def validate_path(path: str) -> list[Problem]:
    records, problems = read_records(path)
    bad_rows = {p.row for p in problems}
    good = [r if i not in bad_rows else {} for i, r in enumerate(records, 1)]
    problems += [p for p in check_records(good) if p.row not in bad_rows]
    return sorted(problems, key=lambda p: (p.row, p.field))
