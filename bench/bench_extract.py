"""Extraction benchmark: `make bench` (after bench.py). How much of a corpus of
rendered question banks comes back whole, and how reading scales on pages run
into one line. Counts and timings live here, never in tests.

The corpus: the first --docs documents generator.random_case draws from seed 0 on, each a
bank of questions (from the shared gold files when ../shared is present, else
the generator's own) printed in one drawn layout: numbering, headings,
options, answers inline, in blanks, in keys (after each section, at the end,
by range, run together), wrapped or one-line pages, furniture, boilerplate,
traditional characters, previews cut off. A document passes when every
question comes back with its number, type, stem, options and answer
(tests/generator.py: compare).

Summary lines: roundtrip_docs=, roundtrip_pass_rate=, docs_per_s=, the seeds
that fail (tests/cases/known_failures.json says why), and per
layout feature the values that fail most (failing_<feature>=value:rate …);
then one_line_s_per_mb_<size>= for one-line pages of growing size and
one_line_flatness= (slowest over fastest seconds per MB).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import generator as g  # noqa: E402

from pipeline.run import process_document  # noqa: E402

SHARED = os.path.join(os.path.dirname(ROOT), "shared")
FEATURES = ("number", "heading", "options", "answers", "lines", "tf", "furniture", "boilerplate", "traditional", "cut",
            "restart")
ONE_LINE_SIZES = {"256kb": 256_000, "1mb": 1_000_000, "4mb": 4_000_000}


def say(**values) -> None:
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()), flush=True)


def roundtrip(n_docs: int, pool: list) -> None:
    tried, failed = Counter(), Counter()
    failing: list[int] = []
    docs = passed = chars = 0
    started = time.perf_counter()
    seed = -1
    while docs < n_docs:
        seed += 1
        drawn = g.random_case(seed, pool)
        if drawn is None:
            continue
        layout, _, text, expected = drawn
        result = process_document("raw/generated.txt", text.encode("utf-8"))
        ok = result.doc.error is None and g.compare(result.doc.records, expected) is None
        docs += 1
        passed += ok
        chars += len(text)
        if not ok:
            failing.append(seed)
        for f in FEATURES:
            tried[f, getattr(layout, f)] += 1
            failed[f, getattr(layout, f)] += not ok
    seconds = time.perf_counter() - started
    say(roundtrip_docs=docs, roundtrip_pass_rate=passed / max(docs, 1), docs_per_s=docs / seconds,
        chars_per_s=chars / seconds)
    say(roundtrip_failing_seeds=",".join(map(str, failing)) or "none")
    for f in FEATURES:
        rates = sorted(((failed[k] / tried[k], k[1]) for k in tried if k[0] == f and failed[k]), reverse=True)
        if rates:
            say(**{f"failing_{f}": " ".join(f"{v}:{r:.3f}" for r, v in rates[:3])})


def one_line_page(size: int, pool: list) -> str:
    """Rendered one-line banks run together up to `size` characters: a page saved as one line."""
    parts, total, seed = [], 0, 0
    while total < size:
        drawn = g.random_case(seed, pool)
        seed += 1
        if drawn is None or drawn[0].lines != "one_line":
            continue
        parts.append(drawn[2].replace("\n", ""))
        total += len(parts[-1])
    return "".join(parts)[:size]


def one_line_scaling(pool: list) -> None:
    per_mb = {}
    for name, size in ONE_LINE_SIZES.items():
        text = one_line_page(size, pool).encode("utf-8")
        started = time.perf_counter()
        process_document("raw/one_line.txt", text)
        per_mb[name] = (time.perf_counter() - started) / (len(text) / 1e6)
        say(**{f"one_line_s_per_mb_{name}": per_mb[name]})
    say(one_line_flatness=max(per_mb.values()) / min(per_mb.values()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000, help="documents to render (default 1000)")
    ap.add_argument("--no-scaling", action="store_true", help="skip the one-line size sweep")
    args = ap.parse_args()
    pool = g.shared_pool(SHARED)
    say(question_pool=len(pool) or "generator's own")
    roundtrip(args.docs, pool)
    if not args.no_scaling:
        one_line_scaling(pool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
