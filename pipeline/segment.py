"""Normalized text → blocks: chapters, sections, questions, answer keys.

A small state machine over *pieces* (lines, further cut at inline answer
markers and inline section headings). The one hard call is whether a number
starts a question; we trust the numbering: a question number is the next one
expected in its section, so `20世纪50年代`, `0.5`, `73855法则` or an answer's
own `1. 2. 3.` list never start a question, and questions run together on one
line are still cut apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import regex as re

from .patterns import (ANSWER_LINE, ANSWER_MARKERS, CHAPTER_HEADING, CN_NUM, EXPLANATION_LINE,
                       EXPLANATION_MARKERS, INLINE_SECTION, QUESTION_NUMBER, SECTION_HEADING, SECTION_TYPES)


@dataclass
class Piece:
    text: str
    start: int
    end: int
    line_start: bool          # the piece begins a printed line


@dataclass
class Block:
    kind: str                 # chapter | section | question | key | text
    start: int
    end: int
    pieces: list[Piece] = field(default_factory=list)
    title: str | None = None  # chapter / section title
    number: str | None = None
    chapter: str | None = None
    section: str | None = None
    gap: bool = False         # question found after a page gap (its heading was lost)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pieces)


_INLINE_MARKER = re.compile(rf"(?:{'|'.join(ANSWER_MARKERS + EXPLANATION_MARKERS)})")
_KEY_HEADING = re.compile(r"^\s*(?:参考)?答案\s*[:：]?\s*$|^\s*(?:参考答案|答案)(?:及解析|与解析)?\s*[:：]?\s*$")
_KEY_NUMBER = r"(?:[l\d]{1,3}\s*[.、．]|[(（]\d{1,3}[)）])"
_KEY_MARK = r"[A-FO0-9VJX√×✓✗对错义]"
# two entries in a row ("1.02.C", "(1)B (2)A") or a range ("1-10 ABCD…")
_KEY_ENTRIES = re.compile(rf"^\s*(?:{_KEY_NUMBER}\s*{_KEY_MARK}{{0,6}}\s*{_KEY_NUMBER}"
                          rf"|\d{{1,3}}\s*[-—~～－]\s*\d{{1,3}}\s*[:：.、]?\s*[A-F√×VXJ对错])")
_INLINE_KEY = re.compile(r"^\s*(?:参考答案|答案)\s*[:：]\s*")
_SUBQUESTIONS = re.compile(r"^\s*(?:问题|思考题|请回答|要求)\s*[:：]")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def chinese_number(s: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(s) if len(s) == 1 else None


def section_type(title: str | None) -> str | None:
    if not title:
        return None
    for word, kind in SECTION_TYPES:
        if word in title:
            return kind
    return None


def split_pieces(text: str) -> list[Piece]:
    """Lines, cut before inline answer/explanation markers and inline section headings."""
    pieces = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        cuts = {0}
        for m in _INLINE_MARKER.finditer(line):
            if m.start() > 0:
                cuts.add(m.start())
        for m in INLINE_SECTION.finditer(line):
            if section_type(m["title"]) and m.end() < len(line):
                cuts.add(m.start())
                cuts.add(m.end())
        bounds = sorted(cuts) + [len(line)]
        for a, b in zip(bounds, bounds[1:]):
            seg = line[a:b]
            lead = len(seg) - len(seg.lstrip())
            seg = seg.strip()
            if seg:
                pieces.append(Piece(seg, start + a + lead, start + a + lead + len(seg), a == 0))
    return pieces


def question_number(piece: Piece) -> tuple[str, int | None, str, int] | None:
    """(printed number, numeric value, delimiter, match end) when the piece opens with one."""
    m = QUESTION_NUMBER.match(piece.text)
    if not m:
        return None
    if m["bracket"]:
        label = re.sub(r"\s+", "", m["bracket"])
        digits = re.search(r"\d+|[" + CN_NUM + "]+", label)
        return label, chinese_number(digits[0]) if digits else None, "【", m.end()
    if m["nth"]:
        label = m["nth"]
        return label, chinese_number(label[1:-1]), "第", m.end()
    if m["paren"]:
        return m["paren"], int(m["paren"]), "(", m.end()
    delim = piece.text[m.end("num"):m.end()].strip() or " "
    rest = piece.text[m.end():m.end() + 1]
    # "1什么是" (OCR lost the dot) or "8.3F法则" vs the decimal "1.6万": weak,
    # accepted only where exactly this number is expected at a line start
    weak = delim == " " or rest.isdigit()
    return m["num"], int(m["num"]), "?" if weak else delim, m.end()


def _heading(piece: Piece):
    if not piece.line_start and not INLINE_SECTION.fullmatch(piece.text):
        return None
    m = SECTION_HEADING.match(piece.text)
    if m and section_type(m["title"]) and not QUESTION_NUMBER.match(piece.text):
        return re.sub(r"\s+", "", m["title"]).rstrip(":：")
    m = INLINE_SECTION.fullmatch(piece.text)
    if m and section_type(m["title"]):
        return m["title"]
    return None


def segment(text: str) -> list[Block]:
    pieces = split_pieces(text)
    blocks: list[Block] = []
    chapter = section = None
    mode = "q"
    expected = 1
    current: Block | None = None
    # inside a question: the numbered list of its answer or sub-questions
    list_next, list_delim, list_kind = 1, None, None   # list_kind: answer | subq | plain
    after_gap = False         # since a page gap, until the next heading

    def close():
        nonlocal current
        if current is not None:
            current.end = current.pieces[-1].end
            blocks.append(current)
        current = None

    def open_question(piece, label, value, gap=False):
        nonlocal current, expected, list_next, list_delim, list_kind, after_gap
        close()
        after_gap = after_gap or gap
        current = Block("question", piece.start, piece.end, [piece], number=label,
                        chapter=chapter, section=section, gap=after_gap)
        if value is not None:
            expected = value + 1
        list_next, list_delim, list_kind = 1, None, None   # list_kind: answer | subq | plain

    queue = list(pieces)
    i = 0
    while i < len(queue):
        piece = queue[i]
        i += 1
        ch = CHAPTER_HEADING.match(piece.text) if piece.line_start else None
        if ch and not QUESTION_NUMBER.match(piece.text):
            close()
            chapter = f"{ch['label']} {ch['title'].strip()}".strip()
            section, mode, expected, after_gap = None, "q", 1, False
            blocks.append(Block("chapter", piece.start, piece.end, [piece], title=chapter, chapter=chapter))
            continue
        nxt = queue[i] if i < len(queue) else None
        if piece.line_start and _KEY_HEADING.match(piece.text) and nxt is not None and (
                _heading(nxt) or _KEY_ENTRIES.match(nxt.text)):
            close()
            mode = "key"      # section stays: a key without headings answers the last section
            blocks.append(Block("key_start", piece.start, piece.end, [piece], chapter=chapter))
            continue
        inline_key = _INLINE_KEY.match(piece.text) if mode == "q" else None
        if inline_key and _KEY_ENTRIES.match(piece.text[inline_key.end():]):
            # "答案:1.B 2.A 3.C" — a whole key on the marker's line
            close()
            mode = "key"
            cut = inline_key.end()
            marker = Piece(piece.text[:cut], piece.start, piece.start + cut, piece.line_start)
            blocks.append(Block("key_start", marker.start, marker.end, [marker], chapter=chapter))
            queue.insert(i, Piece(piece.text[cut:], piece.start + cut, piece.end, False))
            continue
        title = _heading(piece)
        if title:
            close()
            section, expected, after_gap = title, 1, False
            blocks.append(Block("section", piece.start, piece.end, [piece], title=title,
                                chapter=chapter, section=title))
            continue
        if mode == "key":
            blocks.append(Block("key", piece.start, piece.end, [piece], chapter=chapter, section=section))
            continue

        num = question_number(piece)
        if num:
            label, value, delim, _ = num
            if delim == "?" and not (value == expected and piece.line_start):
                pass
            elif delim in "【第" or value == expected or (
                    current is None and section is not None and piece.line_start and value is not None):
                # (the first question under a heading may be any number: previews start mid-section)
                ambiguous = list_kind and value == list_next and delim == list_delim
                if ambiguous and list_kind != "subq" and nxt is not None and ANSWER_LINE.match(nxt.text):
                    ambiguous = False   # a list item is not followed by its own answer
                if not ambiguous:
                    open_question(piece, label, value)
                    continue
            elif (current is not None and value is not None and value < expected and piece.line_start
                  and section_type(section) in ("single_choice", "multiple_choice", "choice", "true_false")
                  and "（）" in piece.text):
                # numbering restarts without a heading: a page gap ate the heading
                open_question(piece, label, value, gap=True)
                continue
            if value == list_next:
                # an answer's own "1. 2. 3." list, printed without a marker
                list_next, list_delim, list_kind = list_next + 1, delim, list_kind or "plain"
        # questions run together: "…首要步骤。2.客户服务…"
        split = _inline_question(piece.text, expected) if current is not None else None
        if split:
            head, tail = piece.text[:split], piece.text[split:]
            if head.strip():
                current.pieces.append(Piece(head.rstrip(), piece.start, piece.start + len(head.rstrip()), piece.line_start))
            queue.insert(i, Piece(tail, piece.start + split, piece.end, True))
            continue
        if ANSWER_LINE.match(piece.text) or EXPLANATION_LINE.match(piece.text):
            list_kind, list_next, list_delim = "answer", 1, None
        elif _SUBQUESTIONS.match(piece.text):
            list_kind, list_next, list_delim = "subq", 1, None
        if current is None:
            blocks.append(Block("text", piece.start, piece.end, [piece], chapter=chapter, section=section))
        else:
            current.pieces.append(piece)
    close()
    return blocks


def _inline_question(text: str, expected: int) -> int | None:
    m = re.search(rf"(?<=[。？?！!）)”」\]】_])\s*{expected}\s*[.、．](?![\d.])(?=\S)", text)
    if m and m.start() > 0:
        return m.start() + (len(m[0]) - len(m[0].lstrip()))
    return None


_ACCOUNT_KIND = {"question": "question", "text": "unassigned", "key": "answer_key", "key_start": "answer_key"}


def account(text: str, blocks: list[Block]) -> dict[str, int]:
    """Where every character of the text went: into a question, a heading, an
    answer key, unassigned text, or layout whitespace. Adds up to len(text)."""
    counts = {"question": 0, "heading": 0, "answer_key": 0, "unassigned": 0, "whitespace": 0}
    covered = 0
    for b in blocks:
        n = sum(p.end - p.start for p in b.pieces)
        covered += n
        kind = _ACCOUNT_KIND.get(b.kind, "heading")
        counts[kind] += n
    counts["whitespace"] = len(text) - covered
    return counts
