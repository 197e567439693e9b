"""Benchmarks: `make bench`. Timings live here, never in tests.

Builds a synthetic corpus from raw/ (each document replicated with a
distinguishing line so every copy is a new document), then measures a cold
run (no cache) and a warm re-run over the unchanged corpus.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from pipeline.run import ingest  # noqa: E402


def build_corpus(raw: str, dest: str, copies: int) -> int:
    os.makedirs(dest, exist_ok=True)
    total = 0
    names = sorted(n for n in os.listdir(raw) if not n.startswith("."))
    for k in range(copies):
        for name in names:
            with open(os.path.join(raw, name), "rb") as f:
                data = f.read()
            stem, ext = os.path.splitext(name)
            out = os.path.join(dest, f"{stem}_copy{k:04d}{ext}")
            with open(out, "wb") as f:
                f.write(data + f"\n副本 {k}\n".encode("utf-8"))
            total += len(data)
    return total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=20, help="copies of each raw/ document")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tiku-bench-")
    try:
        corpus = os.path.join(work, "raw")
        size = build_corpus(os.path.join(ROOT, "raw"), corpus, args.copies)
        cache = os.path.join(work, "cache")
        with open(os.devnull, "w") as quiet:
            t = time.perf_counter()
            ingest(corpus, os.path.join(work, "cold"), log=quiet, cache_dir=cache)
            cold = time.perf_counter() - t
            t = time.perf_counter()
            ingest(corpus, os.path.join(work, "warm"), log=quiet, cache_dir=cache)
            warm = time.perf_counter() - t
        mb = size / 1e6
        print(f"corpus_mb={mb:.1f} documents={len(os.listdir(corpus))}")
        print(f"cold_seconds={cold:.2f} cold_mb_per_s={mb / cold:.2f}")
        print(f"warm_seconds={warm:.2f} warm_mb_per_s={mb / warm:.2f}")
        print(f"warm_speedup={cold / warm:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
