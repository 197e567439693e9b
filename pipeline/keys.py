"""Answer keys: entries by question number, and reading an answer token.

Objective keys come in every shape: `1.A 2.B`, run together `1.C2.D…10.C`,
`2.ACD3.ABCE`, ranges `1-10 ABCDA…` (several a line, mixed with single
entries), true/false marks `1.√ 2.×`, `1-8 TFFT…`, stray spaces inside a
letter set `1、AB D`, OCR damage (`1l.A`, `13.O`, `8.0`, `ABODE`, `9710.J`).
Entries are found by walking the numbers in order: entry k runs from its
number to the number k+1 (or k+2, k+3 when one is missing), so glued tokens
still split. Open keys hold paragraphs: entry k runs from a line that starts
with k to the line that starts with k+1.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import vocab

_KEY_MARK = vocab.alternation(vocab.KEY_JUDGEMENTS_ANY)


@dataclass
class KeyEntry:
    number: int
    raw: str                       # as printed after the number
    start: int = 0                 # where it stands in the document
    end: int = 0
    ocr: bool = False              # the number itself needed a re-read (l for 1)
    spans: list[tuple[int, int]] = field(default_factory=list)


# --- reading answer tokens -----------------------------------------------------

def parse_letters(token: str) -> tuple[list[str], bool]:
    """'ABODE' → ABCDE (O read between B and D), '0' → D, 'A, C' → AC. Returns (labels, ocr)."""
    token = re.sub(r"[\s,，、和与及]", "", token)
    ocr = False
    letters: list[str] = []
    for ch in token:
        if "A" <= ch <= "H":
            letters.append(ch)
        elif "a" <= ch <= "h":
            letters.append(ch.upper())
        elif ch in vocab.LETTER_OCR:
            ocr = True
            fix = vocab.LETTER_OCR[ch]
            if fix is None or (ch == "0" and len(token) > 1):
                # O or 0 inside a letter set: the letter the sequence lacks at this place
                prev = letters[-1] if letters else "@"
                fix = chr(ord(prev) + 1) if len(token) > 1 else "D"
            letters.append(fix)
        else:
            return [], False
    return sorted(set(letters)), ocr


# letters may go on over a line break when the next line holds the rest and then the next
# entry's number: a key wrapped inside an answer ("4.ABC" / "D5.ABCD")
_LETTER_TOKEN = re.compile(r"[A-Ha-hO0](?:[ \t,，、和与及]*[A-Ha-hO0]|\n(?=[A-H]+[ \t]*(?:\d|\Z))[A-H])*")


def leading_letters(text: str, glued_ok: bool = False) -> tuple[list[str], bool, int]:
    """Answer letters at the start of text ("B 解析…", "ABD。", "A、C、D"): (labels, ocr, end).
    glued_ok: a key entry, where whatever follows the letters is not part of them ("3.B相关文档")."""
    m = re.match(r"\s*(?:选项)?\s*", text)
    pos = m.end()
    m = _LETTER_TOKEN.match(text, pos)
    if not m:
        return [], False, 0
    after = text[m.end():m.end() + 1]
    if after and (after.isascii() and after.isalnum()):
        return [], False, 0          # a word: "Access", "BCD码"
    if not glued_ok and after and re.match(rf"[{vocab.HAN}]", after) and len(m[0]) == 1 and m[0] in "AaBbCcDdEeFfGgHh":
        # "A项", "B选项" name an option; "A级债券" does not answer
        if after not in "项。，,;；选":
            return [], False, 0
    labels, ocr = parse_letters(m[0])
    return labels, ocr, m.end()


def leading_judgement(text: str) -> tuple[bool | None, bool, int]:
    """A judgement at the start of text: (value, ocr, end)."""
    m = re.match(r"\s*", text)
    pos = m.end()
    m = vocab.JUDGEMENT_TOKEN.match(text, pos)
    if not m:
        return None, False, 0
    after = text[m.end():m.end() + 1]
    if m[0].isascii() and after.isascii() and after.isalnum():
        return None, False, 0          # "True", "Yes", "X射线"
    if len(m[0]) == 1 and re.match(rf"[{vocab.HAN}]", m[0]) and re.match(rf"[{vocab.HAN}]", after or "。") \
            and m[0] in "对错是否":
        return None, False, 0          # "对于", "错过", "是指" …
    value, ocr = vocab.JUDGEMENTS[m[0]]
    return value, ocr, m.end()


# --- objective keys -------------------------------------------------------------

_RANGE_KEY = re.compile(rf"(?P<a>\d{{1,3}})\s*[-—~～－]\s*(?P<b>\d{{1,3}})\s*[:：.、]?\s*"
                        rf"(?P<marks>(?:[A-HO]|{_KEY_MARK})(?:\s*(?:[A-HO]|{_KEY_MARK}))*)")


def _expand_range(m) -> str:
    """'1-5 ABCDA' → '1.A2.B3.C4.D5.A' when the marks count matches the range;
    'A BC D' with spaces: one mark per space-separated token when that counts."""
    a, b = int(m["a"]), int(m["b"])
    raw = m["marks"].strip()
    need = b - a + 1
    for marks in (re.findall(r"正确|错误|\S", raw.replace(" ", "")), raw.split()):
        if b >= a and len(marks) == need:
            return " ".join(f"{n}.{mark}" for n, mark in zip(range(a, b + 1), marks)) + " "
    # more marks than the range: the rest belongs to the next entry ("1-10 ABCDABCDAB 11.C")
    marks = re.findall(r"正确|错误|\S", raw.replace(" ", ""))
    if b >= a and len(marks) > need:
        return " ".join(f"{n}.{mark}" for n, mark in zip(range(a, b + 1), marks[:need])) + " " + "".join(marks[need:])
    return m[0]


def _digits(n: int) -> str:
    """n as a key prints it: 1 may be OCR's l or I, and a line may break inside it ("1" / "0.CD")."""
    return "\n?".join("[1lI]" if c == "1" else c for c in str(n))


@lru_cache(maxsize=2048)
def _numbered(n: int):
    return re.compile(rf"{_digits(n)}\s*[.、．:：]|[(（]{n}[)）]")


@lru_cache(maxsize=2048)
def _glued(n: int):
    return re.compile(rf"(?<![\d.]){_digits(n)}(?=[A-HOo07]|{_KEY_MARK})")


def _key_number(text: str, k: int, pos: int):
    """Where entry k's number stands, searching from pos: "9." as printed, else a
    number glued to its mark ("97" for "9.√") if it comes before entry k+1."""
    m = _numbered(k).search(text, pos)
    glued = _glued(k).search(text, pos)
    if m is not None and (glued is None or m.start() <= glued.start()):
        return m
    after = _numbered(k + 1).search(text, pos)
    if glued and (after is None or glued.start() < after.start()) and (m is None or glued.start() < m.start()):
        return glued
    return m


def parse_objective(text: str, base: int = 0) -> dict[int, KeyEntry]:
    """'1.02.C3.C4.B5.A' → {1: '0', 2: 'C', …}; base is text's offset in the document."""
    text = _RANGE_KEY.sub(_expand_range, text)
    first = re.search(r"(?<![\d.])[(（]?([1-9lI]\d{0,2})\s*[)）]?\s*[.、．:：]?\s*(?=\S)", text)
    if not first:
        return {}
    k = int(first[1].replace("l", "1").replace("I", "1"))
    entries: dict[int, KeyEntry] = {}
    m = _key_number(text, k, first.start())
    if not m:
        return entries
    pos, ocr = m.end(), bool(re.search("[lI]", m[0]))
    while True:
        nxt = None
        for step in (1, 2, 3):
            nxt = _key_number(text, k + step, pos)
            if nxt:
                break
        end = nxt.start() if nxt else len(text)
        raw = text[pos:end].strip().lstrip(".、．:：").strip()
        entries[k] = KeyEntry(k, raw, base, base + len(text), ocr=ocr)
        if not nxt:
            break
        k, pos, ocr = k + step, nxt.end(), bool(re.search("[lI]", nxt[0]))
    return entries


# --- open keys --------------------------------------------------------------------

def parse_open(text: str, base: int = 0) -> dict[int, KeyEntry]:
    """Numbered answers, each possibly over many lines or run together with
    its answer marker ("1【正确答案】…2【正确答案】…"). Entry k starts where k
    stands at a line start, or before an answer marker."""
    marker = vocab.ANSWER_MARKER.pattern
    first = re.search(rf"(?m)^\s*(\d{{1,3}})\s*[.、．]|(?<![\d.])(\d{{1,3}})\s*(?={marker})", text)
    if not first:
        return {}
    k = int(first[1] or first[2])
    starts = []
    pos = first.start()
    while True:
        # at a line start, after a sentence that ends, or before an answer marker
        m = re.compile(rf"(?m)(?:^|(?<=[。！？!?;；])|(?<=\s\s))[ \t]*{k}[ \t]*[.、．](?!\d)"
                       rf"|(?<![\d.]){k}[ \t]*[.、．]?[ \t]*(?={marker})").search(text, pos)
        if not m:
            break
        starts.append((k, m.start(), m.end()))
        pos, k = m.end(), k + 1
    entries = {}
    for i, (n, s, e) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        raw = text[e:end].strip()
        entries[n] = KeyEntry(n, raw, base + s, base + end, spans=[(base + s, base + end)])
    return entries


def looks_objective(text: str) -> bool:
    """A key of short marks rather than paragraphs."""
    stripped = _RANGE_KEY.sub("", text)
    stripped = re.sub(rf"(?<![\d.])[(（]?[1-9lI]\d{{0,2}}[)）]?\s*[.、．:：]?\s*(?:[A-HO0]\s*){{1,8}}(?![A-Za-z{vocab.HAN}])", "",
                      stripped)
    stripped = re.sub(rf"(?<![\d.])[1-9lI]\d{{0,2}}\s*[.、．:：]?\s*(?:{_KEY_MARK})", "", stripped)
    rest = re.sub(r"\s", "", stripped)
    return len(rest) <= max(3, len(re.sub(r"\s", "", text)) // 8)
