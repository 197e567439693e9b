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
# a band's ROWS minima folded into one 64-bit key, salted per band
_BAND_MIX = _rng.integers(1, 2**63 - 1, size=(BANDS, ROWS), dtype=np.uint64) | np.uint64(1)
_BAND_SALT = _rng.integers(0, 2**63 - 1, size=BANDS, dtype=np.uint64)


def gram_hashes(grams: set[str]) -> np.ndarray:
    """Stable 64-bit hashes of the 5-grams, sorted: 8 bytes a gram instead of a str."""
    return np.unique(np.fromiter((int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
                                  for g in grams), dtype=np.uint64, count=len(grams)))


def minhash(hashes: np.ndarray) -> np.ndarray:
    """128 minima of multiply-shift hashes of the grams' 64-bit hashes."""
    with np.errstate(over="ignore"):
        h = (_A[:, None] * hashes[None, :] + _B[:, None]) >> np.uint64(32)
    return h.min(axis=1)


def band_keys(sig: np.ndarray) -> list[int]:
    """One int per LSH band (8 bytes of index instead of a tuple of bytes): a
    collision only proposes a candidate, which the true Jaccard then judges."""
    with np.errstate(over="ignore"):
        return ((sig.reshape(BANDS, ROWS) * _BAND_MIX).sum(axis=1, dtype=np.uint64) + _BAND_SALT).tolist()


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted, unique hash arrays."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 1.0


class Deduper:
    """Streaming: records must arrive in corpus order (source path, then
    ordinal), so the first copy seen is the original. Keeps only what later
    records are compared with: one digest per distinct question and, for
    near-duplicate search, the gram hashes and LSH buckets of the questions
    that had no exact copy before them."""

    def __init__(self, stats: StageStats, threshold: float = DEFAULT_THRESHOLD):
        self.stats, self.threshold = stats, threshold
        self.root_of: dict[bytes, str] = {}          # fingerprint digest → id of the original
        # band key → index of the one indexed record in it, or a list when several
        self.buckets: dict[int, int | list[int]] = {}
        self.grams: list[bytes] = []                  # per indexed record: its sorted gram hashes
        self.types: list[str] = []                    # per indexed record
        self.roots: list[str] = []                    # per indexed record, the id of its original

    def mark(self, rec: QuestionRecord) -> None:
        fp = bytes.fromhex(fingerprint(rec))[:16]
        root = self.root_of.get(fp)
        kind = "exact_duplicate"
        if root is None and self.threshold < 1.0:
            g = gram_hashes(shingles(_text(rec)))
            keys = band_keys(minhash(g))
            candidates = set()
            for key in keys:
                got = self.buckets.get(key)
                if isinstance(got, list):
                    candidates.update(got)
                elif got is not None:
                    candidates.add(got)
            matches = sorted(j for j in candidates if self.types[j] == rec.type
                             and jaccard(g, np.frombuffer(self.grams[j], dtype=np.uint64)) >= self.threshold)
            if matches:
                root, kind = self.roots[matches[0]], "near_duplicate"
            i = len(self.roots)
            for key in keys:                           # copies are indexed too, under their root
                got = self.buckets.get(key)
                if got is None:
                    self.buckets[key] = i
                elif isinstance(got, list):
                    got.append(i)
                else:
                    self.buckets[key] = [got, i]
            self.grams.append(g.tobytes())
            self.types.append(rec.type)
            self.roots.append(root or rec.id)
        if root is None:
            self.root_of[fp] = rec.id
            self.stats.kept["unique"] += 1
            return
        self.root_of.setdefault(fp, root)
        rec.duplicate_of = root
        rec.flags = order_flags(rec.flags + ["duplicate"])
        self.stats.dropped[kind] += 1


def dedupe(records: list[QuestionRecord], stats: StageStats, threshold: float = DEFAULT_THRESHOLD) -> list[QuestionRecord]:
    """All records at once (any order): sorted into corpus order, then streamed."""
    deduper = Deduper(stats, threshold)
    for rec in sorted(records, key=lambda r: (r.source["path"], r.ordinal)):
        deduper.mark(rec)
    return records
