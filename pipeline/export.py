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
import io
import json
import os
from collections import Counter
from dataclasses import dataclass, field
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


def write_csv(path: str, header: list[str], rows: list[list]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with atomic_open(path) as f:
        f.write(buf.getvalue())


def export_ceval(records, out: str, report: ExportReport, name: str) -> None:
    rows = [c for c in (as_choice(r, report, 4) for r in records) if c]
    path = f"{name}_test.csv"   # C-Eval's files are <subject>_<split>.csv
    write_csv(os.path.join(out, path), ["id", "question", "A", "B", "C", "D", "answer", "explanation"],
              [[c["id"], c["question"], c["A"], c["B"], c["C"], c["D"], c["answer"], c["explanation"]] for c in rows])
    report.files[path] = len(rows)


def export_cmmlu(records, out: str, report: ExportReport, name: str) -> None:
    rows = [c for c in (as_choice(r, report, 4) for r in records) if c]
    path = f"{name}.csv"
    write_csv(os.path.join(out, path), ["", "Question", "A", "B", "C", "D", "Answer"],
              [[i, c["question"], c["A"], c["B"], c["C"], c["D"], c["answer"]] for i, c in enumerate(rows)])
    report.files[path] = len(rows)


def export_opencompass(records, out: str, report: ExportReport, name: str) -> None:
    by_count: dict[int, list[dict]] = {}
    for rec in records:
        c = as_choice(rec, report, None)
        if c:
            by_count.setdefault(len(rec["options"]), []).append(c)
    for n, rows in sorted(by_count.items()):
        letters = list(LETTERS[:n])
        path = f"{name}_{n}options.jsonl"
        with atomic_open(os.path.join(out, path)) as f:
            for c in rows:
                f.write(dumps({"question": c["question"], **{k: c[k] for k in letters}, "answer": c["answer"],
                               "id": c["id"]}) + "\n")
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
        report.files[path] = len(rows)


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
    shards: list[list[dict]] = [[]]
    for rec in records:
        if len(shards[-1]) >= SHARD_ROWS:
            shards.append([])
        shards[-1].append(rec)
    names = []
    for i, rows in enumerate(shards):
        path = f"data/train-{i:05d}-of-{len(shards):05d}.parquet"
        with atomic_open(os.path.join(out, path), "wb") as f:
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), f, compression="zstd")
        report.files[path] = len(rows)
        names.append(path)
    for stale in os.listdir(data):
        if stale.endswith(".parquet") and f"data/{stale}" not in names:
            os.unlink(os.path.join(data, stale))
    with atomic_open(os.path.join(out, "README.md")) as f:
        f.write(dataset_card(name, report.written, Counter(r["type"] for s in shards for r in s), names, manifest))


EXPORTERS: dict[str, Callable] = {"ceval": export_ceval, "cmmlu": export_cmmlu, "opencompass": export_opencompass}


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
