"""Blocks → question records: stems, options, inline answers, answer keys
scoped by chapter and section, OCR repair of key tokens, types and flags.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

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
_TERMINAL_END = re.compile(r"[。！？!?;；”」』)）…\]】]\s*$|（）\s*$")


@dataclass
class KeyEntry:
    raw: str
    labels: list[str] = field(default_factory=list)
    judgement: bool | None = None
    text: str | None = None
    ocr: bool = False
    unreadable: bool = False


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
    return sep.join(l.strip() for l in lines if l.strip()).strip()


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

def parse_objective_key(text: str, first: int = 1) -> dict[int, KeyEntry]:
    """'1.02.C3.C4.B5.A' → {1: '0', 2: 'C', …}, walking the numbers in order.

    Each entry runs from its number to the next number expected, so glued
    tokens still split (9710.J: 9 → '7', 10 → 'J'), `l` is read as 1 and a
    missing mark (`4.5.`) gives an empty entry.
    """
    text = re.sub(r"\s+", "", text)
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
        raw = text[pos:end].lstrip(".、．")
        entries[k] = KeyEntry(raw=raw, ocr=ocr_number)
        if not nxt:
            break
        k, pos = k + step, nxt.end()
        ocr_number = "l" in nxt.group(0)
    return entries


def _key_number(text: str, k: int, pos: int):
    """Where entry k's number stands, searching from pos.

    "9." as printed, else a number glued to its mark ("97" for "9.√") if it
    comes before entry k+1; `l` is read as 1.
    """
    def pattern(n: int) -> str:
        return re.escape(str(n)).replace("1", "[1l]")
    m = re.compile(rf"{pattern(k)}\s*[.、．]").search(text, pos)
    if m is not None:
        return m
    glued = re.compile(rf"(?<!\d){pattern(k)}(?=[^.、．])").search(text, pos)
    after = re.compile(rf"{pattern(k + 1)}\s*[.、．]").search(text, pos)
    if glued and (after is None or glued.start() < after.start()):
        return glued
    return None


def parse_open_key(lines: list[str]) -> dict[int, KeyEntry]:
    """Numbered answers to open questions, each possibly over many lines."""
    entries: dict[int, KeyEntry] = {}
    k = 1
    current: list[str] | None = None
    for line in lines:
        if _ANSWER_PREFIX.fullmatch(line) or re.fullmatch(r"\s*参考答案\s*[:：]?\s*", line):
            continue
        m = re.match(rf"^\s*{k}\s*[.、．](?!\d)", line)
        if m:
            current = [line[m.end():].strip()]
            entries[k] = KeyEntry(raw=line, text="")
            entries[k].text = current  # filled below
            k += 1
        elif current is not None:
            current.append(line.strip())
        else:
            continue
    for n, e in entries.items():
        e.text = "".join(e.text).strip()
    return entries


@dataclass
class AnswerKey:
    """The answer key sections of one chapter, by section title."""
    sections: dict[str, list[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def entries(self, title: str, kind: str | None) -> dict[int, KeyEntry]:
        lines = self.sections.get(title, [])
        if kind in ("single_choice", "multiple_choice", "choice", "true_false"):
            return parse_objective_key("".join(lines))
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
            key.sections[title].append(b.text)
        elif b.kind == "key_start":
            keys.setdefault(b.chapter, AnswerKey())
    return keys


# --- records ---------------------------------------------------------------------

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


def build_records(doc: Document, blocks: list[Block], stats: StageStats) -> list[QuestionRecord]:
    keys = collect_keys(blocks)
    questions = [b for b in blocks if b.kind == "question"]
    used_keys: dict[tuple, set[int]] = {}
    records: list[QuestionRecord] = []
    source = {"path": doc.path, "site": doc.site, "title": doc.title, "url": doc.url}
    text_end = len(doc.text.rstrip())
    mojibake_spans = doc.notes.get("mojibake_spans", [])

    # a page gap lost a heading: the questions after it belong to the section
    # that follows the previous one in this chapter's answer key
    last_section: dict = {}
    for b in questions:
        if b.gap:
            key = keys.get(b.chapter)
            prev = last_section.get(b.chapter)
            if key and prev in key.order and key.order.index(prev) + 1 < len(key.order):
                b.section = key.order[key.order.index(prev) + 1]
        else:
            last_section[b.chapter] = b.section
    for qi, b in enumerate(questions):
        kind = section_type(b.section)
        _, body, answer_lines, expl_lines = split_block(b)
        flags: list[str] = []
        body_text = "\n".join(body)
        options: list[dict] = []
        stem_text = body_text
        if kind in CHOICE or kind is None:
            found = find_options(body_text)
            if found:
                start, options = found
                stem_text = body_text[:start]
        is_case_section = kind == "case_analysis" or (kind in (None, "open", "short_answer") and CASE_MARKERS.search(stem_text))
        stem = join_lines(stem_text.split("\n"), keep_newlines=bool(is_case_section))
        stem = _SCORE_PREFIX.sub("", stem)
        labels: list[str] = []
        judgement = None
        answer_text = None
        answer_source = "none"
        ocr = False
        unreadable = False
        open_question = kind not in CHOICE and kind != "true_false"

        if answer_lines:
            answer_source = "inline"
            if open_question and not (kind is None and options):
                answer_text = join_lines(answer_lines, keep_newlines=True)
            else:
                token = answer_lines[0]
                labels, ocr_l = parse_choice_answer(re.match(r"[A-Fa-f0O,，、\s]*", token)[0].upper()) \
                    if kind != "true_false" else ([], False)
                if kind == "true_false" or not labels:
                    judgement, ocr_j = parse_judgement(token)
                    ocr = ocr or ocr_j
                ocr = ocr or ocr_l
                rest = token[len(re.match(r"[A-F]*", token)[0]):].strip() if labels else ""
                if rest and not expl_lines:
                    expl_lines = [rest] + answer_lines[1:]
                if not labels and judgement is None:
                    unreadable = True
        elif open_question and kind is not None:
            pass
        if not answer_lines:
            # answers written into the blank "（ C ）" or "故选C"
            m = _BLANK_ANSWER.search(stem) if kind != "true_false" else None
            if m and options:
                labels, _ = parse_choice_answer(m["ans"])
                stem = stem[:m.start()] + "（）" + stem[m.end():]
                answer_source = "inline"
            elif kind == "true_false" and (m2 := _BLANK_ANSWER.search(stem)):
                judgement, _ = parse_judgement(m2["ans"])
                stem = stem[:m2.start()] + "（）" + stem[m2.end():]
                answer_source = "inline"
            if expl_lines and (m3 := _GUXUAN.search("".join(expl_lines))) and not labels:
                labels, _ = parse_choice_answer(m3["ans"])
                answer_source = "inline"

        # the chapter's answer key, section by section
        if answer_source == "none":
            key = keys.get(b.chapter)
            if key is not None and b.section in key.sections:
                number = _numeric(b.number)
                entries = key.entries(b.section, kind)
                entry = entries.get(number) if number is not None else None
                if entry is not None:
                    used_keys.setdefault((b.chapter, b.section), set()).add(number)
                    if open_question:
                        answer_text = entry.text or None
                        answer_source = "answer_key" if answer_text else "none"
                    elif kind == "true_false":
                        judgement, ocr_j = parse_judgement(entry.raw)
                        if judgement is not None:
                            answer_source, ocr = "answer_key", ocr_j or entry.ocr
                        elif entry.raw.strip():
                            unreadable = True
                    else:
                        labels, ocr_l = parse_choice_answer(entry.raw)
                        if labels:
                            answer_source, ocr = "answer_key", ocr_l or entry.ocr
                        elif entry.raw.strip():
                            unreadable = True

        qtype = decide_type(kind, stem, labels, options, judgement is not None)
        if qtype == "case_analysis" and "\n" not in stem and is_case_section is False:
            pass
        if qtype not in ("case_analysis",):
            stem = stem.replace("\n", "")
        if qtype in ("single_choice", "multiple_choice"):
            if not options:
                flags += ["truncated", "options_missing"]
        else:
            options = [] if qtype != "true_false" else []
        if qtype == "true_false":
            labels = []
        if qtype not in ("single_choice", "multiple_choice", "true_false"):
            labels, judgement = [], None

        explanation = join_lines(expl_lines, keep_newlines=True) or None
        last = qi == len(questions) - 1
        block_end = b.end
        # the preview stops inside this question, its answer or its 解析
        if block_end >= text_end and not _TERMINAL_END.search(doc.text[:block_end]):
            if "truncated" not in flags:
                flags.append("truncated")
        has_answer = bool(labels) or judgement is not None or bool(answer_text)
        if not has_answer:
            if last and not any(f == "truncated" for f in flags) and not keys.get(b.chapter):
                flags.append("truncated")
            if answer_source == "none" and kind is not None or qtype in OBJECTIVE:
                flags.append("answer_missing")
            elif answer_source == "none":
                flags.append("answer_missing")
            answer_source = "none"
        if unreadable:
            flags.append("answer_unreadable")
        if ocr:
            flags.append("ocr_corrected")
        if any(s < block_end and e > b.start for s, e in mojibake_spans):
            flags.append("mojibake_repaired")
        if any(s < block_end and e > b.start for s, e in doc.notes.get("mojibake_unrepaired_spans", [])):
            flags.append("mojibake_unrepaired")

        rec = QuestionRecord(
            doc_id=doc.doc_id, source=source, ordinal=len(records) + 1, chapter=b.chapter, section=b.section,
            number=b.number, type=qtype, stem=stem.strip(), options=options,
            answer={"labels": sorted(labels) if labels else [], "judgement": judgement, "text": answer_text},
            explanation=explanation, answer_source=answer_source, flags=order_flags(flags),
            span={"start": b.start, "end": b.end},
        )
        rec.id = record_id(doc.doc_id, rec.chapter, rec.section, rec.number, rec.stem)
        records.append(rec)
        stats.kept[qtype] += 1

    # key entries whose question the preview does not show
    orphans = []
    for chapter, key in keys.items():
        for title in key.order:
            kind = section_type(title)
            for n, e in key.entries(title, kind).items():
                if n not in used_keys.get((chapter, title), set()):
                    orphans.append({"chapter": chapter, "section": title, "number": str(n),
                                    "raw_answer": e.raw if e.text is None else e.text[:80]})
    doc.notes["orphan_answers"] = orphans
    stats.dropped["orphan_answers"] += len(orphans)
    return records


def _numeric(number: str | None) -> int | None:
    if not number:
        return None
    m = re.search(r"\d+", number)
    return int(m[0]) if m else None
