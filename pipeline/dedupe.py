"""Mark repeated questions, never delete them.

Exact duplicates share a fingerprint of the normalized stem and options
(width, punctuation and spacing ignored). Near duplicates share most of
their character 5-grams: MinHash signatures (fixed seed, so runs agree)
bucketed by LSH bands propose candidates, and the true Jaccard similarity of
the 5-gram sets decides (default ≥ 0.8). Only questions of the same type are
compared: a choice question and an essay with the same wording are different
questions.

The first copy, by source path and then ordinal, is the original; later
copies get flag `duplicate` and `duplicate_of` = the original's id. Runs over
the whole corpus, after the per-document stages, so the choice does not
depend on how documents were split across workers.
"""
from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict

import numpy as np
import regex as re

from .model import QuestionRecord, StageStats, order_flags

_NOISE = re.compile(r"[\s\p{P}\p{S}]+")
SHINGLE = 5
NUM_PERM = 128
BANDS, ROWS = 32, 4          # 32 × 4 = 128; catches pairs of Jaccard ≳ 0.6 with high probability
SEED = 20241123
DEFAULT_THRESHOLD = 0.8


def _text(rec: QuestionRecord) -> str:
    parts = [rec.stem] + [f"{o['label']}{o['text']}" for o in rec.options]
    return _NOISE.sub("", unicodedata.normalize("NFKC", "\x1f".join(parts)))


def fingerprint(rec: QuestionRecord) -> str:
    return hashlib.sha256((rec.type + "\x1f" + _text(rec)).encode()).hexdigest()


def shingles(text: str) -> set[str]:
    if len(text) <= SHINGLE:
        return {text}
    return {text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


_rng = np.random.default_rng(SEED)
_A = _rng.integers(1, 2**63 - 1, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.uint64)


def minhash(grams: set[str]) -> np.ndarray:
    """128 minima of multiply-shift hashes of the 5-grams' stable 64-bit hashes."""
    x = np.fromiter((int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in sorted(grams)),
                    dtype=np.uint64, count=len(grams))
    with np.errstate(over="ignore"):
        h = (_A[:, None] * x[None, :] + _B[:, None]) >> np.uint64(32)
    return h.min(axis=1)


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def dedupe(records: list[QuestionRecord], stats: StageStats, threshold: float = DEFAULT_THRESHOLD) -> list[QuestionRecord]:
    first_exact: dict[str, QuestionRecord] = {}
    buckets: dict[tuple, list[int]] = defaultdict(list)
    ordered = sorted(records, key=lambda r: (r.source["path"], r.ordinal))
    grams: list[set[str]] = []
    for i, rec in enumerate(ordered):
        fp = fingerprint(rec)
        g = shingles(_text(rec))
        grams.append(g)
        original = first_exact.get(fp)
        kind = "exact_duplicate"
        if original is None and threshold < 1.0:
            sig = minhash(g)
            candidates = set()
            keys = [(rec.type, band, sig[band * ROWS:(band + 1) * ROWS].tobytes()) for band in range(BANDS)]
            for key in keys:
                candidates.update(buckets[key])
            matches = sorted(j for j in candidates if jaccard(g, grams[j]) >= threshold)
            if matches:
                original, kind = ordered[matches[0]], "near_duplicate"
            for key in keys:
                buckets[key].append(i)
        if original is None:
            first_exact[fp] = rec
            stats.kept["unique"] += 1
            continue
        first_exact.setdefault(fp, original)
        # always point at the root, never at another copy
        root_id = original.duplicate_of or original.id
        rec.duplicate_of = root_id
        rec.flags = order_flags(rec.flags + ["duplicate"])
        stats.dropped[kind] += 1
    return records
