"""Page layout: what the page printed around the text, and where it broke lines.

- Page furniture: page numbers (`- 3 -`, `第 3 页 共 5 页`), running headers
  (the title repeated at every page break), glued to text or on their own
  lines. Removed, logged, and the sentence the page break cut is joined.
- Chunk counters: dumps that number every chunk of text (`1、…` `2、…` at
  each line start, cutting words in two) lose the counters.
- Line breaks: a line is joined to the next only where the page layout broke
  a sentence: the line fills the page width, or the next line can only be a
  continuation. A blank line is a paragraph break and is never joined across
  (where a document puts blank lines between all its lines, they carry
  nothing and are dropped).

Every function works on the normalized text (simplified, width folded).
"""
from __future__ import annotations

import re

from . import keys, vocab
from .formats import tables
from .text import MARKS
from .vocab import HAN

PAGE_BREAK = "\f"          # a line holding only a form feed: where a page ended (formats/__init__.py)

# --- what starts a unit of structure ----------------------------------------------

_UNIT_START = re.compile(
    rf"^\s*(?:"
    rf"\d{{1,3}}\s*[.．、,，)）](?!\d)"                           # 1.  2、  3)
    rf"|[(（]\d{{1,3}}[)）]|[{vocab.CIRCLED}]"                     # (1) ①
    rf"|第\s*[\d{vocab.CN_DIGITS}]{{1,4}}\s*题|[【\[]\s*例题?"       # 第1题 【例题】
    rf"|[A-Ha-h]\s*[.．、:：)）]|[(（][A-Ha-h][)）]"                  # options
    rf"|[{vocab.CN_DIGITS}]{{1,3}}\s*[、.．]"                       # 一、
    rf"|{vocab.CHAPTER_LABEL}"
    rf"|{vocab.ANY_MARKER.pattern}|{vocab.KEY_HEADING_WORDS}"
    rf"|[{vocab.ROMAN}]\s*[.．、]"
    rf"|(?:{vocab.SECTION_ALT})题?\s*(?:[(（][^)）\n]{{0,40}}[)）])?\s*[:：]?\s*$"   # a section heading alone
    rf")")


_LETTERS = re.compile(r"[^\W\d_]")
_TAGGED_NUMBER = re.compile(rf"^\s*\d{{1,3}}[ \t.．、)）]*{vocab.TYPE_TAG}")
_NUMBER_HEADING = "|".join(tables.NUMBER_HEADINGS)
_NUMBER_ROW = re.compile(rf"^[ \t]*(?:{_NUMBER_HEADING})[ \t]*[:：]?[ \t|｜]*(?:\d{{1,3}}[ \t\u3000|｜]+)*\d{{1,3}}[ \t|｜]*$")
_ANSWER_HEADING = re.compile(rf"^(?:{'|'.join(tables.ANSWER_HEADINGS)})[:：]?$")
_GRID_HINT = re.compile(rf"(?:{_NUMBER_HEADING})[ \t]*[:：]?[ \t|｜]*\d")
_CLAUSE = re.compile(r"[，,；;。]")
_HAS_MARK = re.compile(f"[{MARKS}]")
HEADER_MAX = 60          # characters: a running header is a title, a footer a line of small print
_GLUED_NUMBER = re.compile(rf"(\d{{1,3}})(?=[{HAN}“‘《（(【])")


def key_grids(text: str) -> str:
    """An answer-key table printed as text, a row of question numbers over a row of answers
    ("题号 1 2 3" / "答案 B A C", cells apart by spaces, tabs or bars), as the key lines a table
    in a Word file becomes (formats/tables.py): "答案：1.B 2.A 3.C"."""
    if not _GRID_HINT.search(text):
        return text
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        # number rows each over their answer row, read as one table ("题号 11" / "答案 C" ends one)
        start, numbers, answers = i, [], []
        while i + 1 < len(lines) and _NUMBER_ROW.match(lines[i]):
            row, answer_row = _cells(lines[i])[1:], _cells(lines[i + 1])
            if answer_row and _ANSWER_HEADING.match(answer_row[0]):
                answer_row = answer_row[1:]
            if len(row) != len(answer_row):
                break
            numbers += row
            answers += answer_row
            i += 2
        keys = tables.key_lines([[tables.NUMBER_HEADINGS[0], *numbers], [tables.ANSWER_HEADINGS[0], *answers]]) \
            if numbers else None
        if keys:
            out += keys
        else:
            out += lines[start:i]
        if i < len(lines):
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def _cells(line: str) -> list[str]:
    return [c for c in re.split(r"[ \t\u3000|｜]+", line.strip()) if c]


def starts_unit(line: str) -> bool:
    """A line that opens a question, an option, a heading or an answer: never glued to the line above."""
    return bool(_UNIT_START.match(line))


# --- page furniture ------------------------------------------------------------------

_PAGE_NUMBER_LINE = re.compile(rf"^\s*(?:{vocab.PAGE_NUMBER})\s*$")
_PAGE_NUMBER_GLUED = re.compile(rf"\s*(?:{vocab.PAGE_NUMBER_GLUED})\s*")
_TERMINAL_END = re.compile(rf"[{vocab.TERMINAL}”」』）)】\]:：]\s*$")
_CUT = "\x07"                     # where glued furniture was taken out (a character no strip() eats)
_OPTION_START = re.compile(rf"^\s*(?:{vocab.OPTION_LABEL})", re.I)     # "a、双人复核" too
_IMAGE_LINE = re.compile(r"^\s*!\[[^\]\n]*\]\([^)\n]*\)\s*$")


def remove_furniture(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Page numbers and running headers out; a sentence cut by the page break joined.

    Returns the text and the removed pieces as (rule, text)."""
    removed: list[tuple[str, str]] = []

    def glued(m):
        removed.append(("page_number", m[0].strip()))
        return "\n" + _CUT + "\n"
    text = _PAGE_NUMBER_GLUED.sub(glued, text)
    lines = text.split("\n")
    drop = [False] * len(lines)
    for i, ln in enumerate(lines):
        if ln == _CUT:
            drop[i] = True
        elif _PAGE_NUMBER_LINE.match(ln):
            drop[i] = True
            removed.append(("page_number", ln.strip()))
        elif _IMAGE_LINE.match(ln):
            drop[i] = True                      # an image a page showed between questions
            removed.append(("image", ln.strip()))
    # running headers: a line printed again next to page numbers, or at least three times
    first_unit = next((i for i, ln in enumerate(lines) if starts_unit(ln.strip())), len(lines))   # the title is above it
    counts: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        key = ln.strip()
        # (a header has words: "______" or "____和______。" on a line of its own is the end of a
        # wrapped blank, however often it comes)
        # (nor is a line a header that is longer than a title, or holds a repaired run: the same
        # question printed again in a bank is content)
        if 6 <= len(key) <= HEADER_MAX and not starts_unit(key) and len(_LETTERS.findall(key)) >= 4 \
                and not _HAS_MARK.search(key):
            counts.setdefault(key, []).append(i)
    for key, where in counts.items():
        if len(where) < 2:
            continue
        # copies at page breaks (the first may be the title, above the first question): a header; content
        # repeats too (a wrapped case text, the same wording in two questions), but not there
        # (most copies: a break can be marked by a notice clean already took out)
        near = [i for i in where[1:] if _near(drop, lines, i)]
        at_breaks = 2 * len(near) >= len(where) - 1 and (_near(drop, lines, where[0]) or where[0] < first_unit)
        # three times without page numbers: a header only if it reads like a title, not a sentence (no
        # clause inside either: a wrapped line of prose), and it was printed first above the questions
        # (a bank that prints the same question again prints content, however often)
        title_like = not _TERMINAL_END.search(key) and not _CLAUSE.search(key) and not keys.looks_objective(key)
        repeats = where[1:] if (len(where) >= 3 and title_like and where[0] < first_unit) or at_breaks else []
        for i in repeats:
            if not drop[i]:
                drop[i] = True
                removed.append(("running_header", key))
    if not any(drop):
        return text if not removed else _rejoin(lines, drop), removed
    return _rejoin(lines, drop), removed


def _near(drop: list[bool], lines: list[str], i: int, reach: int = 3) -> bool:
    """A page-number line within a few non-blank lines of line i."""
    for step in (-1, 1):
        j, seen = i + step, 0
        while 0 <= j < len(lines) and seen < reach:
            if lines[j].strip():
                if drop[j]:
                    return True
                seen += 1
            j += step
    return False


def _rejoin(lines: list[str], drop: list[bool]) -> str:
    """Drop the furniture lines; where a page break cut a sentence, join its halves."""
    out: list[str] = []
    cut = False                     # furniture was removed since the last kept line
    for ln, d in zip(lines, drop):
        if d:
            cut = True
            continue
        if cut and out and ln.strip():
            k = len(out) - 1
            while k >= 0 and not out[k].strip():
                k -= 1
            # (a key line and a number with a type tag are whole: "1.ABCD 2.ABCD" / "4【判断题】…")
            if k >= 0 and len(out[k].strip()) >= 15 and not _TERMINAL_END.search(out[k]) and not starts_unit(ln) \
                    and not _OPTION_START.match(out[k]) and re.match(rf"[{HAN}\w“‘《（(,，、]", ln.strip()) \
                    and not _TAGGED_NUMBER.match(ln) and not keys.looks_objective(out[k]):
                out[k] = out[k].rstrip() + ln.strip()
                del out[k + 1:]
                cut = False
                continue
        if ln.strip():
            cut = False
        out.append(ln)
    return "\n".join(out)


# --- chunk counters ----------------------------------------------------------------

_CHUNK = re.compile(r"^(\d{1,3})、")


def remove_chunk_counters(text: str) -> str:
    """"1、…\\n2、…\\n3、…": a dump that numbers every chunk of a long text, the
    counters running 1, 2, 3 over every line and the breaks falling mid-word."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 2:
        return text
    numbers = [_CHUNK.match(ln) for ln in lines]
    if not all(numbers) or [int(m[1]) for m in numbers] != list(range(1, len(lines) + 1)):
        return text
    if sum(len(ln) for ln in lines) / len(lines) < 200:
        return text
    return "".join(ln[m.end():] for ln, m in zip(lines, numbers))


# --- lines broken by the page ------------------------------------------------------

_TERMINAL = vocab.TERMINAL + "”」』"

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
    widths = sorted(w for w in (display_width(ln) for ln in lines if ln and ln[-1] not in _TERMINAL + ":：")
                    if w >= 40)
    best_n, best_w, lo = 0, None, 0
    for hi, w in enumerate(widths):  # the window [w-6, w] holding the most lines; ties → wider
        while widths[lo] < w - 6:
            lo += 1
        if hi - lo + 1 >= best_n:
            best_n, best_w = hi - lo + 1, w
    return best_w if best_n >= 3 else None


_CONTINUATION_START = re.compile(rf"^(?:[,，、。;；:：)）”」』]|[(（]\s*[)）]|[的地得了着过][{HAN}]|[.．][{HAN}])")
_HEADING_LINE = re.compile(
    rf"^\s*(?:[{vocab.CN_DIGITS}]{{1,3}}\s*[、.．]|{vocab.CHAPTER_LABEL})[^。？?！!]{{0,30}}$")


def join_lines(text: str) -> str:
    """Re-join lines broken by page layout; keep paragraphs, lists and points apart.

    A line is glued to the next one when it fills the page width (a layout
    break) or the next line can only be a continuation (starts with 的, a
    comma, a blank), the line is no heading or bare marker, and the next line
    does not open a question, option, heading or answer. Blank lines are
    paragraph breaks; where every line is followed by one they mean nothing.
    """
    # a page break (a line holding only a form feed) stays a line of its own, never joined across
    raw = [PAGE_BREAK if PAGE_BREAK in ln and not ln.strip() else ln.strip() for ln in text.split("\n")]
    content = [ln for ln in raw if ln and ln != PAGE_BREAK]
    if not content:
        return ""
    blank_after = sum(1 for a, b in zip(raw, raw[1:]) if a and not b)
    paragraphs = blank_after < 0.4 * len(content)      # blank lines rare enough to mean something
    width = page_width(content)
    out: list[str] = []
    last = ""              # the last printed line, whose width tells a layout break
    pending_break = False
    glued_next = None      # numbers glued to their stems ("2会计信息…"): the one expected next
    for line in raw:
        if not line:
            pending_break = bool(out)
            continue
        if line == PAGE_BREAK or (out and out[-1] == PAGE_BREAK):
            out.append(line)
            pending_break = False
            continue
        prev = out[-1] if out else ""
        glued = _GLUED_NUMBER.match(line)
        # a number glued to its stem opens a question only in sequence: "3个月…" may go on a sentence
        in_sequence = glued is not None and (glued_next is None or int(glued[1]) in (1, glued_next))
        joinable = prev and not (paragraphs and pending_break) and not (in_sequence and glued_next)
        if joinable and not _HEADING_LINE.match(prev) and not vocab.MARKER_LINE.match(prev) and not starts_unit(line):
            full = width is not None and width - 8 <= display_width(last) <= width + 4
            cont = ((_CONTINUATION_START.match(line) or prev[-1] in ",，、") and prev[-1] not in _TERMINAL
                    or prev[-1] == "_" == line[0])            # a blank broken over two lines
            if full or cont:
                # a stray "." left at the start of a continuation is OCR junk (after a digit: "12" / ".电子")
                out[-1] = prev + (line if prev[-1].isdigit() else re.sub(rf"^[.．](?=[{HAN}])", "", line))
                last = line
                pending_break = False
                continue
        if in_sequence:
            glued_next = int(glued[1]) + 1
        if paragraphs and pending_break and out:
            out.append("")
        out.append(line)
        last = line
        pending_break = False
    return "\n".join(out)
