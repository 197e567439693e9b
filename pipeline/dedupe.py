"""Mark repeated questions, never delete them.

Exact duplicates share a fingerprint of the normalized stem and options
(width, punctuation and spacing ignored). The first copy, by source path and
then ordinal, is the original; later copies get flag `duplicate` and
`duplicate_of` = the first copy's id. Runs over the whole corpus, so the
choice does not depend on how documents were split across workers.
"""
from __future__ import annotations

import hashlib
import unicodedata

import regex as re

from .model import QuestionRecord, StageStats, order_flags

_NOISE = re.compile(r"[\s\p{P}\p{S}]+")


def fingerprint(rec: QuestionRecord) -> str:
    parts = [rec.type, rec.stem] + [f"{o['label']}{o['text']}" for o in rec.options]
    text = unicodedata.normalize("NFKC", "\x1f".join(parts))
    return hashlib.sha256(_NOISE.sub("", text).encode()).hexdigest()


def dedupe(records: list[QuestionRecord], stats: StageStats) -> list[QuestionRecord]:
    first: dict[str, str] = {}
    for rec in sorted(records, key=lambda r: (r.source["path"], r.ordinal)):
        fp = fingerprint(rec)
        if fp in first:
            rec.duplicate_of = first[fp]
            if "duplicate" not in rec.flags:
                rec.flags = order_flags(rec.flags + ["duplicate"])
            stats.dropped["exact_duplicate"] += 1
        else:
            first[fp] = rec.id
            stats.kept["unique"] += 1
    return records
