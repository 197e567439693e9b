"""manifest.json: what a run read, made and skipped, built as results stream by.

Counts are kept as documents come; each document's entry goes to a staging
file rather than memory (a corpus of millions of documents has millions of
entries) and is streamed into manifest.json, which is written last, with the
checksum of every other output: a run killed before that leaves the previous
manifest in place.
"""
from __future__ import annotations

import json
import os
from collections import Counter

from .cache import code_fingerprint
from .model import PIPELINE_VERSION, SCHEMA_VERSION, DocResult, StageStats
from .write import atomic_open, checksums, dumps


def document_entry(r: DocResult) -> dict:
    """The manifest's line for one input document."""
    d = r.doc
    counts_by_type = Counter(rec.type for rec in d.records)
    flags = Counter(f for rec in d.records for f in rec.flags)
    return {
        "path": d.path, "doc_id": d.doc_id or None, "sha256": d.sha256 or None,
        "status": d.status, "reason": d.error,
        "encoding": d.encoding, "format": d.format, "pages": d.pages, "site": d.site, "title": d.title, "url": d.url,
        "records": len(d.records), "records_rejected": len(d.rejected),
        "by_type": dict(sorted(counts_by_type.items())), "flags": dict(sorted(flags.items())),
        "removed_spans": len(d.removed), "removed_chars": sum(len(x.text) for x in d.removed),
        "characters": d.characters,
        "mojibake_runs": [run.to_dict() for run in d.mojibake_runs],
        "orphan_answers": d.orphan_answers,
        "checks": d.checks,
        "pair": d.pair,
    }


class Manifest:
    """The manifest sink: counts and per-document entries as results stream by."""
    name = "manifest"
    ENTRIES = "documents.jsonl"

    def __init__(self, staging: str):
        self.entries_path = os.path.join(staging, self.ENTRIES)
        self._entries = open(self.entries_path, "w", encoding="utf-8", newline="\n")
        self.documents = 0          # entries written
        self.ok = self.quarantined = self.internal_errors = self.problems = 0
        self.records = self.duplicates = self.rejected = self.reused = 0
        self.by_type: Counter = Counter()
        self.by_flag: Counter = Counter()
        self.without_records: Counter = Counter()   # documents that gave no record, by why

    def problem(self, problem: dict) -> None:
        """An input folder that could not be listed, a symlink loop: no document entry."""
        self.problems += 1
        self.quarantined += 1
        self.without_records["folder problem"] += 1

    def add(self, result: DocResult) -> None:
        d = result.doc
        self.reused += result.from_cache
        status = d.status
        if status == "ok":
            self.ok += 1
        elif status == "quarantined":
            self.quarantined += 1
        else:
            self.internal_errors += 1
        self.records += len(d.records)
        self.rejected += len(d.rejected)
        for rec in d.records:
            self.by_type[rec.type] += 1
            self.by_flag.update(rec.flags)
            self.duplicates += rec.duplicate_of is not None
        if not d.records:
            why = ("internal error" if status == "internal_error" else "quarantined" if status == "quarantined"
                   else "records rejected by the schema" if d.rejected else "no questions found")
            self.without_records[why] += 1
        self._entries.write(dumps(document_entry(result)) + "\n")
        self.documents += 1

    def close(self) -> None:
        if not self._entries.closed:
            self._entries.close()

    def lines(self, limit: int | None = None):
        """The document entries as written (one compact JSON line each), in input order (after close)."""
        with open(self.entries_path, encoding="utf-8") as f:
            for n, line in enumerate(f):
                if limit is not None and n >= limit:
                    return
                yield line.rstrip("\n")

    def entries(self, limit: int | None = None):
        """The document entries, in input order (after close)."""
        return map(json.loads, self.lines(limit))

    def summary(self, input_root: str, stages: dict[str, StageStats], timings: dict[str, float]) -> dict:
        """manifest.json without its per-document entries and output checksums."""
        self.close()
        return {
            "pipeline_version": PIPELINE_VERSION,
            "code_fingerprint": code_fingerprint(),
            "schema_version": SCHEMA_VERSION,
            "input_root": input_root,
            "documents": {"total": self.documents + self.problems, "ok": self.ok, "quarantined": self.quarantined,
                          "internal_errors": self.internal_errors,
                          "without_records": dict(sorted(self.without_records.items()))},
            "cache": {"documents_reused": self.reused},
            "records": {"total": self.records, "by_type": dict(sorted(self.by_type.items())),
                        "by_flag": dict(sorted(self.by_flag.items())),
                        "duplicates": self.duplicates, "rejected": self.rejected},
            "stages": {name: st.to_dict() for name, st in stages.items()},
            "inputs": None,          # streamed from the staging file when written
            "timings": {name: round(s, 4) for name, s in timings.items()},
        }

    def commit(self, folder: str, manifest: dict, outputs: list[str], tmp_dir: str | None = None) -> None:
        """manifest.json, last, with the checksums of the outputs named."""
        manifest["outputs"] = checksums(folder, outputs)
        write_manifest(os.path.join(folder, "manifest.json"), manifest, self.lines(), tmp_dir=tmp_dir)


def write_manifest(path: str, manifest: dict, lines, key: str = "inputs", tmp_dir: str | None = None) -> None:
    """manifest.json, indented, with manifest[key] the list of the entries
    given as compact JSON lines: streamed (a corpus has millions of
    documents), one entry a line (readable at that count, and written as is)."""
    placeholder = "\x00documents\x00"
    head, tail = json.dumps({**manifest, key: placeholder}, ensure_ascii=False, indent=2).split(
        json.dumps(placeholder))
    with atomic_open(path, tmp_dir=tmp_dir) as f:
        f.write(head)
        first = True
        for line in lines:
            f.write(("[\n    " if first else ",\n    ") + line)
            first = False
        f.write("[]" if first else "\n  ]")
        f.write(tail + "\n")
