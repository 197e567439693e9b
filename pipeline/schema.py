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
from typing import Iterable, Iterator


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
        # a page can lose the option its answer names: the record says so with options_missing
        if rec["options"] and "options_missing" not in flags and any(ln not in option_labels for ln in labels):
            out.append(("answer.labels", f"answer letters {''.join(labels)} not among option labels {''.join(option_labels)}"))
        if labels != sorted(labels):
            out.append(("answer.labels", "answer letters not sorted"))
        if rtype == "single_choice" and len(labels) > 1:
            out.append(("answer.labels", "single_choice with several answers"))
        # ... or all its options, printing the answer as the option's text
        answered_as_text = "options_missing" in flags and answer["text"]
        if not labels and not answered_as_text and "answer_missing" not in flags and "answer_unreadable" not in flags:
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


class UnsupportedFormat(ValueError):
    """A file validate cannot read as records (CSV, a spreadsheet, …)."""


# what validate reads, by file name ending; other names are sniffed
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
PARQUET_MAGIC = b"PAR1"
QUESTION_FILES = ("questions.parquet", "questions.jsonl")     # looked for in a folder, in this order


def questions_file(path: str) -> str:
    """The file to check: `path` itself, or the questions file of an ingest output folder."""
    if not os.path.isdir(path):
        return path
    for name in QUESTION_FILES:
        if os.path.exists(os.path.join(path, name)):
            return os.path.join(path, name)
    raise UnsupportedFormat(f"a folder without {' or '.join(QUESTION_FILES)}")


def file_format(path: str) -> str:
    """"jsonl" or "parquet": by the name's ending, else by the first bytes."""
    fmt = FORMATS.get(os.path.splitext(path)[1].lower())
    if fmt:
        return fmt
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if not head.strip() or head.lstrip().lstrip(b"\xef\xbb\xbf").startswith(b"{"):
        return "jsonl"
    raise UnsupportedFormat("unsupported format (validate reads JSON Lines and Parquet question files)")


def rows(path: str, fmt: str) -> Iterator[tuple[int, object]]:
    """(row number, record) for each record of the file, or (row, Problem) for
    a row that cannot be read. A JSONL row number is the file's line number
    (blank lines are skipped, not renumbered); a Parquet row number counts rows."""
    if fmt == "parquet":
        import pyarrow.parquet as pq
        f = pq.ParquetFile(path)
        row = 0
        for i in range(f.num_row_groups):
            for rec in f.read_row_group(i).to_pylist():
                row += 1
                yield row, rec
        return
    with open(path, "rb") as f:
        for row, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig" if row == 1 else "utf-8")
            except UnicodeDecodeError as e:
                yield row, Problem(row, "(line)", f"not UTF-8: byte {e.start + 1} cannot be decoded")
                continue
            try:
                yield row, json.loads(line)
            except json.JSONDecodeError as e:
                yield row, Problem(row, "(line)", f"not valid JSON: {e.msg} at column {e.colno}")


def check_rows(numbered: Iterable[tuple[int, object]]) -> tuple[int, list[Problem]]:
    """Per-record rules plus the file-level ones (unique ids, duplicate_of
    targets anywhere in the file), over (row, record) pairs as rows() gives
    them; returns how many rows there were and the problems, in row order."""
    problems: list[Problem] = []
    ids: dict[str, int] = {}
    pointers: list[tuple[int, str]] = []        # duplicate_of targets, resolved at the end
    count = 0
    for row, rec in numbered:
        count += 1
        if isinstance(rec, Problem):
            problems.append(rec)
            continue
        problems += [Problem(row, f, r) for f, r in check_record(rec)]
        if not isinstance(rec, dict):
            continue
        rid, target = rec.get("id"), rec.get("duplicate_of")
        if isinstance(rid, str):
            if rid in ids:
                problems.append(Problem(row, "id", f"duplicate id {rid} (first at row {ids[rid]})"))
            else:
                ids[rid] = row
        if isinstance(target, str):
            pointers.append((row, target))
    problems += [Problem(row, "duplicate_of", f"points to {target}, which is not in the file")
                 for row, target in pointers if target not in ids]
    return count, sorted(problems, key=lambda p: (p.row, p.field))


@dataclass
class Validation:
    path: str                 # the file checked (a folder's questions file)
    records: int
    problems: list[Problem]


def validate_file(path: str) -> Validation:
    """Check a questions .jsonl / .parquet file, or an ingest output folder.
    Raises UnsupportedFormat for anything else, OSError when unreadable."""
    path = questions_file(path)
    count, problems = check_rows(rows(path, file_format(path)))
    return Validation(path, count, problems)


def validate_path(path: str) -> list[Problem]:
    return validate_file(path).problems
