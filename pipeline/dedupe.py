"""Mark repeated questions, never delete them.

Exact duplicates share a fingerprint of the normalized stem and options
(width, punctuation and spacing ignored). Fingerprints, 5-gram hashes and
LSH keys are computed per record (`keys`, by the fingerprint stage, in the
workers); the corpus-wide pass, the Deduper sink, only looks them up. Near duplicates share most of
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

from .model import DedupeKeys, DocResult, QuestionRecord, StageStats, order_flags

_NOISE = re.compile(r"[\s\p{P}\p{S}]+")
SHINGLE = 5
NUM_PERM = 128
BANDS, ROWS = 32, 4          # 32 × 4 = 128; catches pairs of Jaccard ≳ 0.6 with high probability
MIN_THRESHOLD = 0.6          # the lowest near-duplicate threshold the bands above find reliably (98.8 % at 0.6)
SEED = 20241123
DEFAULT_THRESHOLD = 0.8


def _text(rec: QuestionRecord) -> str:
    parts = [rec.stem] + [f"{o['label']}{o['text']}" for o in rec.options]
    return _NOISE.sub("", unicodedata.normalize("NFKC", "\x1f".join(parts)))


def fingerprint(rtype: str, text: str) -> bytes:
    """16 bytes of sha256 over the type and the normalized text (_text)."""
    return hashlib.sha256((rtype + "\x1f" + text).encode()).digest()[:16]


_rng = np.random.default_rng(SEED)
_A = _rng.integers(1, 2**63 - 1, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.uint64)
# a band's ROWS minima folded into one 64-bit key, salted per band
_BAND_MIX = _rng.integers(1, 2**63 - 1, size=(BANDS, ROWS), dtype=np.uint64) | np.uint64(1)
_BAND_SALT = _rng.integers(0, 2**63 - 1, size=BANDS, dtype=np.uint64)
# a 5-gram's code points folded into 64 bits, then mixed (murmur3's finalizer, a bijection)
_GRAM_MUL, _FMIX1, _FMIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_33 = np.uint64(33)


def gram_hashes(text: str) -> np.ndarray:
    """Sorted, unique 64-bit hashes of the text's character 5-grams (of the
    text itself when it is shorter): 8 bytes a gram, all grams at once."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) < SHINGLE:
        points = np.concatenate([points, np.zeros(SHINGLE - len(points), dtype=np.uint64)])
    return np.unique(_window_hashes(points))


def _window_hashes(points: np.ndarray) -> np.ndarray:
    """The 64-bit hash of every window of SHINGLE code points (uint64), in order."""
    n = len(points) - SHINGLE + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(SHINGLE):
            h = h * _GRAM_MUL + points[j:j + n] + np.uint64(1)
        h ^= h >> _33
        h *= _FMIX1
        h ^= h >> _33
        h *= _FMIX2
        h ^= h >> _33
    return h


def minhash(hashes: np.ndarray) -> np.ndarray:
    """128 minima of multiply-shift hashes of the grams' 64-bit hashes."""
    with np.errstate(over="ignore"):
        h = (_A[:, None] * hashes[None, :] + _B[:, None]) >> np.uint64(32)
    return h.min(axis=1)


def band_keys(sig: np.ndarray) -> np.ndarray:
    """One 64-bit key per LSH band: a collision only proposes a candidate,
    which the true Jaccard then judges."""
    with np.errstate(over="ignore"):
        return (sig.reshape(BANDS, ROWS) * _BAND_MIX).sum(axis=1, dtype=np.uint64) + _BAND_SALT


class BandIndex:
    """LSH buckets: (key, record) pairs in sorted arrays, 12 bytes a pair
    (a dict of lists took ~80), plus a small dict of recent pairs that is
    merged in as it grows. The index is most of what deduplication keeps."""

    def __init__(self, min_recent: int = 16_384):
        self.keys = np.empty(0, dtype=np.uint64)
        self.ids = np.empty(0, dtype=np.int32)
        self.recent: dict[int, list[int]] = {}
        self.recent_pairs = 0
        self.min_recent = min_recent

    def find(self, keys: np.ndarray) -> set[int]:
        found: set[int] = set()
        if len(self.keys):
            lo = np.searchsorted(self.keys, keys, "left")
            hi = np.searchsorted(self.keys, keys, "right")
            for a, b in zip(lo.tolist(), hi.tolist()):
                if a < b:
                    found.update(self.ids[a:b].tolist())
        for k in keys.tolist():
            got = self.recent.get(k)
            if got:
                found.update(got)
        return found

    def add(self, keys: np.ndarray, record: int) -> None:
        for k in keys.tolist():
            self.recent.setdefault(k, []).append(record)
        self.recent_pairs += len(keys)
        # merging costs a sort of everything: done when the recent part is a
        # sixteenth of the whole, so the total stays O(n log n)
        if self.recent_pairs >= max(self.min_recent, len(self.keys) // 16):
            self.merge()

    def merge(self) -> None:
        keys = np.fromiter((k for k, ids in self.recent.items() for _ in ids), dtype=np.uint64, count=self.recent_pairs)
        ids = np.fromiter((i for got in self.recent.values() for i in got), dtype=np.int32, count=self.recent_pairs)
        keys, ids = np.concatenate([self.keys, keys]), np.concatenate([self.ids, ids])
        order = np.argsort(keys, kind="stable")
        self.keys, self.ids = keys[order], ids[order]
        self.recent, self.recent_pairs = {}, 0


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted, unique hash arrays."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 1.0


def keys(rec: QuestionRecord) -> DedupeKeys:
    """What deduplication compares a record by."""
    return keys_of([rec])[0]


_SEP = "\ufdd0"      # a noncharacter: between records' texts, kept by NFKC and _NOISE, never in a text


BATCH_GRAMS = 20_000     # grams hashed together: MinHash holds 128 × 8 bytes for each (20 MB)


def keys_of(records: list[QuestionRecord]) -> list[DedupeKeys]:
    """keys() of every record of a document, in batches: one text
    normalization, one pass of gram hashing and one MinHash over all the
    grams of a batch (numpy's cost is per call, not per gram; the batch
    bounds the memory). Runs in the workers, so the corpus-wide pass only
    looks keys up."""
    out, batch, size = [], [], 0
    for rec in records:
        batch.append(rec)
        size += len(rec.stem) + sum(len(o["text"]) + 1 for o in rec.options)
        if size >= BATCH_GRAMS:
            out += _keys_of_batch(batch)
            batch, size = [], 0
    return out + _keys_of_batch(batch) if batch else out


def _keys_of_batch(records: list[QuestionRecord]) -> list[DedupeKeys]:
    raw = ["\x1f".join([rec.stem] + [f"{o['label']}{o['text']}" for o in rec.options]) for rec in records]
    texts = _NOISE.sub("", unicodedata.normalize("NFKC", _SEP.join(raw))).split(_SEP)
    if len(texts) != len(records) or any(_SEP in r for r in raw):
        texts = [_text(rec) for rec in records]        # a separator inside a text: one at a time
    # every record's code points side by side, each padded to at least one gram
    points = []
    for text in texts:
        p = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        points.append(p if len(p) >= SHINGLE else np.concatenate([p, np.zeros(SHINGLE - len(p), dtype=np.uint32)]))
    lens = np.array([len(p) for p in points])
    allp = np.concatenate(points).astype(np.uint64)
    total = len(allp) - SHINGLE + 1
    h = _window_hashes(allp)
    # the grams that lie inside one record, sorted and unique per record
    owner = np.repeat(np.arange(len(texts)), lens)[:total]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    inside = np.arange(total) - starts[owner] <= (lens - SHINGLE)[owner]
    h, owner = h[inside], owner[inside]
    order = np.lexsort((h, owner))
    h, owner = h[order], owner[order]
    first = np.ones(len(h), dtype=bool)
    first[1:] = (h[1:] != h[:-1]) | (owner[1:] != owner[:-1])
    h, owner = h[first], owner[first]
    counts = np.bincount(owner, minlength=len(texts))
    bounds = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # MinHash of every record at once: 128 multiply-shift hashes of each gram, minimum per record
    with np.errstate(over="ignore"):
        mh = np.multiply(_A[:, None], h[None, :])
        mh += _B[:, None]
        mh >>= np.uint64(32)
        sigs = np.minimum.reduceat(mh, bounds, axis=1).T
        bands = (sigs.reshape(len(texts), BANDS, ROWS) * _BAND_MIX).sum(axis=2, dtype=np.uint64) + _BAND_SALT
    grams = np.split(h, bounds[1:])
    return [DedupeKeys(fingerprint(rec.type, texts[n]), grams[n].tobytes(), bands[n].tobytes())
            for n, rec in enumerate(records)]


class Deduper:
    """The deduplication sink. Streaming: records must arrive in corpus order
    (source path, then ordinal), so the first copy seen is the original.
    Keeps only what later records are compared with: one digest per distinct
    question and, for near-duplicate search, the gram hashes and LSH buckets
    of the questions that had no exact copy before them."""

    name = "dedupe"

    def add(self, result: DocResult) -> None:
        for rec in result.doc.records:        # records in ordinal order
            self.mark(rec)

    def __init__(self, stats: StageStats, threshold: float = DEFAULT_THRESHOLD):
        self.stats, self.threshold = stats, threshold
        self.root_of: dict[bytes, str] = {}          # fingerprint digest → id of the original
        self.buckets = BandIndex()
        self.grams: list[bytes] = []                  # per indexed record: its sorted gram hashes
        self.types: list[str] = []                    # per indexed record
        self.roots: list[str] = []                    # per indexed record, the id of its original

    def mark(self, rec: QuestionRecord) -> None:
        k = rec.keys or keys(rec)
        root = self.root_of.get(k.digest)
        kind = "exact_duplicate"
        if root is None and self.threshold < 1.0:
            g = np.frombuffer(k.grams, dtype=np.uint64)
            bands = np.frombuffer(k.bands, dtype=np.uint64)
            # the earliest similar record decides: candidates in corpus order, the first match
            # ends the search (a question copied a thousand times is not compared a thousand times)
            for j in sorted(self.buckets.find(bands)):
                if self.types[j] == rec.type and jaccard(g, np.frombuffer(self.grams[j], dtype=np.uint64)) >= self.threshold:
                    root, kind = self.roots[j], "near_duplicate"
                    break
            self.buckets.add(bands, len(self.roots))    # copies are indexed too, under their root
            self.grams.append(k.grams)
            self.types.append(rec.type)
            self.roots.append(root or rec.id)
        if root is None:
            self.root_of[k.digest] = rec.id
            self.stats.kept["unique"] += 1
            return
        self.root_of.setdefault(k.digest, root)
        rec.duplicate_of = root
        rec.flags = order_flags(rec.flags + ["duplicate"])
        self.stats.dropped[kind] += 1


def dedupe(records: list[QuestionRecord], stats: StageStats, threshold: float = DEFAULT_THRESHOLD) -> list[QuestionRecord]:
    """All records at once (any order): sorted into corpus order, then streamed."""
    deduper = Deduper(stats, threshold)
    for rec in sorted(records, key=lambda r: (r.source["path"], r.ordinal)):
        deduper.mark(rec)
    return records
