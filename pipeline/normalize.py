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

from . import mojibake
from .formats import PAGE_BREAK
from .model import Document, Removed
from .patterns import ANSWER_LINE, CHAPTER_HEADING, EXPLANATION_LINE, SECTION_HEADING, starts_unit
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


# --- lines broken by page layout -------------------------------------------

_TERMINAL = "。！？!?；;”」』"


# East Asian Wide and Fullwidth ranges (Unicode EastAsianWidth W/F), as one regex:
# counting them in C is what keeps line measuring cheap on large documents.
_WIDE = re.compile(r"[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf"
                   r"\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19"
                   r"\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\U0001f300-\U0001f64f\U00020000-\U0003fffd]")


def display_width(line: str) -> int:
    return len(line) + len(_WIDE.findall(line))


def page_width(lines: list[str]) -> int | None:
    """The printed line width, if the text came from a fixed-width page.

    Layout breaks leave several lines of nearly the same width that stop
    mid-sentence; we look for a window of 6 columns holding at least three
    such lines. None: no page layout (nothing is joined for being wide).
    """
    widths = sorted(w for w in (display_width(ln) for ln in lines if ln[-1] not in _TERMINAL + ":：") if w >= 40)
    best_n, best_w, lo = 0, None, 0
    for hi, w in enumerate(widths):  # the window [w-6, w] holding the most lines; ties → wider
        while widths[lo] < w - 6:
            lo += 1
        if hi - lo + 1 >= best_n:
            best_n, best_w = hi - lo + 1, w
    return best_w if best_n >= 3 else None


_CONTINUATION_START = re.compile(r"^(?:[,，、。;；:：)）”」』]|[(（]\s*[)）]|[的地得了着过]\p{Han}|[.．]\p{Han})")


def join_layout_lines(text: str) -> str:
    """Re-join lines broken by page layout; keep real paragraph and list breaks.

    A line is glued to the next one when it fills the page width (a layout
    break) or the next line can only be a continuation (starts with 的, a comma,
    a blank), and the next line does not open a question, option, heading or
    answer. Blank lines carry no structure in scraped dumps and are dropped.
    """
    # a page break (a line holding only a form feed) is kept as its own line
    lines = [ln.strip() or (PAGE_BREAK if PAGE_BREAK in ln else "") for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    width = page_width(lines)
    out = [lines[0]]
    last = lines[0]           # the last printed line, whose width tells a layout break
    for line in lines[1:]:
        prev = out[-1]
        if PAGE_BREAK in (line, prev):
            out.append(line)
            continue
        heading = SECTION_HEADING.match(prev) or CHAPTER_HEADING.match(prev) or _is_marker_only(prev)
        full = width is not None and width - 8 <= display_width(last) <= width + 4
        cont = _CONTINUATION_START.match(line) and prev[-1] not in _TERMINAL
        if not heading and not starts_unit(line) and (full or cont):
            # a stray "." left at the start of a continuation is OCR junk
            out[-1] = prev + re.sub(r"^[.．](?=\p{Han})", "", line)
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def _is_marker_only(line: str) -> bool:
    m = ANSWER_LINE.match(line) or EXPLANATION_LINE.match(line)
    return bool(m and not line[m.end():].strip())


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
    for _ in range(3):   # joining can form a blank "(" + ")" that joins in turn: to a fixed point
        joined = normalize_blanks(join_layout_lines(text))
        if joined == text:
            break
        text = joined
    text, spans = take_marks(text)
    if doc is not None:
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
