"""The records that flow through the pipeline. Nothing here imports a stage."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

SCHEMA_VERSION = "1.0"
PIPELINE_VERSION = "0.1.0"

FLAG_ORDER = ["truncated", "options_missing", "answer_missing", "ocr_corrected", "mojibake_repaired",
              "mojibake_unrepaired", "duplicate", "answer_unreadable", "answer_conflict", "reading_doubtful"]


def order_flags(flags: list[str]) -> list[str]:
    seen = set(flags)
    return [f for f in FLAG_ORDER if f in seen] + sorted(seen - set(FLAG_ORDER))


@dataclass
class Removed:
    """One span a stage took out of a document, kept for the audit log."""
    rule: str
    text: str


@dataclass
class Document:
    """One input file on its way from bytes to question records."""
    path: str                      # relative to the input root, e.g. raw/003_x.txt
    doc_id: str                    # 16 hex of sha256(raw bytes)
    sha256: str
    raw: bytes = b""
    text: str = ""                 # current text; each stage replaces it
    encoding: str | None = None
    format: str | None = None      # the input format that read it (formats.REGISTRY)
    pages: int | None = None       # for paged formats: PAGE_BREAK lines + 1
    site: str = "unknown"
    title: str | None = None
    url: str | None = None
    removed: list[Removed] = field(default_factory=list)
    # doc-level facts later stages need: mojibake repairs, OCR fixes, orphan answers …
    notes: dict = field(default_factory=dict)
    error: str | None = None       # set when the document is quarantined


@dataclass
class QuestionRecord:
    """A question as SPEC.md describes it, before serialisation."""
    doc_id: str
    source: dict
    ordinal: int
    chapter: str | None
    section: str | None
    number: str | None
    type: str
    stem: str
    options: list[dict] = field(default_factory=list)
    answer: dict = field(default_factory=lambda: {"labels": [], "judgement": None, "text": None})
    explanation: str | None = None
    answer_source: str = "none"
    flags: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    span: dict = field(default_factory=lambda: {"start": 0, "end": 0})
    id: str = ""
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "id": self.id,
            "doc_id": self.doc_id,
            "source": self.source,
            "ordinal": self.ordinal,
            "chapter": self.chapter,
            "section": self.section,
            "number": self.number,
            "type": self.type,
            "stem": self.stem,
            "options": self.options,
            "answer": self.answer,
            "explanation": self.explanation,
            "answer_source": self.answer_source,
            "flags": self.flags,
            "duplicate_of": self.duplicate_of,
            "span": self.span,
        }


@dataclass
class StageStats:
    """What one stage kept and dropped, and why (counted per reason)."""
    name: str
    kept: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def merge(self, other: "StageStats") -> None:
        self.kept.update(other.kept)
        self.dropped.update(other.dropped)
        self.seconds += other.seconds

    def to_dict(self) -> dict:
        return {"kept": dict(sorted(self.kept.items())), "dropped": dict(sorted(self.dropped.items()))}
