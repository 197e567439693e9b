"""Blocks → question records: stems, options, answers (inline, in the blank,
in keys elsewhere), explanations, types and flags.

Each question block is read alone first (`read_item`); then answer keys are
joined to the questions they answer, choosing for each key the group of
questions (chapter, section) whose numbers and option letters it fits best;
then types are decided from everything known, and the records built.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from . import keys, vocab
from .keys import KeyEntry
from .model import Document, QuestionRecord, StageStats, order_flags
from .segment import Block
from .vocab import HAN

CHOICE = ("single_choice", "multiple_choice", "choice")

# Markers that open a scenario: an open question carrying one is a case.
CASE_MARKERS = re.compile(r"情景描述|案例[:：]|材料[:：]|阅读(?:以下|下面)|假设你|^问题[:：]|\n问题[:：]?\n?"
                          r"|案例[一二三四五六七八九十\d]?\s*\n")
# Sections whose items are a term and its definition: "1、 需求 消费者在…"
DEFINITION_SECTIONS = ("名词解释", "名词", "术语解释", "概念解释")
_TERMINAL_END = re.compile(r"[。！？!?;；”」』)）…\]】．]\s*$|(?<!\d)\.\s*$|（）\s*$")


@dataclass
class Draft:
    """A question on its way to a record."""
    block: Block
    kind: str | None                  # type named by its tag or its section
    tag: str | None = None            # the item's own type tag: 【多选题】
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
    ends_complete: bool = False       # ends with its options or a bare answer: nothing to cut
    type: str | None = None
    truth: dict | None = None         # a true/false item printed with options: {"A": True, "B": False}

    @property
    def has_answer(self) -> bool:
        return bool(self.labels) or self.judgement is not None or bool(self.answer_text)

    @property
    def open_kind(self) -> bool:
        return self.kind not in CHOICE + ("true_false",) and not self.options


# --- options ----------------------------------------------------------------------

_DELIMS = "".join(re.escape(d) for d in vocab.OPTION_DELIMITERS)
_OCR_DELIMS = "".join(re.escape(d) for d in vocab.OPTION_OCR_DELIMITERS)


def _label_pattern(letter: str, first: bool) -> str:
    forms = [rf"{letter}[ \t]*[{_DELIMS}]", rf"[(（]{letter}[)）]", rf"{letter}[{_OCR_DELIMS}](?=\S)"]
    forms += [re.escape(k) for k, v in vocab.OPTION_OCR_LABELS.items() if v == letter]
    alt = "|".join(f"(?:{f})" for f in forms)
    if first:
        return rf"(?:^|(?<=[\s）)?？:：。，,；;」”\]】_{HAN}]))(?<![(（][ \t])(?<![(（][ \t][ \t])(?:{alt})"
    # after the first label, the next may follow anything but its own bracket: "A.APPB.…", "A.36 VB.24 V"
    return rf"(?<![(（])(?<![(（][ \t])(?:{alt})"


def find_options(text: str, at_end: bool = False) -> tuple[int, list[dict], int] | None:
    """Options A, B, C … : (start of the first label, options, end). Labels are
    searched one after another, each after the previous, so option text that
    ends in capitals still splits right (C.APPD.网络直播 → APP + D.网络直播);
    lowercase sets (a．b．) and two-column order (A…C… / B…D…) are read too."""
    for letters in (vocab.OPTION_LETTERS, vocab.OPTION_LETTERS.lower()):
        found = _sequential(text, letters)
        if found:
            return found
    found = _two_column(text)
    if found or not at_end:
        return found
    # the page was cut inside option A: one label on a line of its own
    m = re.search(rf"(?m)^[ \t]*A[ \t]*[{_DELIMS}]", text)
    if m and m.start() > 0:
        return m.start(), [{"label": "A", "text": _option_text(text[m.end():])}], len(text)
    return None


def _sequential(text: str, letters: str):
    first = re.compile(_label_pattern(letters[0], True))
    m = first.search(text)
    # a letter in the blank, the same letter labelling the first option on a line of its own or
    # right after the stem: "…流。（A）\nA.正确 B.错误", "（A）指的是…。\nA．客户…", "…的(A)。A.主体性"
    if m and m[0][0] in "(（":
        later = first.search(text, m.end())
        if later and later[0][0] not in "(（" and re.fullmatch(r"[^\n]*\n[ \t\u3000]*|[\s。？?！!]*",
                                                                text[m.end():later.start()]):
            m = later
    if not m:
        return None
    # labels after a space or a line break first (option texts such as "A、B、C" hold label-like
    # letters), then anywhere after the previous label (options glued together: "A.电话B.微信")
    spaced = _labels_from(text, letters, m, spaced=True)
    glued = _labels_from(text, letters, m, spaced=False)
    starts = spaced if len(spaced) >= len(glued) else glued
    if len(starts) < 2:
        return None
    options = []
    for k, (s, e) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(text)
        options.append({"label": letters[k].upper(), "text": _option_text(text[e:end])})
    if re.match(rf"[{HAN}]", text[starts[0][0] - 1:starts[0][0]]) and not (options[0]["text"] and options[1]["text"]):
        return None                             # "A、B两种…" in a stem: no options glued to it
    # two-column pages read row by row put C inside A's text: not this reading
    if any(re.search(rf"(?:^|\s){letters[k + 2]}[ \t]*[{_DELIMS}]", o["text"]) for k, o in enumerate(options)
           if k + 2 < len(letters)):
        return None
    return starts[0][0], options, len(text)


def _labels_from(text: str, letters: str, first, spaced: bool) -> list[tuple[int, int]]:
    starts = [(first.start(), first.end())]
    pos = first.end()
    for letter in letters[1:]:
        pattern = _label_pattern(letter, False)
        if spaced:
            pattern = rf"(?<=[\s　])(?:{pattern})"
        nxt = re.compile(pattern).search(text, pos)
        if not nxt:
            break
        starts.append((nxt.start(), nxt.end()))
        pos = nxt.end()
    return starts


def _two_column(text: str):
    """A … C … / B … D …: labels at line starts or after a run of spaces, in any order."""
    spots = list(re.finditer(rf"(?:^|(?<=\n)|(?<=[ \t]{{2}})|(?<=\u3000))[ \t]*(?P<l>[A-Ha-h])[ \t]*[{_DELIMS}]", text))
    if len(spots) < 2:
        return None
    labels = [m["l"] for m in spots]
    if sorted(labels) not in (list(vocab.OPTION_LETTERS[:len(labels)]), list(vocab.OPTION_LETTERS.lower()[:len(labels)])):
        return None
    options = {}
    for k, m in enumerate(spots):
        end = spots[k + 1].start() if k + 1 < len(spots) else len(text)
        options[m["l"].upper()] = _option_text(text[m.end():end])
    return spots[0].start(), [{"label": lab, "text": options[lab]} for lab in sorted(options)], len(text)


def _option_text(s: str) -> str:
    s = vocab.IMAGE_RE.sub("", s) if "](" in s else s
    s = re.sub(r"\s*\n\s*", "", s).strip()
    return re.sub(r"[ \t]{2,}", " ", s)


# "(分数:2.00)A.B.C.√D." — the option letters listed again, a tick after the right one
_RELISTED = re.compile(rf"(?:{vocab.SCORE_NOTE})?\s*(?P<seq>(?:[A-H]\s*[.．、]\s*[√✓✔]?\s*){{2,}})$")


def _relisted_answer(d: Draft) -> None:
    if not d.options:
        return
    last = d.options[-1]
    m = _RELISTED.search(last["text"])
    if not m or not re.search("[√✓✔]", m["seq"]):
        return
    labels = re.findall(r"([A-H])\s*[.．、]\s*[√✓✔]", m["seq"])
    last["text"] = last["text"][:m.start()].strip()
    if labels and not d.labels:
        d.labels = sorted(set(labels))
        d.answer_source = "inline"


# --- one question ------------------------------------------------------------------

_STRAY = re.compile(r"^\s*[.．、,，:：]\s*")
_BLANK_ANSWER = re.compile(r"[(（]\s*(?P<ans>[A-Ha-h](?:\s*[A-Ha-h]){0,6})\s*[)）]")
_UNDERLINE_ANSWER = re.compile(r"_{1,}\s*(?P<ans>[A-H](?:\s*[A-H]){0,6})\s*_{1,}")
_TRAILING_BRACKET_ANSWER = re.compile(r"【\s*(?P<ans>[A-H]{1,6})\s*】\s*$")
_COLON_LETTER = re.compile(r"(?P<colon>[:：])\s*(?P<ans>[A-H]{1,6})\s*$")
# a blank: two or more underscores anywhere ("低于40____"), one only between words ("x_1" is a name)
_UNDERSCORES = re.compile(r"_{2,}|(?<![A-Za-z0-9_])_(?![A-Za-z0-9_])|＿+")


def read_item(block: Block, at_end: bool = False) -> Draft:
    """Stem, options, inline answer and explanation of one question block
    (at_end: the block runs to the end of a page that may have been cut off)."""
    text = block.text[block.body_start - block.start:]
    d = Draft(block, block.section_type, spans=[(block.start, block.end)])
    # what is printed before the stem: stray punctuation, a type tag, a score, a source tag
    while True:
        before = text
        text = _STRAY.sub("", text, count=1)
        m = vocab.SECTION_TYPE_TAG.match(text.lstrip())
        if m:
            d.tag = vocab.section_type(m["word"])
            text = text.lstrip()[m.end():]
        text = re.sub(rf"^\s*{vocab.SCORE_NOTE}", "", text, count=1)
        text = vocab.STEM_PREFIX_RE.sub("", text, count=1)
        if text == before:
            break
    if d.tag:
        d.kind = d.tag
    main, parts = _cut_parts(text)
    tf_section = d.kind == "true_false"
    d.kind = d.kind if d.kind != "open" else None
    # the stem and the options
    found = find_options(main, at_end and not parts) if d.kind not in ("fill_blank", "short_answer", "essay",
                                                                      "case_analysis") else None
    stem = main
    if found:
        start, d.options, _ = found
        stem = main[:start]
        if at_end and not parts and len(d.options) > 1 and not d.options[-1]["text"]:
            d.options.pop()                     # "C." and then the page ends: no option C
            d.answer_cut = True
    _relisted_answer(d)
    if tf_section and d.options and not _judgement_options(d.options):
        d.kind = "choice"                       # a choice question inside a true/false section
    stem = _read_blank_answers(d, stem)
    _read_parts(d, parts)
    stem = _judgement_line(d, stem)
    if not d.has_answer and d.explanation:
        m = vocab.CONCLUSION.search(d.explanation)
        if m and (d.options or d.kind in CHOICE or d.kind is None):
            d.labels, _ = keys.parse_letters(m["ans"])
            d.answer_source = "inline"
    # a true/false item printed as options A.正确 B.错误 (a single-choice section may ask yes or no)
    truth = _judgement_options(d.options) if d.kind not in ("single_choice", "multiple_choice") else None
    if truth:
        if d.labels:
            d.judgement = truth.get(d.labels[0]) if len(d.labels) == 1 else None
            if d.judgement is None:
                d.flags.add("answer_unreadable")   # "D" (or "AB") for a question of 正确/错误
        d.labels, d.options, d.kind, d.truth = [], [], "true_false", truth
    is_case = d.kind == "case_analysis" or (d.kind in (None, "short_answer") and bool(CASE_MARKERS.search(stem)))
    if not parts and d.kind == "short_answer" and any(w in (block.section or "") for w in DEFINITION_SECTIONS):
        stem = _split_definition(d, stem)
    if d.open_kind and not is_case and not parts and not d.answer_text:
        stem = _numbered_answer(d, stem)
    d.stem = _clean_stem(stem, keep_newlines=is_case)
    d.ends_complete = d.ends_complete or (bool(d.options or d.truth or d.judgement is not None) and not d.explanation
                                          and (not parts or d.has_answer and len(parts) == 1))
    return d


def _judgement_options(options: list[dict]) -> dict[str, bool] | None:
    """{label: judgement} when the options are just 正确/错误 (对/错, √/×) in either order."""
    texts = [o["text"].strip("。. ") for o in options]
    if len(options) != 2 or not all(t in vocab.JUDGEMENT_OPTIONS for t in texts):
        return None
    truth = {o["label"]: vocab.JUDGEMENT_OPTIONS[t] for o, t in zip(options, texts)}
    return truth if set(truth.values()) == {True, False} else None


def _cut_parts(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first answer/explanation marker, and the marked parts after it."""
    parts: list[tuple[str, str]] = []
    marks = list(vocab.ANY_MARKER.finditer(text))
    if not marks:
        return text, parts
    main = text[:marks[0].start()]
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        kind = m.lastgroup
        body = text[m.end():end]
        if parts and not parts[-1][1].strip() and parts[-1][0] == kind:
            parts[-1] = (kind, body)            # "解析:[解析]…": one part
        else:
            parts.append((kind, body))
    return main, parts


def _read_parts(d: Draft, parts: list[tuple[str, str]]) -> None:
    explanation: list[str] = []
    for kind, body in parts:
        if kind == "info":
            continue
        if kind == "explanation":
            explanation.append(body.strip())
            continue
        if d.has_answer:                        # a second answer marker: the explanation's
            explanation.append(body.strip())
            continue
        d.answer_source = "inline"
        rest = _read_answer(d, body)
        if rest.strip():
            explanation.append(rest.strip())
    text = "\n".join(t for t in explanation if t)
    d.explanation = _clean_text(text) or None


def _read_answer(d: Draft, body: str, key: bool = False) -> str:
    """Read an inline answer (or, key=True, a key entry); return what follows it (explanation)."""
    if d.kind in ("short_answer", "essay", "case_analysis", "fill_blank") and not d.options:
        d.answer_text = _clean_text(body) or None
        return ""
    labels, ocr, end = keys.leading_letters(body, glued_ok=key)
    # "F" with no options and no section saying choice: False, as T is True (a sixth option is rarer)
    lone_f = labels == ["F"] and not d.options and d.kind is None and body[:end].strip() == "F"
    if labels and (d.kind != "true_false" or d.options) and not lone_f:
        d.labels = labels
        if ocr:
            d.flags.add("ocr_corrected")
        return body[end:].lstrip(" 。.,，;；")
    value, ocr, end = keys.leading_judgement(body)
    if value is not None:
        d.judgement = value
        if ocr:
            d.flags.add("ocr_corrected")
        return body[end:].lstrip(" 。.,，;；")
    m = vocab.CONCLUSION.search(body[:60])
    if m:
        d.labels, _ = keys.parse_letters(m["ans"])
        return body
    text = _clean_text(body)
    if not text:
        return ""
    first_line = text.split("\n", 1)[0]
    # an answer given as option text: the option it names
    for o in d.options:
        if o["text"] and first_line.strip("。. ") == o["text"].strip("。. "):
            d.labels = [o["label"]]
            return text[len(first_line):]
    if d.options or d.kind in CHOICE:
        if len(first_line) <= 40 and not d.options:
            d.answer_text = first_line          # options not printed: the answer's text is all there is
            return text[len(first_line):]
        d.flags.add("answer_unreadable")
        return text
    d.answer_text = text
    return ""


def _read_blank_answers(d: Draft, stem: str) -> str:
    """Answers written into the blank: "（ B ）", "__B__", a trailing "【B】", "(√)",
    a letter right after the stem's colon ("…创办于:D"). The blank stays as （）."""
    m = vocab.BRACKET_JUDGEMENT.search(stem)
    # ("(F)" is a judgement in a true/false section; without one, a letter in brackets may be a choice's answer)
    if m and m["underlined"] and m["underlined"].isascii() and d.kind != "true_false":
        m = None                                # "__F__": a unit in a blank, unless the section is true/false
    if m and not d.options and (d.kind == "true_false" or d.kind is None and not re.search(r"[(（]\s*[A-H]\s*[)）]", stem)):
        value, ocr = vocab.judgement(m["mark"] or m["underlined"])
        if value is not None:
            d.judgement = value
            d.answer_source = "inline"
            if ocr:
                d.flags.add("ocr_corrected")
            return stem[:m.start()] + "（）" + stem[m.end():]
    if d.options or d.kind in CHOICE:
        for pattern in (_BLANK_ANSWER, _UNDERLINE_ANSWER, _TRAILING_BRACKET_ANSWER):
            m = pattern.search(stem)
            if m:
                labels, _ = keys.parse_letters(m["ans"])
                if labels:
                    d.labels, d.answer_source = labels, "inline"
                    return stem[:m.start()] + "（）" + stem[m.end():]
        m = _COLON_LETTER.search(stem.rstrip())
        if m and d.options:
            labels, _ = keys.parse_letters(m["ans"])
            d.labels, d.answer_source = labels, "inline"
            return stem.rstrip()[:m.start("ans")] + "（）"
    return stem


_TRAILING_JUDGEMENT = re.compile(
    rf"(?:(?P<blank>[(（][ \t\u3000]*[)）]|_{{2,}}|＿+)|[{vocab.TERMINAL}])[ \t]*"
    rf"(?P<mark>{vocab.alternation(vocab.BRACKET_JUDGEMENTS)})$")


def _judgement_line(d: Draft, stem: str) -> str:
    """A judgement at the start of the line under a true/false statement answers it: "…圆的。\n√",
    "…升起。\n× 太阳从东边升起。" (what follows the mark explains it). Outside a true/false section only
    a mark alone on its line counts."""
    if d.has_answer or d.options or d.kind not in ("true_false", None):
        return stem
    # the mark right after the blank or the statement's end, its line joined to the stem's:
    # "…联系。（）错误", "…可以。√" (outside a true/false section: no letter, "电容为____F" is a unit;
    # a word only after a blank)
    m = _TRAILING_JUDGEMENT.search(stem.rstrip())
    if m and (d.kind == "true_false" or not m["mark"].isascii() and (m["blank"] or m["mark"] in vocab.JUDGEMENT_SYMBOLS)):
        value, ocr = vocab.judgement(m["mark"])
        if value is not None:
            d.judgement, d.answer_source, d.ends_complete = value, "inline", True
            if ocr:
                d.flags.add("ocr_corrected")
            return stem.rstrip()[:m.start("mark")].rstrip()
    head, sep, line = stem.rstrip().rpartition("\n")
    if not sep or not head.strip():
        return stem
    value, ocr, end = keys.leading_judgement(line)
    rest = line[end:]
    if value is None or (rest.strip() and (d.kind is None or not re.match(r"[\s,，.。:：;；、]", rest))):
        return stem                             # "错误的是…": a statement going on, not a mark
    d.judgement, d.answer_source = value, "inline"
    if ocr:
        d.flags.add("ocr_corrected")
    rest = rest.lstrip(" \t,，.。:：;；、").rstrip()
    if rest and not d.explanation:
        d.explanation = rest
    d.ends_complete = not rest                  # a page that ends on the mark is not cut
    return head


def _split_definition(d: Draft, stem: str) -> str:
    """名词解释 printed as "需求 消费者在一定时期内…": the term is the stem, the rest its answer."""
    m = re.match(r"\s*(?P<term>[^\s。，,;；:：]{1,20})[ \t\u3000]+(?P<definition>\S.*)", stem, re.S)
    if m and len(m["definition"].strip()) > len(m["term"]):
        d.answer_text = _clean_text(m["definition"])
        d.answer_source = "inline"
        return m["term"]
    return stem


_NUMBERED_POINT = re.compile(r"^\s*(?:1\s*[.、．]|[(（]1[)）]|①)\s*\S")


def _numbered_answer(d: Draft, stem: str) -> str:
    """An open question whose answer is printed as a numbered list without any 答案 label."""
    lines = stem.split("\n")
    k = next((i for i, ln in enumerate(lines) if i and _NUMBERED_POINT.match(ln)), None)
    if k is None:
        return stem
    d.answer_text = _clean_text("\n".join(lines[k:]))
    d.answer_source = "inline"
    return "\n".join(lines[:k])


def _clean_stem(stem: str, keep_newlines: bool) -> str:
    stem = re.sub(rf"\s*{vocab.SCORE_NOTE}\s*$", "", stem.strip())
    stem = vocab.IMAGE_RE.sub("", stem)
    stem = re.sub(r"_[ \t]*\n\s*_", "__", stem)           # a blank broken over two lines
    stem = _UNDERSCORES.sub("（）", stem)
    stem = re.sub(r"[(（]\s*$", "（）", stem)             # OCR lost the closing bracket
    lines = [ln.strip() for ln in stem.split("\n") if ln.strip()]
    return ("\n" if keep_newlines else "").join(lines).strip()


def _clean_text(text: str) -> str:
    """Answer and explanation text: info labels and what they label out, lines kept."""
    text = vocab.IMAGE_RE.sub("", text)
    lines = [ln.strip() for ln in text.strip().split("\n")]
    return "\n".join(ln for ln in lines if ln).strip()


# --- answer keys --------------------------------------------------------------------

@dataclass
class KeyPart:
    """One stretch of an answer key, with the chapter and section it names (or sits in)."""
    chapter_label: str | None
    section: str | None
    section_type: str | None
    start: int
    end: int
    text: str
    headed: bool                      # under a section heading of its own inside the key
    chapter: str | None = None        # the chapter's title as printed
    fit: float = 0.0                  # the share of its entries that found their question
    entries: dict[int, KeyEntry] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)


def collect_keys(blocks: list[Block]) -> list[KeyPart]:
    parts: list[KeyPart] = []
    in_key = False
    headed = False
    for b in blocks:
        if b.kind == "key_heading":
            in_key, headed = True, False
            continue
        if b.kind == "section":
            headed = in_key
            continue
        if b.kind == "chapter":
            headed = False
            continue
        if b.kind == "question":
            in_key = False
            continue
        if b.kind != "key":
            continue
        last = parts[-1] if parts else None
        if last and last.end >= b.start - 1 and (last.chapter_label, last.section) == (b.chapter_label, b.section):
            last.text += "\n" + b.text
            last.end = b.end
        else:
            parts.append(KeyPart(b.chapter_label, b.section, b.section_type, b.start, b.end, b.text, headed,
                                 chapter=b.chapter))
    return parts


def _group_id(chapter_label, section, section_type):
    return chapter_label, section_type if section_type not in (None, "open", "choice") else section


def link_keys(drafts: list[Draft], parts: list[KeyPart], text_end: int) -> None:
    """Join each key part to the questions it answers.

    Candidate groups are the questions of the key's chapter and section; if the
    key names none, the questions just before it; a key printed at the end for
    several chapters without repeating them may answer any group with its
    section. The group whose numbers (and option letters) the entries fit best wins."""
    groups: dict[tuple, list[Draft]] = {}
    drafts = sorted(drafts, key=lambda d: d.block.start)
    for d in drafts:
        groups.setdefault(_group_id(d.block.chapter_label, d.block.section, d.block.section_type), []).append(d)
    # indexes built once: a page of thousands of questions and keys must not scan a group per key
    starts = [d.block.start for d in drafts]
    group_starts = {gid: [d.block.start for d in group] for gid, group in groups.items()}
    scopes = {gid: Scope.of(group) for gid, group in groups.items()}
    part_ends = sorted(p.end for p in parts)

    def scope_of(part, gid):
        if part.headed:
            return scopes[gid]
        near = _near(part, groups[gid], group_starts[gid], part_ends)
        return Scope.of(near) if near else scopes[gid]

    for part in parts:
        chosen = None
        k = bisect_left(starts, part.start)
        for gid in _candidate_groups(part, groups, drafts[k - 1] if k else None):
            scope = scope_of(part, gid)
            entries = _parse_part(part, scope)
            fit = _fit(part, entries, scope)
            if chosen is None or fit > chosen[0] + 0.05:
                chosen = (fit, scope, entries)
            if fit >= SURE_FIT:
                break                           # the nearest scope that fits wins
        if chosen is None or chosen[0] < 0.3:
            part.entries = _parse_part(part, Scope.of([]))
            continue
        part.fit, scope, part.entries = chosen
        last = max(part.entries, default=0)
        cut = part.end >= text_end
        for n, e in part.entries.items():
            # one entry answers one question: the first of that number no key answered yet, of the
            # key's type first ("二、单项选择题 1.D" after "一、判断题 1.√")
            d = _answerable(part, scope, n)
            if d is None:
                continue
            _apply_entry(d, e, part, cut=cut and n == last)
            part.used.add(n)                    # its question is here, even where the entry is blank
            if part.fit < SURE_FIT:
                d.flags.add("reading_doubtful")  # a key that half fits: its answers may belong elsewhere
        if cut:
            # the page ends inside this key before reaching these questions' entries
            for d in scope.members:
                if d.block.value is not None and d.block.value > last and not d.has_answer:
                    d.answer_cut = True


SURE_FIT = 0.6          # a key whose entries find their questions less often than this is a doubtful reading


@dataclass
class Scope:
    """The questions a key part may answer, by number, and what kinds they are."""
    members: list[Draft]
    by_number: dict[tuple, list[Draft]]   # (number,) and (number, kind) → the questions, in text order
    all_fill: bool          # only 填空 items: "5．5　6．8" are short answers, not letters
    objective: bool         # some choice or true/false items
    open_: bool             # some open items
    skip: dict[tuple, int] = field(default_factory=dict)   # per list, how many lead ones a key answered

    @classmethod
    def of(cls, members: list[Draft]) -> Scope:
        by_number: dict[tuple, list[Draft]] = {}
        for d in members:
            by_number.setdefault((d.block.value,), []).append(d)
            by_number.setdefault((d.block.value, d.kind), []).append(d)
        return cls(members, by_number, bool(members) and all(m.kind == "fill_blank" for m in members),
                   any(m.kind in CHOICE + ("true_false",) or m.options for m in members),
                   any(m.open_kind for m in members))

    def first_unanswered(self, key: tuple) -> Draft | None:
        """The first question of the list no key answered yet. Key answers only ever get added, so
        the answered ones are skipped once (a page of a thousand question 1s answered one by one)."""
        same = self.by_number.get(key, [])
        k = self.skip.get(key, 0)
        while k < len(same) and same[k].answer_source == "answer_key":
            k += 1
        self.skip[key] = k
        return same[k] if k < len(same) else None


def _near(part: KeyPart, group: list[Draft], group_starts: list[int], part_ends: list[int]) -> list[Draft]:
    """A key no heading of its own answers the questions between the previous key and itself
    (pages without headings print a key after each group of questions). group: in text order, with
    its questions' starts; part_ends: every key part's end, sorted."""
    k = bisect_right(part_ends, part.start)
    before = part_ends[k - 1] if k else -1
    return group[bisect_left(group_starts, before):bisect_left(group_starts, part.start)]


def _answerable(part: KeyPart, scope: Scope, n: int) -> Draft | None:
    """The question entry n answers: of that number, no key's answer yet, the key's type first."""
    typed = scope.first_unanswered((n, part.section_type)) if part.section_type not in (None, "open", "choice") else None
    return typed or scope.first_unanswered((n,))


def _candidate_groups(part: KeyPart, groups: dict, last: Draft | None) -> list[tuple]:
    """last: the last question before the key (None when the key comes first)."""
    sid = part.section_type if part.section_type not in (None, "open", "choice") else part.section
    out: dict[tuple, None] = {}       # an ordered set: the nearest scope first
    if part.headed or part.section is not None:
        if (part.chapter_label, sid) in groups:
            out[part.chapter_label, sid] = None
        # the same section in another chapter (a key at the end that does not repeat chapters)
        out.update((g, None) for g in groups if g[1] == sid)
        # a section title that only matches by title
        out.update((g, None) for g in groups if g[1] == part.section)
    if last is not None:
        out[_group_id(last.block.chapter_label, last.block.section, last.block.section_type)] = None
    # numbering that runs across sections: every group of the chapter
    out.update((g, None) for g in groups if g[0] == part.chapter_label)
    return list(out)


def _parse_part(part: KeyPart, scope: Scope) -> dict[int, KeyEntry]:
    if scope.all_fill:
        return keys.parse_objective(part.text, part.start)   # short answers one after another: "5．5　6．8"
    objective, open_ = scope.objective, scope.open_
    if objective and not open_ or not scope.members and keys.looks_objective(part.text):
        return keys.parse_objective(part.text, part.start)
    if open_ and not objective and not keys.looks_objective(part.text):
        return keys.parse_open(part.text, part.start)
    return keys.parse_objective(part.text, part.start) if keys.looks_objective(part.text) else \
        keys.parse_open(part.text, part.start)


def _fit(part: KeyPart, entries: dict[int, KeyEntry], scope: Scope) -> float:
    """The share of the key's entries that find a question to answer: one of
    that number, not answered from a key yet, whose options hold the letters."""
    if not entries or not scope.members:
        return 0.0
    good = 0.0
    for n, e in entries.items():
        d = _answerable(part, scope, n)
        if d is None:
            continue
        if d.has_answer:                        # inline answers: the key may repeat them
            good += 0.5
            continue
        if d.kind == "true_false" and not d.truth and keys.leading_judgement(_strip_answer_marker(e.raw))[0] is not None:
            good += 1.0
            continue
        labels, _, _ = keys.leading_letters(_strip_answer_marker(e.raw))
        if d.options and labels:
            fits = set(labels) <= {o["label"] for o in d.options}
            single = d.kind == "single_choice" and len(labels) > 1
            good += 1.0 if fits and not single else 0.3
        elif d.kind == "true_false" and labels:
            good += 1.0 if d.truth and len(labels) == 1 and labels[0] in d.truth else 0.2
        else:
            good += 1.0
    return good / len(entries)


def _key_answer(e: KeyEntry, kind: str | None):
    """An orphan entry's answer as a record would hold it: letters, a judgement, or text."""
    raw = _strip_answer_marker(e.raw)
    if kind == "true_false":
        return keys.leading_judgement(raw)[0]
    if kind in CHOICE or kind is None:
        labels, _, end = keys.leading_letters(raw, glued_ok=True)
        if labels:
            return "".join(labels)
        if kind is not None:
            return None
    return _clean_text(raw) or None


def _strip_answer_marker(raw: str) -> str:
    return re.sub(rf"^\s*{vocab.ANSWER_MARKER.pattern}\s*", "", raw)


def _apply_entry(d: Draft, e: KeyEntry, part: KeyPart, cut: bool = False) -> bool:
    """Read the entry as this question's answer. False when it answers nothing readable.
    cut: the entry is the last one, where the page ends."""
    if d.has_answer and d.answer_source == "inline":
        _check_conflict(d, e)
        return True
    raw = e.raw
    main, extra = _cut_parts(raw)
    # "【正确答案】 text【知识模块】 …": the answer is the first marked part
    if not main.strip() and extra and extra[0][0] == "answer":
        main, extra = extra[0][1], extra[1:]
    d.spans.append((e.start, e.end))
    if d.kind is None and not d.options:
        # a question no heading typed: a judgement or letters in the key say what it is
        value, ocr, end = keys.leading_judgement(main)
        if value is not None and not main[end:].strip(" 。."):
            d.judgement, d.kind, d.answer_source = value, "true_false", "answer_key"
            return True
    if d.open_kind:
        d.answer_text = _clean_text(main) or None
        if cut and not _TERMINAL_END.search(main.rstrip()):
            d.answer_cut = True
    else:
        probe = Draft(d.block, d.kind if not d.truth else "choice", options=d.options)
        rest = _read_answer(probe, main, key=True)
        if probe.labels and d.truth and len(probe.labels) == 1 and probe.labels[0] in d.truth:
            d.judgement = d.truth[probe.labels[0]]   # "1.A" for a true/false item printed as A.正确 B.错误
        elif probe.labels and d.kind != "true_false":
            d.labels = probe.labels
        elif probe.judgement is not None:
            d.judgement = probe.judgement
        elif probe.answer_text:
            d.answer_text = probe.answer_text
        d.flags |= probe.flags - {"answer_unreadable"}
        if e.ocr:
            d.flags.add("ocr_corrected")
        if not (d.labels or d.judgement is not None or d.answer_text):
            if main.strip():
                d.flags.add("answer_unreadable")
            return False
        explanation = [rest.strip()] if rest.strip() else []
        explanation += [b.strip() for k, b in extra if k == "explanation"]
        if explanation and not d.explanation:
            d.explanation = _clean_text("\n".join(explanation)) or None
        if cut and extra and not _TERMINAL_END.search(raw.rstrip()):
            d.answer_cut = True
    d.answer_source = "answer_key"
    return True


def _check_conflict(d: Draft, e: KeyEntry) -> None:
    labels, _, _ = keys.leading_letters(_strip_answer_marker(e.raw))
    if labels and d.labels and labels != d.labels:
        d.flags.add("answer_conflict")


# --- types ---------------------------------------------------------------------------


def decide_type(d: Draft, neighbours: Counter) -> str:
    kind = d.kind
    if d.options or kind in CHOICE:
        if len(d.labels) > 1:
            return "multiple_choice"
        if kind in ("single_choice", "multiple_choice"):
            return kind
        if not d.labels and neighbours:
            return neighbours.most_common(1)[0][0]
        if d.judgement is not None and not d.options:
            return "true_false"
        return "single_choice"
    if kind == "true_false" or (kind is None and d.judgement is not None):
        return "true_false"
    if kind in ("fill_blank", "essay", "case_analysis"):
        return kind
    if kind == "short_answer":
        return "case_analysis" if CASE_MARKERS.search(d.stem) and "名词" not in (d.block.section or "") else kind
    if kind is None and d.labels:
        return "multiple_choice" if len(d.labels) > 1 else "single_choice"
    if kind is None and not d.has_answer and "（）" in d.stem and neighbours:
        return neighbours.most_common(1)[0][0]    # among choice questions, a choice question whose options were lost
    return "case_analysis" if CASE_MARKERS.search(d.stem) else "short_answer"


# --- records -------------------------------------------------------------------------


def record_id(doc_id: str, chapter, section, number, stem: str) -> str:
    h = hashlib.sha256("\x1f".join(str(x or "") for x in (doc_id, chapter, section, number, stem)).encode())
    return "q_" + h.hexdigest()[:16]


def finish(d: Draft, doc: Document, ordinal: int, inline_doc: bool, last: bool) -> QuestionRecord:
    b = d.block
    qtype = d.type
    stem = d.stem if qtype == "case_analysis" else d.stem.replace("\n", "")
    options, labels, judgement = d.options, d.labels, d.judgement
    flags = set(d.flags)
    answer_text = d.answer_text
    if qtype in ("single_choice", "multiple_choice"):
        judgement = None
        if not options:
            flags.add("options_missing")
        elif labels and not set(labels) <= {o["label"] for o in options}:
            flags.add("options_missing")        # the page lost the option the answer names
        if qtype == "single_choice" and len(labels) > 1:
            labels = labels[:1]
    else:
        options, labels = [], []
        if qtype != "true_false":
            judgement = None
        else:
            answer_text = None
    if qtype == "true_false" and answer_text:
        answer_text = None
    has_answer = bool(labels) or judgement is not None or bool(answer_text)
    text = doc.text.rstrip()
    at_end = b.end >= len(text)
    if (at_end and not _TERMINAL_END.search(text) and not d.ends_complete) or d.answer_cut:
        flags.add("truncated")
    if at_end and "options_missing" in flags:
        flags.add("truncated")                  # the page ends where its options should be
    if not has_answer:
        flags.add("answer_missing")
        if last and inline_doc and "answer_unreadable" not in flags:
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


def assign_lost_sections(questions: list[Block], parts: list[KeyPart]) -> None:
    """Numbering restarts without a heading: a page gap lost it. The questions after
    the restart belong to the section that follows the previous one in the chapter's key."""
    lost = None          # (printed section it replaces, chapter, assigned section, its type)
    by_chapter: dict = {}                       # the key's sections per chapter, in order (built once)
    titles_of: dict = {}
    for p in parts:
        if p.section:
            by_chapter.setdefault(p.chapter_label, []).append(p)
    for b in questions:
        if lost and (b.chapter_label, b.section) != (lost[1], lost[0]):
            lost = None                         # a heading of its own again
        if b.restart:
            prev = lost[2] if lost else b.section
            order = by_chapter.get(b.chapter_label, [])
            titles = titles_of.setdefault(b.chapter_label, [p.section for p in order])
            if prev in titles and titles.index(prev) + 1 < len(titles):
                nxt = order[titles.index(prev) + 1]
                lost = (b.section, b.chapter_label, nxt.section, nxt.section_type)
        if lost:
            b.section, b.section_type = lost[2], lost[3]


def share_material(shared: list[Block], drafts: list[Draft]) -> None:
    """Material printed once for a run of questions goes to each of them, so every record stands
    alone: a shared case before the stem ("（2～3题共用题干）患者…"), shared options A–E to
    questions printed without their own ("（4～5题共用备选答案）")."""
    for block in shared:
        first, last = (int(n) for n in block.number.split("-"))
        material = block.text[block.body_start - block.start:]
        asked = [d for d in drafts if d.block.start > block.start and d.block.value is not None
                 and first <= d.block.value <= last and d.block.section == block.section
                 and d.block.chapter_label == block.chapter_label]
        if block.title == "stem":
            stem = _clean_stem(material, keep_newlines=False)
            if not stem:
                continue
            for d in asked:
                d.stem = f"{stem}\n{d.stem}"
                d.spans.append((block.body_start, block.end))
            continue
        found = find_options(material)
        if not found:
            continue
        for d in asked:
            if d.options:
                continue
            d.options = [dict(o) for o in found[1]]
            d.spans.append((block.body_start, block.end))
            if d.kind in (None, "open", "short_answer"):
                d.kind = "choice"
            # the answer read before the options came: a letter is a label now ("答案：B")
            labels, _ = keys.parse_letters(d.answer_text or "")
            if labels and set(labels) <= {o["label"] for o in d.options} and len((d.answer_text or "").strip()) <= 8:
                d.labels, d.answer_text = labels, None


def build_records(doc: Document, blocks: list[Block], stats: StageStats) -> list[QuestionRecord]:
    parts = collect_keys(blocks)
    assign_lost_sections([b for b in blocks if b.kind == "question"], parts)
    end = len(doc.text.rstrip())
    drafts = [read_item(b, at_end=b.end >= end) for b in blocks if b.kind == "question"]
    drafts = [d for d in drafts if d.stem or d.options]
    share_material([b for b in blocks if b.kind == "shared"], drafts)
    link_keys(drafts, parts, end)
    # types: a choice question without an answer takes its neighbours' type
    by_group: dict[tuple, Counter] = {}
    for d in drafts:
        if d.options and d.labels:
            by_group.setdefault((d.block.chapter_label, d.block.section), Counter())[
                "multiple_choice" if len(d.labels) > 1 else "single_choice"] += 1
    for d in drafts:
        d.type = decide_type(d, by_group.get((d.block.chapter_label, d.block.section), Counter()))
    for d, nxt in zip(drafts, drafts[1:]):
        if nxt.block.restart and d.type in vocab.CHOICE_TYPES and not d.options:
            d.flags.add("truncated")            # a page gap took its options (the numbering restarts after it)
        if nxt.block.gap and not nxt.block.restart:
            nxt.flags.add("reading_doubtful")   # numbers skipped: a question lost, or a number misread
    inline_doc = any(d.answer_source == "inline" for d in drafts)
    records = [finish(d, doc, n, inline_doc, n == len(drafts)) for n, d in enumerate(drafts, 1)]
    for rec in records:
        stats.kept[rec.type] += 1
    orphans = []
    for part in parts:
        for n, e in part.entries.items():
            if n not in part.used:
                orphans.append({"chapter": part.chapter, "section": part.section, "number": str(n),
                                "raw_answer": e.raw[:80], "answer": _key_answer(e, part.section_type)})
    doc.orphan_answers = orphans
    doc.checks = self_checks(blocks, drafts, parts, orphans)
    stats.dropped["orphan_answers"] += len(orphans)
    return records


def self_checks(blocks: list[Block], drafts: list[Draft], parts: list[KeyPart], orphans: list) -> dict:
    """What the reading of a document can check about itself: question counts its headings
    declare against those found, numbering that skips, key entries used and unused."""
    sections = []
    for b in blocks:
        if b.kind == "section" and b.declared:
            found = sum(1 for d in drafts if (d.block.chapter, d.block.section) == (b.chapter, b.section)
                        and d.block.start > b.start)
            sections.append({"chapter": b.chapter, "section": b.section, "declared": b.declared, "found": found})
    gaps = [{"chapter": d.block.chapter, "section": d.block.section, "number": d.block.number}
            for d in drafts if d.block.gap and not d.block.restart]
    entries = sum(len(p.entries) for p in parts)
    return {"questions": len(drafts), "declared": sections,
            "declared_mismatch": sum(1 for s in sections if s["declared"] != s["found"]),
            "numbering_gaps": gaps, "key_entries": entries, "key_entries_used": entries - len(orphans),
            "key_entries_unused": len(orphans),
            "doubtful": sum(1 for d in drafts if "reading_doubtful" in d.flags)}
