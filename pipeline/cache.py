"""Per-document results cached by (document bytes, relative path, code).

The key includes a fingerprint of the pipeline's own code and data tables,
so any change to a stage invalidates every entry: a warm run can never
return what an older pipeline computed. Entries are pickles of the
per-document result taken before the corpus-wide steps (dedupe, write),
which is why a warm run writes byte-identical output.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
from functools import lru_cache

from .write import atomic_open

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# the Cache Directory Tagging convention: backup tools, and tiku ingest, skip a folder holding it
CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
CACHEDIR_TAG = CACHEDIR_SIGNATURE + b"\n# This file is a cache directory tag created by tiku (https://bford.info/cachedir/)\n"


def package_files() -> list[str]:
    """Every file of the package, relative to it, sorted: modules, subpackages
    and data tables (the schema included); compiled bytecode and hidden files left out."""
    found = []
    for base, dirs, names in os.walk(PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        found += [os.path.relpath(os.path.join(base, n), PACKAGE_DIR) for n in names if not n.startswith(".")]
    return sorted(found)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    h = hashlib.sha256()
    for name in package_files():
        h.update(name.replace(os.sep, "/").encode())
        with open(os.path.join(PACKAGE_DIR, name), "rb") as f:
            h.update(f.read())
    for dist in ("opencc", "jieba", "regex", "pypdfium2", "python-docx", "striprtf"):   # their data change results too
        try:
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    return h.hexdigest()[:16]


class DocCache:
    def __init__(self, folder: str | None):
        self.folder = folder
        self.hits = 0

    def key(self, rel_path: str, data: bytes) -> str:
        h = hashlib.sha256(data)
        h.update(b"\0" + rel_path.encode() + b"\0" + code_fingerprint().encode())
        return h.hexdigest()

    def _file(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key + ".pickle")

    def get(self, key: str):
        if not self.folder:
            return None
        try:
            with open(self._file(key), "rb") as f:
                value = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None                      # missing or unreadable: just recompute
        self.hits += 1
        return value

    def put(self, key: str, value) -> None:
        if not self.folder:
            return
        try:
            tag = os.path.join(self.folder, "CACHEDIR.TAG")
            if not os.path.exists(tag):
                with atomic_open(tag, "wb") as f:
                    f.write(CACHEDIR_TAG)
            with atomic_open(self._file(key), "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            pass                              # a cache that cannot be written is no error
