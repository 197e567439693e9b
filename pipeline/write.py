"""Write cleaned/: every file goes to a temporary name in the same folder
(the streamed ones to a staging folder) and is renamed into place, so a
crash never leaves a half-written file and readers always see a complete
previous or complete new version.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.parquet as pq

from .model import DocResult

OPTION = pa.struct([("label", pa.string()), ("text", pa.string())])
RECORD_SCHEMA = pa.schema([
    ("schema_version", pa.string()),
    ("id", pa.string()),
    ("doc_id", pa.string()),
    ("source", pa.struct([("path", pa.string()), ("site", pa.string()), ("title", pa.string()), ("url", pa.string()),
                          ("format", pa.string()), ("page", pa.int32())])),
    ("ordinal", pa.int32()),
    ("chapter", pa.string()),
    ("section", pa.string()),
    ("number", pa.string()),
    ("type", pa.string()),
    ("stem", pa.string()),
    ("options", pa.list_(OPTION)),
    ("answer", pa.struct([("labels", pa.list_(pa.string())), ("judgement", pa.bool_()), ("text", pa.string())])),
    ("explanation", pa.string()),
    ("answer_source", pa.string()),
    ("flags", pa.list_(pa.string())),
    ("duplicate_of", pa.string()),
    ("span", pa.struct([("start", pa.int64()), ("end", pa.int64())])),
])


@contextmanager
def atomic_open(path: str, mode: str = "w", tmp_dir: str | None = None):
    """Open a temp file beside `path` (or in tmp_dir, on the same filesystem);
    rename it over `path` only on success."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=tmp_dir or folder)
    os.chmod(tmp, 0o644)     # mkstemp's 0600 would hide a shared dataset from its readers
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def write_json(path: str, obj) -> None:
    with atomic_open(path) as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def write_text(path: str, text: str) -> None:
    with atomic_open(path) as f:
        f.write(text)


STAGING_PREFIX = ".staging."


def remove_stale_temps(folder: str) -> int:
    """Temp files and staging folders a killed run left behind."""
    n = 0
    for base in (folder, os.path.join(folder, "docs")):
        if os.path.isdir(base):
            for name in os.listdir(base):
                path = os.path.join(base, name)
                if name.startswith(".") and name.endswith(".tmp"):
                    os.unlink(path)
                    n += 1
                elif name.startswith(STAGING_PREFIX) and os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                    n += 1
    return n


def sync_filesystem(folder: str) -> None:
    """Flush the filesystem holding `folder` to disk: one syncfs(2) for the
    thousands of files a run stages, where an fsync each would cost a disk
    flush each. Elsewhere, sync(2)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


class StreamingOutput:
    """The writer sink: one run's outputs, written as the documents come in.
    Records go to Parquet row groups and JSONL lines in batches, so memory
    does not grow with the corpus. Everything is written into a staging
    folder inside `out` and moved into place by commit(), after one sync of
    the filesystem (not one per file: a corpus has a file per document), so
    a killed run leaves the previous outputs untouched and a crash never
    leaves a half-written file (the next run removes the staging folder)."""

    name = "write"
    JSONL = ("questions.jsonl", "removed.jsonl", "quarantine.jsonl")
    INTERNAL_ERRORS = "internal-errors.log"

    def __init__(self, out: str, batch_rows: int = 5_000):
        self.out, self.batch_rows = out, batch_rows
        os.makedirs(out, exist_ok=True)
        remove_stale_temps(out)
        self.staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out)
        os.makedirs(os.path.join(self.staging, "docs"))
        self.parquet = pq.ParquetWriter(os.path.join(self.staging, "questions.parquet"), RECORD_SCHEMA,
                                        compression="zstd")
        self.lines = {name: open(os.path.join(self.staging, name), "w", encoding="utf-8", newline="\n")
                      for name in self.JSONL}
        self.batch: list[dict] = []
        self.doc_ids: set[str] = set()
        self.internal_errors = 0

    def add(self, result: DocResult) -> None:
        """One document's share of every output."""
        d = result.doc
        if d.error:
            self.quarantine([{"path": d.path, "doc_id": d.doc_id or None, "reason": d.error}])
            if d.internal_error:
                self.internal_error(d.path, d.internal_error)
        else:
            self.doc(d.doc_id, d.text)
        self.quarantine({"path": d.path, "doc_id": d.doc_id, "reason": f"record rejected: {rej['reason']}",
                         "record": rej["record"]} for rej in d.rejected)
        self.records([rec.to_dict() for rec in d.records])
        self.removed({"doc_id": d.doc_id, "path": d.path, "rule": x.rule, "text": x.text} for x in d.removed)

    def records(self, rows: list[dict]) -> None:
        f = self.lines["questions.jsonl"]
        for row in rows:
            f.write(dumps(row) + "\n")
        self.batch.extend(rows)
        if len(self.batch) >= self.batch_rows:
            self._flush()

    def removed(self, rows) -> None:
        self._append("removed.jsonl", rows)

    def quarantine(self, rows) -> None:
        self._append("quarantine.jsonl", rows)

    def internal_error(self, path: str, trace: str) -> None:
        """The traceback of a bug met on one input, for internal-errors.log."""
        if not self.internal_errors:
            self.lines[self.INTERNAL_ERRORS] = open(os.path.join(self.staging, self.INTERNAL_ERRORS), "w",
                                                    encoding="utf-8", newline="\n")
        self.internal_errors += 1
        self.lines[self.INTERNAL_ERRORS].write(f"== {path}\n{trace.rstrip()}\n\n")

    def doc(self, doc_id: str, text: str) -> None:
        """The cleaned text, content-addressed: docs/<doc_id>.txt."""
        self.doc_ids.add(doc_id)
        with open(os.path.join(self.staging, "docs", f"{doc_id}.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    def _append(self, name: str, rows) -> None:
        f = self.lines[name]
        for row in rows:
            f.write(dumps(row) + "\n")

    def _flush(self) -> None:
        # fixed-size row groups: the file does not depend on how results arrived
        while len(self.batch) >= self.batch_rows:
            part, self.batch = self.batch[:self.batch_rows], self.batch[self.batch_rows:]
            self.parquet.write_table(pa.Table.from_pylist(part, schema=RECORD_SCHEMA))

    def _close(self) -> None:
        if self.batch:
            self.parquet.write_table(pa.Table.from_pylist(self.batch, schema=RECORD_SCHEMA))
            self.batch = []
        self.parquet.close()
        for f in self.lines.values():
            f.close()

    def commit(self) -> list[str]:
        """Move every staged output into place; the caller then writes the
        report and the manifest and calls finish(). Returns the names of
        the files moved (the manifest lists their checksums)."""
        self._close()
        sync_filesystem(self.staging)      # every staged byte on disk before any file is moved into place
        names = ["questions.parquet", *self.JSONL]
        log = os.path.join(self.out, self.INTERNAL_ERRORS)
        if self.internal_errors:
            names.append(self.INTERNAL_ERRORS)
        elif os.path.exists(log):
            os.unlink(log)    # from an earlier run: it would describe outputs no longer there
        for name in names:
            os.replace(os.path.join(self.staging, name), os.path.join(self.out, name))
        docs, staged = os.path.join(self.out, "docs"), os.path.join(self.staging, "docs")
        os.makedirs(docs, exist_ok=True)
        for name in os.listdir(staged):        # content-addressed: a name already there holds the same text
            os.replace(os.path.join(staged, name), os.path.join(docs, name))
        for name in os.listdir(docs):
            if name.endswith(".txt") and name[:-4] not in self.doc_ids:
                os.unlink(os.path.join(docs, name))
        return names

    def finish(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def abort(self) -> None:
        try:
            self._close()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)


def checksums(folder: str, names: list[str]) -> dict[str, str]:
    out = {}
    for name in names:
        h = hashlib.sha256()
        with open(os.path.join(folder, name), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        out[name] = h.hexdigest()
    return out
