"""Exports of cleaned/ to the formats evaluation harnesses read.

    ceval        C-Eval CSV: id,question,A,B,C,D,answer,explanation
    cmmlu        CMMLU CSV: ,Question,A,B,C,D,Answer (leading row index, as the CMMLU files)
    opencompass  OpenCompass custom multiple-choice JSONL (question, A…, answer), one file per
                 option count (a file's options are its columns), each with its .meta.json
    hf           a Hugging Face `datasets` folder: Parquet shards and a dataset card whose
                 front matter declares the configs and features

Every record read is either written or counted under the reason it was
left out; export.json beside the files says which (written + left out =
records in cleaned/).
"""
from __future__ import annotations

import csv
import json
import os
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from .write import RECORD_SCHEMA, atomic_open, dumps, write_json

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHOICE_FORMATS = ("ceval", "cmmlu", "opencompass")
FORMATS = (*CHOICE_FORMATS, "hf")
SHARD_ROWS = 100_000


@dataclass
class ExportReport:
    format: str
    read: int = 0
    files: dict[str, int] = field(default_factory=dict)      # file → rows written
    left_out: Counter = field(default_factory=Counter)       # reason → records

    @property
    def written(self) -> int:
        return sum(self.files.values())

    def to_dict(self) -> dict:
        return {"format": self.format, "read": self.read, "written": self.written,
                "files": dict(sorted(self.files.items())), "left_out": dict(sorted(self.left_out.items()))}

    def summary(self) -> str:
        left = ", ".join(f"{k} {v}" for k, v in sorted(self.left_out.items())) or "none"
        return f"export {self.format}: {self.written} of {self.read} records written; left out: {left}"


def read_records(cleaned: str) -> Iterator[dict]:
    """Records of cleaned/questions.parquet, one row group at a time."""
    path = os.path.join(cleaned, "questions.parquet") if os.path.isdir(cleaned) else cleaned
    f = pq.ParquetFile(path)
    for i in range(f.num_row_groups):
        yield from f.read_row_group(i).to_pylist()


def selected(records, report: ExportReport, types: list[str] | None, drop_duplicates: bool) -> Iterator[dict]:
    for rec in records:
        report.read += 1
        if types and rec["type"] not in types:
            report.left_out[f"type {rec['type']} not asked for"] += 1
        elif drop_duplicates and rec["duplicate_of"]:
            report.left_out["duplicate"] += 1
        else:
            yield rec


def as_choice(rec: dict, report: ExportReport, exact_options: int | None) -> dict | None:
    """{question, A…, answer, explanation} for a single-choice record the
    harnesses can score, or None with the reason counted."""
    if rec["type"] != "single_choice":
        reason = f"type {rec['type']} (single choice only)"
    elif not rec["options"]:
        reason = "no options"
    elif [o["label"] for o in rec["options"]] != list(LETTERS[:len(rec["options"])]):
        reason = "option labels not A, B, C… in order"
    elif exact_options and len(rec["options"]) != exact_options:
        reason = f"not exactly {exact_options} options"
    elif len(rec["answer"]["labels"] or []) != 1:
        reason = "no answer"
    else:
        row = {"id": rec["id"], "question": rec["stem"]}
        row.update({o["label"]: o["text"] for o in rec["options"]})
        row["answer"] = rec["answer"]["labels"][0]
        row["explanation"] = rec["explanation"] or ""
        return row
    report.left_out[reason] += 1
    return None


def write_csv(path: str, header: list[str], rows) -> int:
    """Rows streamed into a CSV that replaces `path` atomically; returns how many."""
    n = 0
    with atomic_open(path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


# format → (file name, header, the row of the i-th choice question c)
CSV_LAYOUTS: dict[str, tuple[str, list[str], Callable]] = {
    # C-Eval's files are <subject>_<split>.csv
    "ceval": ("{name}_test.csv", ["id", "question", "A", "B", "C", "D", "answer", "explanation"],
              lambda i, c: [c["id"], c["question"], c["A"], c["B"], c["C"], c["D"], c["answer"], c["explanation"]]),
    # CMMLU's files start each row with its index, under an empty header
    "cmmlu": ("{name}.csv", ["", "Question", "A", "B", "C", "D", "Answer"],
              lambda i, c: [i, c["question"], c["A"], c["B"], c["C"], c["D"], c["answer"]]),
}


def export_csv(fmt: str, records, out: str, report: ExportReport, name: str) -> None:
    file, header, row = CSV_LAYOUTS[fmt]
    path = file.format(name=name)
    choices = (c for c in (as_choice(r, report, 4) for r in records) if c)
    report.files[path] = write_csv(os.path.join(out, path), header, (row(i, c) for i, c in enumerate(choices)))


def export_opencompass(records, out: str, report: ExportReport, name: str) -> None:
    with ExitStack() as stack:
        files: dict[int, object] = {}          # option count → its open JSONL, opened when first needed
        for rec in records:
            c = as_choice(rec, report, None)
            if not c:
                continue
            n = len(rec["options"])
            path = f"{name}_{n}options.jsonl"
            if n not in files:
                files[n] = stack.enter_context(atomic_open(os.path.join(out, path)))
                report.files[path] = 0
            files[n].write(dumps({"question": c["question"], **{k: c[k] for k in LETTERS[:n]}, "answer": c["answer"],
                                  "id": c["id"]}) + "\n")
            report.files[path] += 1
    for n in sorted(files):
        letters = list(LETTERS[:n])
        path = f"{name}_{n}options.jsonl"
        options = "\n".join(f"{k}. {{{k}}}" for k in letters)
        write_json(os.path.join(out, path + ".meta.json"), {
            "abbr": f"{name}_{n}options",
            "data_type": "mcq",
            "infer_method": "gen",
            "human_prompt": f"以下是单项选择题，请直接给出正确答案的选项。\n题目：{{question}}\n{options}\n答案：",
            "bot_prompt": "{answer}",
            "input_columns": ["question", *letters],
            "output_column": "answer",
            "options": letters,
        })


def hf_feature(t: pa.DataType, indent: str) -> list[str]:
    """YAML lines of the dataset card's `features` entry for one Arrow type."""
    if pa.types.is_struct(t):
        lines = [f"{indent}struct:"]
        for f in t:
            lines += [f"{indent}- name: {f.name}"] + hf_feature(f.type, indent + "  ")
        return lines
    if pa.types.is_list(t):
        item = t.value_type
        if pa.types.is_struct(item):
            lines = [f"{indent}list:"]
            for f in item:
                lines += [f"{indent}- name: {f.name}"] + hf_feature(f.type, indent + "  ")
            return lines
        return [f"{indent}list: {hf_dtype(item)}"]
    return [f"{indent}dtype: {hf_dtype(t)}"]


def hf_dtype(t: pa.DataType) -> str:
    return {pa.string(): "string", pa.bool_(): "bool", pa.int32(): "int32", pa.int64(): "int64"}[t]


def hf_features_json(t: pa.DataType) -> dict:
    """The same features as `datasets` stores them in Parquet metadata."""
    if pa.types.is_struct(t):
        return {f.name: hf_features_json(f.type) for f in t}
    if pa.types.is_list(t):
        return {"feature": hf_features_json(t.value_type), "_type": "List"}
    return {"dtype": hf_dtype(t), "_type": "Value"}


def dataset_card(name: str, rows: int, by_type: Counter, shards: list[str], manifest: dict | None) -> str:
    lines = ["---", "configs:", "- config_name: default", "  data_files:", "  - split: train",
             "    path: data/train-*.parquet", "dataset_info:", "  features:"]
    for f in RECORD_SCHEMA:
        lines += [f"  - name: {f.name}"] + hf_feature(f.type, "    ")
    lines += ["  splits:", "  - name: train", f"    num_examples: {rows}", "language:", "- zh",
              "task_categories:", "- question-answering", "- multiple-choice", "---", ""]
    docs = manifest["documents"] if manifest else {}
    body = [
        f"# {name}",
        "",
        "Exam questions cleaned from scraped Chinese exam documents by tiku.",
        "",
        f"- records: {rows} in {len(shards)} Parquet shard(s) under `data/`: "
        + ", ".join(f"{t} {n}" for t, n in sorted(by_type.items())),
        f"- source documents: {docs.get('ok', '?')} processed, {docs.get('quarantined', '?')} quarantined",
        f"- pipeline version: {manifest.get('pipeline_version', '?') if manifest else '?'}, "
        f"schema version: {manifest.get('schema_version', '?') if manifest else '?'}",
        "",
        "Each record keeps its source (path, site, title, url), chapter, section, question type, stem, "
        "options, answer (labels, judgement or text), explanation, where the answer came from, quality "
        "flags and, for repeated questions, the id of the first copy (`duplicate_of`).",
        "",
        "```python",
        "from datasets import load_dataset",
        "ds = load_dataset(\"path/to/this/folder\", split=\"train\")",
        "```",
        "",
    ]
    return "\n".join(lines + body)


def export_hf(records, out: str, report: ExportReport, name: str, manifest: dict | None) -> None:
    data = os.path.join(out, "data")
    os.makedirs(data, exist_ok=True)
    metadata = {b"huggingface": json.dumps({"info": {"features": {f.name: hf_features_json(f.type)
                                                                  for f in RECORD_SCHEMA}}}).encode()}
    schema = RECORD_SCHEMA.with_metadata(metadata)
    # shards are written as they fill, under provisional names: "-of-N" is
    # only known at the end, when they are renamed
    parts: list[tuple[str, int]] = []
    by_type: Counter = Counter()
    batch: list[dict] = []

    def write_part() -> None:
        part = os.path.join(data, f".train-{len(parts):05d}.part")
        with atomic_open(part, "wb") as f:
            pq.write_table(pa.Table.from_pylist(batch, schema=schema), f, compression="zstd")
        parts.append((part, len(batch)))
        batch.clear()

    for rec in records:
        batch.append(rec)
        by_type[rec["type"]] += 1
        if len(batch) >= SHARD_ROWS:
            write_part()
    if batch or not parts:
        write_part()
    names = []
    for i, (part, rows) in enumerate(parts):
        path = f"data/train-{i:05d}-of-{len(parts):05d}.parquet"
        os.replace(part, os.path.join(out, path))
        report.files[path] = rows
        names.append(path)
    for stale in os.listdir(data):
        if stale.endswith((".parquet", ".part")) and f"data/{stale}" not in names:
            os.unlink(os.path.join(data, stale))
    with atomic_open(os.path.join(out, "README.md")) as f:
        f.write(dataset_card(name, report.written, by_type, names, manifest))


EXPORTERS: dict[str, Callable] = {"ceval": partial(export_csv, "ceval"), "cmmlu": partial(export_csv, "cmmlu"),
                                  "opencompass": export_opencompass}


def export(cleaned: str, fmt: str, out: str, types: list[str] | None = None, drop_duplicates: bool = False,
           name: str = "tiku") -> ExportReport:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    manifest = None
    manifest_path = os.path.join(cleaned, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    os.makedirs(out, exist_ok=True)
    report = ExportReport(fmt)
    records = selected(read_records(cleaned), report, types, drop_duplicates)
    if fmt == "hf":
        export_hf(records, out, report, name, manifest)
    else:
        EXPORTERS[fmt](records, out, report, name)
    write_json(os.path.join(out, "export.json"), {
        **report.to_dict(), "types": types, "drop_duplicates": drop_duplicates,
        "source": {"cleaned": os.path.abspath(cleaned),
                   "questions_parquet_sha256": (manifest or {}).get("outputs", {}).get("questions.parquet")},
    })
    return report
