"""Normalize text: mojibake, pinyin glosses, traditional → simplified, width,
blanks, and lines broken by page layout.

Each step is a plain str → str function so it can be tested alone; `normalize`
runs them in the only order that works: mojibake first (it needs the original
GBK-encodable characters), then glosses (they may sit on repaired text), then
OpenCC, then width and blanks, then line joining (which needs simplified,
gloss-free text to measure lines and see markers).
"""
from __future__ import annotations

import unicodedata

import regex as re

from . import clean, layout, mojibake, vocab
from .model import Document, Removed
from .text import MARK_REPAIRED, MARK_UNCERTAIN, MARK_UNREPAIRED, MARKS, fold_width, strip_glosses, take_marks, to_simplified

# --- blanks, small OCR junk -----------------------------------------------

# (pattern, replacement, rule) applied in order. Blank answer parentheses
# become （）; OCR turns the 。 after a blank into o or 0, or eats its ")".
PUNCT_RULES = [
    (re.compile(r"[(（][ \t\u3000]*[)）](?:[o0](?![\p{Latin}\d]))?"), None, "blank"),
    (re.compile(r"(?<=\p{Han}):\)(?=。)"), "（）", "ocr_blank"),
    (re.compile(r"[ \t]+$", re.M), "", "trailing_space"),
]


def normalize_blanks(text: str) -> str:
    def blank(m):
        return "（）。" if m[0][-1] in "o0" else "（）"
    for pattern, repl, _ in PUNCT_RULES:
        text = pattern.sub(blank if repl is None else repl, text)
    return text


# --- the stage -------------------------------------------------------------

_NO_MARKS = str.maketrans("", "", MARKS)


def normalize_text(text: str, doc: Document | None = None) -> str:
    """The normalized text; with a document, also its mojibake runs and where
    the repaired, uncertain and removed ones ended up."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if any(mark in text for mark in MARKS):   # control characters that mean nothing in a document
        text = text.translate(_NO_MARKS)
    text, runs = mojibake.repair(text)
    text = strip_glosses(text)
    text = to_simplified(text)
    text = fold_width(text)
    text = normalize_blanks(text)
    text = vocab.TEMPLATE_RESIDUE_RE.sub("", text)
    responses: list[Removed] = []
    if "答案" in text or "得分" in text:
        text = vocab.QUIZ_RESPONSE_RE.sub(lambda m: responses.append(Removed("quiz_response", m[0])) or "", text)
    text, notices = clean.clean_inline(text, doc.site if doc is not None else "unknown")
    text = layout.remove_chunk_counters(text)
    text, furniture = layout.remove_furniture(text)
    text = layout.key_grids(text)
    for _ in range(3):   # joining can form a blank "(" + ")" that joins in turn: to a fixed point
        joined = normalize_blanks(layout.join_lines(text))
        if joined == text:
            break
        text = joined
    text, spans = take_marks(text)
    if doc is not None:
        doc.removed.extend(notices + responses)
        doc.removed.extend(Removed(rule, t) for rule, t in furniture)
        where = {kind: iter(spans[mark]) for kind, mark in
                 (("repaired", MARK_REPAIRED), ("uncertain", MARK_UNCERTAIN), ("unrepaired", MARK_UNREPAIRED))}
        for run in runs:                 # marks come out in the order the runs went in
            run.start, run.end = next(where[run.kind])
        doc.mojibake_runs = runs
        doc.repaired_spans = spans[MARK_REPAIRED]
        doc.uncertain_spans = spans[MARK_UNCERTAIN]
        doc.unrepaired_spans = spans[MARK_UNREPAIRED]
        doc.removed.extend(Removed("mojibake_unrepaired", r.raw) for r in runs if r.repaired is None)
    return text
