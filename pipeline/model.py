"""The records that flow through the pipeline. Nothing here imports a stage."""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

SCHEMA_VERSION = "1.0"
PIPELINE_VERSION = "0.1.0"

FLAG_ORDER = ["truncated", "options_missing", "answer_missing", "ocr_corrected", "mojibake_repaired",
              "mojibake_uncertain", "mojibake_unrepaired", "duplicate", "answer_unreadable", "answer_conflict",
              "reading_doubtful"]


def order_flags(flags: list[str]) -> list[str]:
    seen = set(flags)
    return [f for f in FLAG_ORDER if f in seen] + sorted(seen - set(FLAG_ORDER))


class BadInput(Exception):
    """The input itself cannot become records (not text, empty, an HTML page
    without text …): the message is the one-line reason for quarantine.jsonl.
    Any other exception in a stage is a bug in the pipeline."""


@dataclass
class Removed:
    """One span a stage took out of a document, kept for the audit log."""
    rule: str
    text: str


@dataclass
class MojibakeRun:
    """One run of GBK text decoded out of step, and what normalize made of it."""
    raw: str
    repaired: str | None              # None: unreadable, taken out of the text
    confidence: float | None = None   # of a repair, 0..1; below mojibake.CONFIDENT the repair is uncertain
    uncertain: bool = False
    start: int = 0                    # where the repair (or the cut) is in the normalized text
    end: int = 0
    cut: bool = False                 # longer than mojibake.MAX_RUN: cut there, the rest read as printed

    @property
    def kind(self) -> str:
        return "unrepaired" if self.repaired is None else "uncertain" if self.uncertain else "repaired"

    def to_dict(self) -> dict:
        out = {"raw": self.raw, "repaired": self.repaired}
        if self.repaired is not None:
            out["confidence"] = self.confidence
            out["uncertain"] = self.uncertain
        out["span"] = {"start": self.start, "end": self.end}
        if self.cut:
            out["cut"] = True
        return out


@dataclass
class Document:
    """One input file on its way from bytes to question records. Each stage
    fills the fields the next ones read; nothing is passed any other way."""
    path: str                      # relative to the input root, e.g. raw/003_x.txt
    doc_id: str                    # 16 hex of sha256(raw bytes)
    sha256: str
    raw: bytes = b""               # read: → text; dropped once read
    text: str = ""                 # current text; each stage replaces it
    encoding: str | None = None
    format: str | None = None      # the input format that read it (formats.REGISTRY)
    pages: int | None = None       # for paged formats: PAGE_BREAK lines + 1
    site: str = "unknown"
    title: str | None = None
    url: str | None = None
    removed: list[Removed] = field(default_factory=list)
    # a paper read with its answer file (formats/pairs.py): the answer file's
    # Reading until read appends it, the paper's page breaks, the pair's outcome
    answers: object = None
    paper_breaks: int | None = None
    pair: dict | None = None
    # normalize: the mojibake runs, and where the repaired, uncertain and
    # removed ones are in the normalized text, by kind (removed: empty spans)
    mojibake_runs: list[MojibakeRun] = field(default_factory=list)
    repaired_spans: list[tuple[int, int]] = field(default_factory=list)
    uncertain_spans: list[tuple[int, int]] = field(default_factory=list)
    unrepaired_spans: list[tuple[int, int]] = field(default_factory=list)
    # segment: the blocks (segment.Block) and where every character went; link: records
    blocks: list = field(default_factory=list)
    characters: dict = field(default_factory=dict)
    records: list["QuestionRecord"] = field(default_factory=list)
    orphan_answers: list[dict] = field(default_factory=list)   # key entries without their question
    checks: dict | None = None     # link: what the reading could check about itself (link.self_checks)
    rejected: list[dict] = field(default_factory=list)         # validate: records that broke the schema
    error: str | None = None       # one line: why no records came (bad input, or an internal error)
    internal_error: str | None = None   # the traceback, when a bug in the pipeline stopped this document

    @property
    def status(self) -> str:
        return "internal_error" if self.internal_error else "quarantined" if self.error else "ok"

    def mojibake_flags(self, spans: list[tuple[int, int]]) -> list[str]:
        """The mojibake flags of a record whose text came from these spans of
        the normalized text: a repaired, uncertain or removed run meets one."""
        return [flag for flag, runs in (("mojibake_repaired", self.repaired_spans),
                                        ("mojibake_uncertain", self.uncertain_spans),
                                        ("mojibake_unrepaired", self.unrepaired_spans))
                if runs and any(_meets(runs, start, end) for start, end in spans)]

    def release(self) -> None:
        """Drop what only the per-document stages needed: the result crosses
        process boundaries and sits in the cache."""
        self.raw = b""
        self.blocks = []


@dataclass
class DedupeKeys:
    """What deduplication compares a record by, computed with the record (dedupe.keys)."""
    digest: bytes      # exact fingerprint of the type and the normalized text
    grams: bytes       # sorted 64-bit hashes of its character 5-grams
    bands: bytes       # one 64-bit LSH key per band of its MinHash signature


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
    keys: DedupeKeys | None = field(default=None, repr=False)    # not written out

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

    def merge(self, other: "StageStats", with_time: bool = True) -> None:
        self.kept.update(other.kept)
        self.dropped.update(other.dropped)
        if with_time:
            self.seconds += other.seconds

    def to_dict(self) -> dict:
        return {"kept": dict(sorted(self.kept.items())), "dropped": dict(sorted(self.dropped.items()))}


def _meets(runs: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether a span of runs (in text order, apart) meets [start, end], ends
    included: the first run ending at or after start begins before end."""
    i = bisect.bisect_left(runs, start, key=lambda run: run[1])
    return i < len(runs) and runs[i][0] <= end


@dataclass
class DocResult:
    """What the per-document stages made of one input, as the corpus-side sinks receive it."""
    doc: Document
    stats: dict[str, StageStats] = field(default_factory=dict)
    url: str | None = None         # where the input was read from (the report reads it again)
    size: int = 0                  # bytes read
    from_cache: bool = False
