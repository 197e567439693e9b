"""Write cleaned/: every file goes to a temporary name in the same folder and
is renamed into place, so a crash never leaves a half-written file and
readers always see a complete previous or complete new version.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.parquet as pq

OPTION = pa.struct([("label", pa.string()), ("text", pa.string())])
RECORD_SCHEMA = pa.schema([
    ("schema_version", pa.string()),
    ("id", pa.string()),
    ("doc_id", pa.string()),
    ("source", pa.struct([("path", pa.string()), ("site", pa.string()), ("title", pa.string()), ("url", pa.string())])),
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
def atomic_open(path: str, mode: str = "w"):
    """Open a temp file beside `path`; rename it over `path` only on success."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
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


def write_jsonl(path: str, rows) -> None:
    with atomic_open(path) as f:
        for row in rows:
            f.write(dumps(row) + "\n")


def write_parquet(path: str, rows: list[dict]) -> None:
    table = pa.Table.from_pylist(rows, schema=RECORD_SCHEMA)
    with atomic_open(path, "wb") as f:
        pq.write_table(table, f, compression="zstd", row_group_size=50_000)


def write_json(path: str, obj) -> None:
    with atomic_open(path) as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def write_text(path: str, text: str) -> None:
    with atomic_open(path) as f:
        f.write(text)


def remove_stale_temps(folder: str) -> int:
    """Temp files a killed run left behind (".<name>.<random>.tmp")."""
    n = 0
    for base in (folder, os.path.join(folder, "docs")):
        if os.path.isdir(base):
            for name in os.listdir(base):
                if name.startswith(".") and name.endswith(".tmp"):
                    os.unlink(os.path.join(base, name))
                    n += 1
    return n


def checksums(folder: str, names: list[str]) -> dict[str, str]:
    out = {}
    for name in names:
        h = hashlib.sha256()
        with open(os.path.join(folder, name), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        out[name] = h.hexdigest()
    return out


def write_docs(folder: str, docs: dict[str, str]) -> None:
    """cleaned/docs/<doc_id>.txt; stale files from earlier runs are removed."""
    os.makedirs(folder, exist_ok=True)
    for doc_id, text in sorted(docs.items()):
        write_text(os.path.join(folder, f"{doc_id}.txt"), text)
    for name in os.listdir(folder):
        if name.endswith(".txt") and name[:-4] not in docs:
            os.unlink(os.path.join(folder, name))
