"""The per-document stages, in the order they run.

Each stage is a small object with a name and one call over the Document and
its StageStats: it reads the fields earlier stages filled, fills its own,
and counts what it kept and dropped, by reason. Timing, errors and the order
belong to the runner (run.process_document). A stage raises model.BadInput
when the input itself cannot become records; any other exception is a bug.
"""
from __future__ import annotations

from typing import Protocol

from . import clean, dedupe, formats, link, normalize, read, schema, segment
from .formats import pairs
from .model import Document, StageStats


class Stage(Protocol):
    name: str

    def __call__(self, doc: Document, stats: StageStats) -> None: ...


class Read:
    """Bytes → text through the format registry: format, encoding, site, title
    and URL; a paper read with its answer file gets the answers appended."""
    name = "read"

    def __call__(self, doc: Document, stats: StageStats) -> None:
        read.read(doc)
        doc.raw = b""                  # the text is all later stages need
        if doc.answers is not None:
            pairs.append_answers(doc, doc.answers)
            doc.answers = None
        stats.kept[doc.encoding or doc.format] += 1


class Clean:
    """Site boilerplate out, each removed line logged."""
    name = "clean"

    def __call__(self, doc: Document, stats: StageStats) -> None:
        doc.text, removed = clean.clean_text(doc.text, doc.site)
        doc.removed.extend(removed)
        stats.dropped.update(r.rule for r in removed)


class Normalize:
    """Mojibake, glosses, simplified characters, width, blanks, layout line breaks."""
    name = "normalize"

    def __call__(self, doc: Document, stats: StageStats) -> None:
        doc.text = normalize.normalize_text(doc.text, doc)
        for run in doc.mojibake_runs:
            if run.cut:                       # the decoder's bound was hit: said in the manifest
                stats.dropped["mojibake_run_cut"] += 1
            if run.kind == "unrepaired":
                stats.dropped["mojibake_run"] += 1
            else:
                stats.kept["mojibake_run" if run.kind == "repaired" else "mojibake_run_uncertain"] += 1


class Segment:
    """Text → blocks: chapters, sections, questions, answer keys."""
    name = "segment"

    def __call__(self, doc: Document, stats: StageStats) -> None:
        doc.blocks = segment.segment(doc.text)
        stats.kept.update(b.kind for b in doc.blocks)
        doc.characters = segment.account(doc.text, doc.blocks)


class Link:
    """Blocks → question records, answers from keys, orphan key entries."""
    name = "link"

    def __call__(self, doc: Document, stats: StageStats) -> None:
        doc.records = formats.after_link(doc, link.build_records(doc, doc.blocks, stats))
        if not doc.records:
            stats.dropped["document_without_questions"] += 1


class Validate:
    """Records that break the contract go to quarantine with the rule they broke."""
    name = "validate"

    def __call__(self, doc: Document, stats: StageStats) -> None:
        valid = []
        for rec in doc.records:
            row = rec.to_dict()
            problems = schema.check_record(row)
            if problems:
                doc.rejected.append({"doc_id": doc.doc_id, "path": doc.path, "record": row,
                                     "reason": "; ".join(f"{f}: {r}" for f, r in problems)})
                stats.dropped[problems[0][1].split(":")[0]] += 1
            else:
                valid.append(rec)
                stats.kept["valid"] += 1
        doc.records = valid


class Fingerprint:
    """What deduplication will compare each record by: its fingerprint, 5-gram
    hashes and LSH keys (the corpus-wide comparison is the dedupe sink's)."""
    name = "fingerprint"

    def __call__(self, doc: Document, stats: StageStats) -> None:
        for rec, keys in zip(doc.records, dedupe.keys_of(doc.records)):
            rec.keys = keys
        stats.kept["records"] += len(doc.records)


STAGES: tuple[Stage, ...] = (Read(), Clean(), Normalize(), Segment(), Link(), Validate(), Fingerprint())
TEXT_STAGES = STAGES[:3]      # an answer file read with its paper: its text only
