"""Blocks → question records: stems, options, inline answers, answer keys
scoped by chapter and section, OCR repair of key tokens, types and flags.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import regex as re

from .model import Document, QuestionRecord, StageStats, order_flags
from .patterns import ANSWER_LINE, EXPLANATION_LINE, OPTION_LABEL
from .segment import Block, question_number, section_type

OBJECTIVE = ("single_choice", "multiple_choice", "true_false")
CHOICE = ("single_choice", "multiple_choice", "choice")

# True/false tokens as printed in keys and inline answers. The second value
# says whether reading the token took an OCR repair (义 for ×, 7 for √);
# V and J are how these keys print √ and are not repairs.
JUDGEMENTS = {
    "正确": (True, False), "对": (True, False), "√": (True, False), "✓": (True, False), "✔": (True, False),
    "V": (True, False), "J": (True, False), "T": (True, False), "Y": (True, False), "是": (True, False),
    "错误": (False, False), "错": (False, False), "×": (False, False), "✗": (False, False), "✘": (False, False),
    "X": (False, False), "F": (False, False), "N": (False, False), "否": (False, False),
    "义": (False, True), "7": (True, True), "v": (True, True), "x": (False, True),
}
# Choice-key characters OCR confuses with letters.
LETTER_OCR = {"0": "D", "O": None, "o": None, "R": "B", "8": "B"}

# Markers that open a scenario: an open question carrying one is a case.
CASE_MARKERS = re.compile(r"情景描述|案例[:：]|材料[:：]|阅读(?:以下|下面)|假设你|^问题[:：]|\n问题[:：]?\n?")

_ANSWER_PREFIX = re.compile(r"^\s*(?:【\s*(?:参考)?答案(?:与解析)?\s*】|参考答案|正确答案|答案要点|答案与解析|答案)\s*[:：]?\s*")
_EXPL_PREFIX = re.compile(r"^\s*(?:【\s*(?:深度|答案|试题)?解析\s*】|【\s*点评\s*】|(?:答案)?解析)\s*[:：]?\s*")
_LABEL_TEXT = re.compile(rf"(?P<label>{OPTION_LABEL})")
_BLANK_ANSWER = re.compile(r"[(（]\s*(?P<ans>[A-F]{1,6}|[√×✓✗VX])\s*[)）]")
_GUXUAN = re.compile(r"故(?:本题)?选\s*(?P<ans>[A-F]{1,6})")
_SCORE_PREFIX = re.compile(r"^\s*[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*")
_TERMINAL_END = re.compile(r"[。！？!?;；”」』)）…\]】．]\s*$|(?<!\d)\.\s*$|（）\s*$")


@dataclass
class KeyEntry:
    raw: str                       # as printed, after the number
    text: str | None = None        # open answers: the reference answer
    ocr: bool = False              # the number itself needed a re-read (l for 1)
    spans: list[tuple[int, int]] = field(default_factory=list)


# --- question blocks ---------------------------------------------------------

def split_block(block: Block) -> tuple[str, list[str], list[str], list[str]]:
    """(number line remainder, body lines, answer lines, explanation lines)."""
    first = block.pieces[0].text
    num = question_number(block.pieces[0])
    head = first[num[3]:] if num else first
    body, answer, expl = [head] if head.strip() else [], [], []
    target = body
    for piece in block.pieces[1:]:
        t = piece.text
        if ANSWER_LINE.match(t):
            target = answer
            t = _ANSWER_PREFIX.sub("", t, count=1)
        elif EXPLANATION_LINE.match(t):
            target = expl
            t = _EXPL_PREFIX.sub("", t, count=1)
        if t.strip():
            target.append(t.strip())
    return head, body, answer, expl


def find_options(text: str) -> tuple[int, list[dict]] | None:
    """Options A, B, C … in order. Returns (start of "A", options) or None.

    Labels are searched one after another, each after the previous, so option
    text that happens to end in capitals still splits right: C.APPD.网络直播 →
    C.APP + D.网络直播. OCR label variants (R. for B., I). for D., B, for B.)
    are read as the label they stand for.
    """
    letters = "ABCDEF"
    first = re.search(r"(?:^|(?<=[\n（）)?？:：。\s]))(?:A\s*[.．、]|[(（]A[)）])(?=\s*\S)", text)
    if not first:
        return None
    starts = [(first.start(), first.end())]
    pos = first.end()
    for letter in letters[1:]:
        variants = [rf"{letter}\s*[.．、]", rf"[(（]{letter}[)）]"]
        if letter == "B":
            variants += [r"R\.", r"B,(?=\S)"]
        if letter == "D":
            variants += [r"I\)\."]
        m = re.search("|".join(f"(?:{v})" for v in variants), text[pos:])
        if not m:
            break
        starts.append((pos + m.start(), pos + m.end()))
        pos = pos + m.end()
    if len(starts) < 2:
        return None
    options = []
    for k, (s, e) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(text)
        options.append({"label": letters[k], "text": re.sub(r"\s*\n\s*", "", text[e:end]).strip()})
    return starts[0][0], options


def join_lines(lines: list[str], keep_newlines: bool) -> str:
    sep = "\n" if keep_newlines else ""
    return sep.join(ln.strip() for ln in lines if ln.strip()).strip()


def parse_choice_answer(token: str) -> tuple[list[str], bool]:
    """'ABODE' → ABCDE (O read between B and D), '0' → D. Returns (labels, ocr)."""
    token = re.sub(r"[\s,，、]", "", token)
    ocr = False
    letters: list[str] = []
    for i, ch in enumerate(token):
        if "A" <= ch <= "F":
            letters.append(ch)
        elif ch in LETTER_OCR:
            ocr = True
            fix = LETTER_OCR[ch]
            if fix is None:  # O: the letter the sequence lacks at this place
                prev = letters[-1] if letters else "@"
                fix = chr(ord(prev) + 1) if len(token) > 1 else "D"
            letters.append(fix)
        else:
            return [], False
    return sorted(set(letters)), ocr


def parse_judgement(token: str) -> tuple[bool | None, bool]:
    token = token.strip().rstrip("。.")
    for word, (value, ocr) in sorted(JUDGEMENTS.items(), key=lambda kv: -len(kv[0])):
        if token.startswith(word):
            return value, ocr
    return None, False


# --- answer keys ---------------------------------------------------------------

def parse_objective_key(text: str, first: int = 1, keep_spaces: bool = False) -> dict[int, KeyEntry]:
    """'1.02.C3.C4.B5.A' → {1: '0', 2: 'C', …}, walking the numbers in order.

    Each entry runs from its number to the next number expected, so glued
    tokens still split (9710.J: 9 → '7', 10 → 'J'), `l` is read as 1 and a
    missing mark (`4.5.`) gives an empty entry.
    """
    text = re.sub(r"[(（](\d{1,3})[)）]", r"\1.", text)      # "(1)B" → "1.B"
    text = _RANGE_KEY.sub(_expand_range, text)
    text = re.sub(r"\s+", " " if keep_spaces else "", text)
    entries: dict[int, KeyEntry] = {}
    k, pos = first, 0
    m = _key_number(text, k, 0)
    if not m:
        return entries
    pos = m.end()
    ocr_number = "l" in m.group(0)
    while True:
        nxt = None
        for step in (1, 2, 3):
            nxt = _key_number(text, k + step, pos)
            if nxt:
                break
        end = nxt.start() if nxt else len(text)
        raw = text[pos:end].lstrip(".、．").strip()
        entries[k] = KeyEntry(raw=raw, ocr=ocr_number)
        if not nxt:
            break
        k, pos = k + step, nxt.end()
        ocr_number = "l" in nxt.group(0)
    return entries


_RANGE_KEY = re.compile(r"(?P<a>\d{1,3})\s*[-—~～－]\s*(?P<b>\d{1,3})\s*[:：.、]?\s*"
                        r"(?P<marks>[A-F√×VXJ对错](?:\s*[A-F√×VXJ对错])*)")


def _expand_range(m) -> str:
    """'1-5 ABCDA' → '1.A2.B3.C4.D5.A' when the marks count matches the range."""
    a, b = int(m["a"]), int(m["b"])
    marks = m["marks"].split() if " " in m["marks"].strip() else list(m["marks"].replace(" ", ""))
    if b < a or len(marks) != b - a + 1:
        return m[0]
    return "".join(f"{n}.{mark}" for n, mark in zip(range(a, b + 1), marks))


def _digits(n: int) -> str:
    return re.escape(str(n)).replace("1", "[1l]")


@lru_cache(maxsize=1024)
def _numbered(n: int):
    return re.compile(rf"{_digits(n)}\s*[.、．]")


@lru_cache(maxsize=1024)
def _glued(n: int):
    return re.compile(rf"(?<!\d){_digits(n)}(?=[^.、．])")


@lru_cache(maxsize=1024)
def _line_number(n: int):
    return re.compile(rf"^\s*{n}\s*[.、．](?!\d)")


def _key_number(text: str, k: int, pos: int):
    """Where entry k's number stands, searching from pos.

    "9." as printed, else a number glued to its mark ("97" for "9.√") if it
    comes before entry k+1; `l` is read as 1.
    """
    m = _numbered(k).search(text, pos)
    if m is not None:
        return m
    glued = _glued(k).search(text, pos)
    after = _numbered(k + 1).search(text, pos)
    if glued and (after is None or glued.start() < after.start()):
        return glued
    return None


def parse_open_key(lines: list[tuple[str, int, int]]) -> dict[int, KeyEntry]:
    """Numbered answers to open questions, each possibly over many lines.
    `lines` are (text, start, end); each entry keeps the spans it came from."""
    entries: dict[int, KeyEntry] = {}
    first = next((re.match(r"\s*(\d+)\s*[.、．]", t) for t, _, _ in lines if re.match(r"\s*\d+\s*[.、．]", t)), None)
    k = int(first[1]) if first else 1          # numbering may continue from an earlier section
    current: KeyEntry | None = None
    parts: dict[int, list[str]] = {}
    for text, start, end in lines:
        if _ANSWER_PREFIX.fullmatch(text):
            continue
        m = _line_number(k).match(text)
        if m:
            current = entries[k] = KeyEntry(raw=text, spans=[(start, end)])
            parts[k] = [text[m.end():].strip()]
            k += 1
        elif current is not None:
            parts[k - 1].append(text.strip())
            current.spans.append((start, end))
    for n, e in entries.items():
        # key answers are paragraphs broken by the page: joined without newlines
        e.text = "".join(parts[n]).strip()
    return entries


@dataclass
class AnswerKey:
    """The answer key sections of one chapter: lines (text, start, end) by section title."""
    sections: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    last: str | None = None          # the section the document ends in, if it ends inside this key
    _parsed: dict = field(default_factory=dict, repr=False)

    def entries(self, title: str, kind: str | None) -> dict[int, KeyEntry]:
        """The section's entries by number, parsed once (every question of the section asks)."""
        if (title, kind) not in self._parsed:
            self._parsed[(title, kind)] = self._parse(title, kind)
        return self._parsed[(title, kind)]

    def _parse(self, title: str, kind: str | None) -> dict[int, KeyEntry]:
        lines = self.sections.get(title, [])
        if kind in OBJECTIVE + ("choice", "fill_blank"):
            # short entries one after another: "1.A2.B", "5．5　6．8"
            text = "".join(t for t, _, _ in lines) if kind != "fill_blank" else " ".join(t for t, _, _ in lines)
            first = re.match(r"\s*[(（]?([l\d]+)", text)
            entries = parse_objective_key(text, int(first[1].replace("l", "1")) if first else 1,
                                          keep_spaces=kind == "fill_blank")
            if kind == "fill_blank":
                for e in entries.values():
                    e.text = e.raw.strip()
            span = [(lines[0][1], lines[-1][2])] if lines else []
            for e in entries.values():
                e.spans = span
            return entries
        return parse_open_key(lines)


def collect_keys(blocks: list[Block]) -> dict[str | None, AnswerKey]:
    keys: dict[str | None, AnswerKey] = {}
    for b in blocks:
        if b.kind == "key":
            key = keys.setdefault(b.chapter, AnswerKey())
            title = b.section or ""
            if title not in key.sections:
                key.sections[title] = []
                key.order.append(title)
            key.sections[title].append((b.text, b.start, b.end))
        elif b.kind == "key_start":
            keys.setdefault(b.chapter, AnswerKey())
    tail = [b for b in blocks if b.kind not in ("text",)]
    if tail and tail[-1].kind == "key":
        keys[tail[-1].chapter].last = tail[-1].section or ""
    return keys


def record_id(doc_id: str, chapter, section, number, stem: str) -> str:
    h = hashlib.sha256("\x1f".join(str(x or "") for x in (doc_id, chapter, section, number, stem)).encode())
    return "q_" + h.hexdigest()[:16]


def decide_type(kind: str | None, stem: str, labels: list[str], options: list[dict], has_judgement: bool) -> str:
    if kind == "choice" or (kind is None and options):
        return "multiple_choice" if len(labels) > 1 else "single_choice"
    if kind in ("single_choice", "multiple_choice", "true_false", "fill_blank", "essay", "case_analysis"):
        return kind
    if kind is None and has_judgement:
        return "true_false"
    # short_answer / open: a question that carries a scenario is a case
    return "case_analysis" if CASE_MARKERS.search(stem) else "short_answer"


@dataclass
class Draft:
    """A question on its way to a record."""
    block: Block
    kind: str | None                  # from the section heading
    stem: str = ""
    options: list[dict] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    judgement: bool | None = None
    answer_text: str | None = None
    explanation: str | None = None
    answer_source: str = "none"
    flags: set[str] = field(default_factory=set)
    spans: list[tuple[int, int]] = field(default_factory=list)   # where its text came from
    answer_cut: bool = False          # its answer runs into the end of the document
    ends_complete: bool = False       # ends with its options or a bare answer letter

    @property
    def is_open(self) -> bool:
        return self.kind not in CHOICE and self.kind != "true_false"

    @property
    def has_answer(self) -> bool:
        return bool(self.labels) or self.judgement is not None or bool(self.answer_text)


_NUMBERED_POINT = re.compile(r"^\s*1\s*[.、．]\s*\S")


def read_question(block: Block) -> Draft:
    """Stem, options, inline answer and explanation of one question block."""
    d = Draft(block, section_type(block.section), spans=[(block.start, block.end)])
    _, body, answer_lines, expl_lines = split_block(block)
    body_text = "\n".join(body)
    stem_text = body_text
    if d.kind in CHOICE or d.kind is None:
        found = find_options(body_text)
        if found:
            start, d.options = found
            stem_text = body_text[:start]
    is_case = d.kind == "case_analysis" or (d.kind in (None, "open", "short_answer") and bool(CASE_MARKERS.search(stem_text)))
    stem_lines = stem_text.split("\n")
    if d.is_open and not is_case and not answer_lines and not d.options:
        # an answer printed as a numbered list without any 答案 label
        k = next((i for i, ln in enumerate(stem_lines) if i and _NUMBERED_POINT.match(ln)), None)
        if k is not None:
            stem_lines, answer_lines = stem_lines[:k], stem_lines[k:]
    d.stem = _SCORE_PREFIX.sub("", join_lines(stem_lines, keep_newlines=is_case))
    d.stem = re.sub(r"[(（]\s*$", "（）", d.stem)       # OCR lost the closing bracket
    if answer_lines:
        d.answer_source = "inline"
        if d.is_open and not (d.kind is None and d.options):
            d.answer_text = join_lines(answer_lines, keep_newlines=True)
        else:
            expl_lines = _read_objective_answer(d, answer_lines) + expl_lines
    else:
        _read_answer_in_stem(d, expl_lines)
    d.explanation = join_lines(expl_lines, keep_newlines=True) or None
    # nothing after its options, or after a bare answer letter: no sentence to be cut
    d.ends_complete = bool(d.options) and not expl_lines and (
        not answer_lines or (len(answer_lines) == 1 and bool(d.labels or d.judgement is not None)))
    return d


def _read_objective_answer(d: Draft, answer_lines: list[str]) -> list[str]:
    """Fill labels or judgement from "答案:B…"; return what follows as explanation lines."""
    token = answer_lines[0]
    letters = re.match(r"[A-Fa-f0O,，、\s]*", token)[0]
    if d.kind != "true_false":
        d.labels, ocr = parse_choice_answer(letters.upper())
        if ocr:
            d.flags.add("ocr_corrected")
    if not d.labels:
        d.judgement, ocr = parse_judgement(token)
        if ocr:
            d.flags.add("ocr_corrected")
        if d.judgement is None:
            d.flags.add("answer_unreadable")
        return answer_lines[1:]
    rest = token[len(letters):].strip()
    return ([rest] if rest else []) + answer_lines[1:]


def _read_answer_in_stem(d: Draft, expl_lines: list[str]) -> None:
    """Answers written into the blank "（ C ）" / "（ √ ）", or "故选C" in the explanation."""
    m = _BLANK_ANSWER.search(d.stem)
    if m:
        labels, _ = parse_choice_answer(m["ans"]) if m["ans"] not in "√×✓✗VX" else ([], False)
        judgement, _ = parse_judgement(m["ans"]) if not labels else (None, False)
        if labels and d.options and d.kind != "true_false":
            d.labels = labels
        elif judgement is not None and not d.options and d.kind in ("true_false", None):
            d.judgement = judgement
        else:
            return
        d.stem = d.stem[:m.start()] + "（）" + d.stem[m.end():]
        d.answer_source = "inline"
        return
    m = _GUXUAN.search("".join(expl_lines))
    if m and d.options:
        d.labels, _ = parse_choice_answer(m["ans"])
        d.answer_source = "inline"


def apply_key(d: Draft, key: AnswerKey | None, used: set) -> None:
    """Answer from the chapter's answer key, same section, same number."""
    b = d.block
    if key is None or b.section not in key.sections:
        return
    number = _numeric(b.number)
    entries = key.entries(b.section, d.kind)
    entry = entries.get(number) if number is not None else None
    if entry is None:
        if key.last == b.section:
            d.answer_cut = True       # the document ends inside this key section
        return
    used.add((b.chapter, b.section, number))
    d.spans += entry.spans
    if d.is_open:
        d.answer_text = entry.text or None
        # the last answer of a key the document ends in, stopping mid-sentence
        d.answer_cut = (key.last == b.section and number == max(entries)
                        and not _TERMINAL_END.search(entry.text or ""))
    elif d.kind == "true_false":
        d.judgement, ocr = parse_judgement(entry.raw)
        if entry.ocr or ocr:
            d.flags.add("ocr_corrected")
    else:
        d.labels, ocr = parse_choice_answer(entry.raw)
        if entry.ocr or ocr:
            d.flags.add("ocr_corrected")
    if d.has_answer:
        d.answer_source = "answer_key"
    elif entry.raw.strip() and not d.is_open and re.sub(r"^\s*[l\d]+\s*[.、．]?", "", entry.raw).strip():
        d.flags.add("answer_unreadable")


def finish(d: Draft, doc: Document, ordinal: int, inline_doc: bool, last: bool) -> QuestionRecord:
    """Type, cleanup and flags; the record as written."""
    b = d.block
    qtype = decide_type(d.kind, d.stem, d.labels, d.options, d.judgement is not None)
    stem = d.stem if qtype == "case_analysis" else d.stem.replace("\n", "")
    options, labels, judgement = d.options, d.labels, d.judgement
    flags = set(d.flags)
    if qtype in ("single_choice", "multiple_choice"):
        judgement = None
        if not options:
            flags |= {"truncated", "options_missing"}   # the preview lost them
    else:
        options, labels = [], []
        if qtype != "true_false":
            judgement = None
    answer_text = d.answer_text if qtype not in OBJECTIVE else None
    has_answer = bool(labels) or judgement is not None or bool(answer_text)
    text = doc.text.rstrip()
    # the preview stops inside this question, its answer or its 解析
    # (an option needs no final punctuation, so a last option proves nothing)
    if (b.end >= len(text) and not _TERMINAL_END.search(text) and not d.ends_complete) or d.answer_cut:
        flags.add("truncated")
    if not has_answer:
        flags.add("answer_missing")
        if last and inline_doc:
            flags.add("truncated")      # the other answers are inline: this one was cut off
    flags.update(doc.mojibake_flags(d.spans))
    rec = QuestionRecord(
        doc_id=doc.doc_id, source={"path": doc.path, "site": doc.site, "title": doc.title, "url": doc.url},
        ordinal=ordinal, chapter=b.chapter, section=b.section, number=b.number, type=qtype, stem=stem.strip(),
        options=options, answer={"labels": sorted(labels), "judgement": judgement, "text": answer_text},
        explanation=d.explanation, answer_source=d.answer_source if has_answer else "none",
        flags=order_flags(list(flags)), span={"start": b.start, "end": b.end},
    )
    rec.id = record_id(doc.doc_id, rec.chapter, rec.section, rec.number, rec.stem)
    return rec


def assign_gap_sections(questions: list[Block], keys: dict) -> None:
    """A page gap lost a heading: the questions after it belong to the section
    that follows the previous one in this chapter's answer key."""
    last_section: dict = {}
    for b in questions:
        if not b.gap:
            last_section[b.chapter] = b.section
            continue
        key, prev = keys.get(b.chapter), last_section.get(b.chapter)
        if key and prev in key.order and key.order.index(prev) + 1 < len(key.order):
            b.section = key.order[key.order.index(prev) + 1]


def build_records(doc: Document, blocks: list[Block], stats: StageStats) -> list[QuestionRecord]:
    keys = collect_keys(blocks)
    questions = [b for b in blocks if b.kind == "question"]
    assign_gap_sections(questions, keys)
    used: set = set()
    drafts = []
    for b in questions:
        d = read_question(b)
        if d.answer_source == "none":
            apply_key(d, keys.get(b.chapter), used)
        drafts.append(d)
    inline_doc = any(d.answer_source == "inline" for d in drafts)
    records = [finish(d, doc, n, inline_doc, n == len(drafts)) for n, d in enumerate(drafts, 1)]
    for rec in records:
        stats.kept[rec.type] += 1

    # key entries whose question the preview does not show: reported, not recorded
    orphans = []
    for chapter, key in keys.items():
        for title in key.order:
            kind = section_type(title)
            for n, e in key.entries(title, kind).items():
                if (chapter, title, n) not in used:
                    orphans.append({"chapter": chapter, "section": title, "number": str(n),
                                    "raw_answer": e.raw if e.text is None else e.text[:80],
                                    "answer": _normalized_key_answer(e, kind)})
    doc.orphan_answers = orphans
    stats.dropped["orphan_answers"] += len(orphans)
    return records


def _normalized_key_answer(entry: KeyEntry, kind: str | None):
    if entry.text is not None:
        return entry.text
    if kind == "true_false":
        return parse_judgement(entry.raw)[0]
    return "".join(parse_choice_answer(entry.raw)[0]) or None


def _numeric(number: str | None) -> int | None:
    if not number:
        return None
    m = re.search(r"\d+", number)
    return int(m[0]) if m else None
