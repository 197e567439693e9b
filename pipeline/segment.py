"""Normalized text → blocks: chapters, sections, answer keys and questions.

Pages arrive with one question a line, or a whole page on one line, with or
without headings, numbered every way or not at all. Segmentation therefore
works on the whole text, not on lines:

1. Headings (chapter, section, answer key) are found on their own lines and
   glued inside running text.
2. Answer keys are the stretches after a key heading, up to the first
   heading that opens new questions, and any run of dense key entries
   (`1.A 2.C 3.B`, `1-10 ABCDA…`).
3. Every number that could open a question is a candidate (`1.`, `2、`,
   `(3)`, `第4题`, `【例题5】`, `6从…`). The question numbers are the chain of
   candidates that reads most consistently: numbering runs on by one,
   restarts after a heading, keeps its printed style; a number followed by
   a digit (`3.0.5 MPa`), by a measure word (`3人以上`), or inside brackets
   (`(2008 年 4 月)`) needs the chain's support to count. A Viterbi pass over
   the candidates keeps this linear.
4. Stretches with option sets but no numbers at all are cut into items at
   their paragraph breaks.

The blocks cover the text in order; every character belongs to one block.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass

from . import keys, vocab
from .vocab import CN_DIGITS, HAN

# --- blocks -------------------------------------------------------------------


@dataclass
class Block:
    kind: str                   # chapter | section | key_heading | key | question | shared | text
    start: int
    end: int
    text: str
    title: str | None = None    # heading title
    number: str | None = None   # question number as printed
    value: int | None = None    # its numeric value
    chapter: str | None = None  # chapter title in effect
    chapter_label: str | None = None  # its identity ("第一章"), for scoping keys
    section: str | None = None  # section title in effect
    section_type: str | None = None
    body_start: int = 0         # where the question text starts (after its number)
    gap: bool = False           # the question follows a break in the numbering
    restart: bool = False       # ... a restart without a heading: a page gap ate one
    declared: int | None = None  # a heading's declared question count


# --- headings -------------------------------------------------------------------

_NOTE = r"[(（](?![ \t]*\d{1,3}[ \t]*[)）])[^()（）\n]{0,60}[)）]"     # not "(1)": that opens a question
_SECTION_TITLE = (rf"[^\n。？?！!;；:：()（）、.．,，\d{CN_DIGITS}]{{0,10}}?(?:{vocab.SECTION_ALT}|{vocab.MODULE_ALT})"
                  rf"(?:题|部分|类题)?")
# "一、单项选择题（每题1分，共20分）：" on its own line, numbering optional
SECTION_LINE = re.compile(
    rf"^[ \t]*(?P<num>{vocab.HEADING_NUMBER})?[ \t]*(?P<title>{_SECTION_TITLE})[ \t]*(?P<note>(?:{_NOTE}[ \t]*)*)[:：]?[ \t]*$",
    re.M)
# "二、XXXX题（…）" on its own line: numbered and ending in 题, naming no known type
GENERIC_SECTION_LINE = re.compile(
    rf"^[ \t]*(?P<num>[{CN_DIGITS}]{{1,3}}[ \t]*[、.．]|[(（][{CN_DIGITS}]{{1,3}}[)）])[ \t]*"
    rf"(?P<title>[^\n。！!()（）:：,，;；]{{0,11}}[^\n。？?！!()（）:：,，;；])"
    rf"[ \t]*(?P<note>(?:{_NOTE}[ \t]*)*)[:：]?[ \t]*$", re.M)
# the same glued into running text: numbered, ending at the type word (+题)
SECTION_GLUED = re.compile(
    rf"(?<![{CN_DIGITS}])(?:(?P<num>[{CN_DIGITS}]{{1,3}}[ \t]*[、.．]|[(（][{CN_DIGITS}]{{1,3}}[)）])[ \t]*"
    rf"(?P<title>[^\n。？?！!()（）:：{CN_DIGITS}\d]{{0,8}}?(?:{vocab.SECTION_ALT})题?)"
    rf"|(?<![^\s)）])(?P<num2>[{CN_DIGITS}]{{1,3}})[ \t]+(?P<title2>(?:{vocab.SECTION_ALT})题)"
    rf"|(?P<title3>(?:{vocab.SECTION_ALT})题)"
    rf"(?=[ \t]*(?:第[ \t]*\d{{1,3}}[ \t]*题|\d{{1,3}}[ \t]*[.、．)）]|[(（]\d{{1,3}}[)）])))"
    rf"[ \t]*(?P<note>(?:{_NOTE}[ \t]*)*)[:：]?")
CHAPTER_AT = re.compile(rf"(?P<label>{vocab.CHAPTER_LABEL})")
# a title line that ends with a part number: "…测试题目(一)", "…真题8卷 第1卷"
PART_TITLE_LINE = re.compile(
    rf"^[ \t]*(?P<title>[^\n。？?！!]{{2,40}}?(?:试题|试卷|测试|练习|真题|题目|题库|习题|考题)[^\n。？?！!]{{0,12}}?"
    rf"(?P<label>[(（][{CN_DIGITS}\d]{{1,3}}[)）]|第\s*[{CN_DIGITS}\d]{{1,3}}\s*[卷套篇]"
    rf"|[卷篇套]\s*[{CN_DIGITS}\d]{{1,3}}))[ \t]*$",
    re.M)
# "参考答案", "本章答案:", "模拟试卷（一）参考答案", "…测试题参考答案及解析"
KEY_LINE = re.compile(rf"^[ \t]*(?P<title>[^\n。？?！!]{{0,40}}?)(?P<key>{vocab.KEY_HEADING_WORDS})[ \t]*[:：]?[ \t]*$", re.M)
KEY_GLUED = re.compile(rf"(?P<key>{vocab.KEY_HEADING_WORDS})[ \t]*[:：]?")
_KEY_MARK = vocab.alternation(vocab.KEY_JUDGEMENTS)
_ENTRY = rf"(?:(?:\d{{1,3}}|[(（]\d{{1,3}}[)）])\s*[.、．:：]?\s*(?:[A-Ha-h]{{1,8}}|{_KEY_MARK}))"
_RANGE = rf"(?:\d{{1,3}}\s*[-—~～－]\s*\d{{1,3}}\s*[:：.、]?\s*(?:(?:[A-H]|{_KEY_MARK})\s*){{2,}})"
# a key heading's own line may go on with its entries: "答案:1.B 2.A", "本章答案:1、AB D 2、…"
ENTRIES_AHEAD = re.compile(rf"\s*(?:{_ENTRY}|{_RANGE})")


@dataclass
class Mark:
    kind: str                 # chapter | section | key | shared (material for a run of questions)
    start: int
    end: int
    title: str
    label: str | None = None  # chapter identity
    qtype: str | None = None
    declared: int | None = None
    glued: bool = False
    bare: bool = False        # a key heading that is only "答案"/"答案与解析": an inline marker unless entries follow


def _declared(note: str) -> int | None:
    m = vocab.COUNT_NOTE_RE.search(note or "")
    if not m:
        return None
    return int(next(g for g in m.groups() if g))


def _heading_type(title: str, note: str | None) -> str | None:
    """The type a heading names; a note that tells how to mark answers (正确的打√) names true/false."""
    kind = vocab.section_type(title)
    if kind is None and note and vocab.TF_INSTRUCTION.search(note):
        return "true_false"
    return kind


def _clean_title(title: str) -> str:
    return re.sub(r"\s+", "", title).strip("、.．:： ")


def _chapter_label(label: str) -> str:
    """"第 一 章" → "第1章", "专题一" → "专题1": the identity used to match a key's chapter to the questions'."""
    label = re.sub(r"\s+", "", label)
    return re.sub(rf"[{CN_DIGITS}]+", lambda m: str(vocab.chinese_number(m[0]) or m[0]), label)


def find_headings(text: str) -> list[Mark]:
    marks: list[Mark] = []
    starts: list[int] = []          # the marks' spans, disjoint, kept in order: a page on one line
    ends: list[int] = []            # holds thousands of them, so no scan over all of them per match
    heading_at: dict[int, Mark] = {}
    section_starts: list[int] = []

    def free(a, b):
        k = bisect_left(starts, b)
        return k == 0 or ends[k - 1] <= a

    def add(mark):
        if mark.end > mark.start and free(mark.start, mark.end):
            marks.append(mark)
            k = bisect_left(starts, mark.start)
            starts.insert(k, mark.start)
            ends.insert(k, mark.end)
            if mark.kind in ("section", "chapter"):
                heading_at[mark.start] = mark
            if mark.kind == "section":
                insort(section_starts, mark.start)

    def section_from(pos):
        """The start of the first section heading at or after pos (None: there is none)."""
        k = bisect_left(section_starts, pos)
        return section_starts[k] if k < len(section_starts) else None

    # material shared by a run of questions: "（2～3题共用题干）…" (its range in label: "2-3")
    for m in vocab.SHARED_MARK.finditer(text):
        add(Mark("shared", m.start(), m.end(), m[0], label=f"{m['first']}-{m['last']}",
                 qtype=vocab.SHARED_MATERIAL[m["word"]]))
    # key headings on their own line (the title before the key word may name a chapter)
    for m in KEY_LINE.finditer(text):
        title = m["title"].strip()
        if vocab.BLANK_RE.search(title) or re.search(r"[（(]\s*[)）]", title):
            continue
        if title and not _KEY_TITLE.search(title):
            continue               # "正确答案": an answer word, not a title before a key word
        add(Mark("key", m.start("title") if title else m.start("key"), m.end(), _clean_title(m[0]), bare=not title))
    # section headings on their own line
    for pattern in (SECTION_LINE, GENERIC_SECTION_LINE):
        for m in pattern.finditer(text):
            title = _clean_title(m["title"])
            if not title or re.fullmatch(r"[\d\s]*", title) or _OPTION_AT.match(m["title"]):
                continue            # "A.单项选择" is an option; "A1型题", "A3/A4型题" are sections
            start = m.start("num") if m["num"] else m.start("title")
            add(Mark("section", start, m.end(), title, qtype=_heading_type(title, m["note"]), declared=_declared(m["note"])))
    # chapters: a label at the start of a line, its title the rest of the line
    for m in CHAPTER_AT.finditer(text):
        if not _at_line_start(text, m.start()):
            continue
        line_end = text.find("\n", m.end(), m.end() + LOOKBACK)
        line_end = min(len(text), m.end() + LOOKBACK) if line_end < 0 else line_end
        rest = text[m.end():line_end]
        cut = _title_end(rest)
        title = rest[:cut]
        if len(title.strip()) > 40 or re.search(r"[（(]\s*[)）]|[?？]", title):
            continue
        label = _chapter_label(m["label"])
        add(Mark("chapter", m.start(), m.end() + len(title.rstrip()), _chapter_title(m["label"], title), label=label,
                 glued=cut < len(rest.strip())))
    for m in PART_TITLE_LINE.finditer(text):
        add(Mark("chapter", m.start("title"), m.end("title"), _clean_title(m["title"]),
                 label=_chapter_label(m["label"])))
    # glued section headings: "…及答案一、单项选择题（…）1.下列…"
    for m in SECTION_GLUED.finditer(text):
        title = _clean_title(m["title"] or m["title2"] or m["title3"])
        after = text[m.end():m.end() + 12]
        if not title or not (after == "" or re.match(rf"\s*(?:\n|\d|第|[(（【\[]|{vocab.SECTION_ALT}|$)", after)):
            continue
        add(Mark("section", m.start(), m.end(), title, qtype=_heading_type(title, m["note"]),
                 declared=_declared(m["note"]), glued=True))
    # glued chapters: "…CDE第二章一、名词解释…", "…参考答案专题一 …概论一、判断题1." — only
    # when a section heading or a first question follows the title
    for m in CHAPTER_AT.finditer(text):
        if not free(m.start(), m.end()):
            continue
        rest = text[m.end():m.end() + 40]
        cut = _title_end(rest)
        follow = rest[cut:]
        nearest = section_from(m.end())
        if not ((nearest is not None and nearest <= m.end() + cut + 1) or re.match(r"\s*[1１][.．、\s]", follow)):
            continue
        title = rest[:cut]
        if re.search(r"[。？?！!]", title):
            continue
        add(Mark("chapter", m.start(), m.end() + len(title.rstrip()), _chapter_title(m["label"], title),
                 label=_chapter_label(m["label"]), glued=True))
    # glued key headings: "…是_。…模拟试卷 1 答案与解析一、名词解释", "答案:1.C2.D…"
    first_numbered: dict[int, int] = {}     # where "N." or "第N题" first occurs (a page on one line has
                                            # thousands of key words: no search back from each)
    for m in KEY_GLUED.finditer(text):
        if not free(m.start(), m.end()):
            continue
        after = text[m.end():m.end() + LOOKAHEAD]
        # (the nearest section heading after the key word: text between it and a farther one is longer)
        nearest = section_from(m.end())
        section_next = nearest is not None and _SPACES.match(text, m.end()).end() >= nearest
        entries = ENTRIES_AHEAD.match(after)
        # one entry is a key when nothing but a line end or a heading follows it: "答案：1.错案例分析题"
        single = entries and (_SPACES.match(text, m.end() + entries.end()).end() == len(text)
                              or after[entries.end():entries.end() + 1] == "\n"
                              or m.end() + entries.end() in heading_at)
        # "答案：1.控制2.外部3.…": numbered answers on the marker's line; a key if they answer a section
        # (or from the number the section's questions started at: a preview from question 7 on)
        numbered = re.match(r"[ \t]*(\d{1,3})[ \t]*[.、．)）]", after)
        if numbered and numbered[1] != "1":
            if not first_numbered:
                for n in _ANY_NUMBERED.finditer(text):
                    first_numbered.setdefault(int(n[1] or n[2]), n.start())
            numbered = first_numbered.get(int(numbered[1]), len(text)) < m.start()
        if not (section_next or (entries and _entry_run(after)) or single or numbered):
            continue
        # the title before the key word: back to the last sentence end, at most 30 characters
        lo = max(0, m.start() - 30)
        head = text[lo:m.start()]
        cut = max(head.rfind(c) for c in "\n。？?！!】].;；") + 1
        title = head[cut:]
        if not _KEY_TITLE.search(title) or re.search(r"[:：]\s*$", title):
            title = ""
        add(Mark("key", m.start() - len(title), m.end(), _clean_title(title + m["key"]), glued=True,
                 bare=not (section_next or (entries and _entry_run(after)) or single)))
    marks.sort(key=lambda mk: mk.start)
    return marks


_OPTION_AT = re.compile(rf"\s*(?:{vocab.OPTION_LABEL})")
LOOKAHEAD = 2000    # characters after a glued key word read for its entries
_SPACES = re.compile(r"\s*")
_ANY_NUMBERED = re.compile(r"(?<!\d)(\d{1,3})[ \t]*[.、．)）]|第[ \t]*(\d{1,3})[ \t]*题")


# what the title before a glued key word names: "模拟试卷 1 答案与解析", "第一章答案"
# (卷章节篇 after 第 or right before the key word: "第三节 概论答案", "上篇答案", not "节约成本 … 答案")
_KEY_TITLE = re.compile(r"试卷|试题|测试|练习|习题|真题|题库|第[^\s]{1,4}[卷章节篇]|[卷章节篇][ \t]*$|部分|单元|专题|模块|项目")


def _title_end(rest: str) -> int:
    """Where a chapter title running into the text ends: at a section heading, a question number, a key."""
    cut = len(rest)
    for pattern in (SECTION_GLUED, re.compile(r"(?<![\d.])[1１]\s*[.．、](?!\d)|(?<![\d.])1(?=\s*[" + HAN + "])"),
                    KEY_GLUED):
        m = pattern.search(rest)
        if m and m.start() < cut:
            cut = m.start()
    return cut


def _chapter_title(label: str, title: str) -> str:
    label = re.sub(r"\s+", "", label)
    title = re.sub(r"\s+", " ", title).strip(" 、.．:：")
    return f"{label} {title}".strip()


_ONE_ENTRY = re.compile(rf"{_ENTRY}|{_RANGE}")


def _entry_run(text: str) -> bool:
    """At least two key entries one after another at the start of text."""
    return len(re.findall(rf"{_ENTRY}|{_RANGE}", text[:80])) >= 2


# --- answer keys ---------------------------------------------------------------

_KEY_TOKEN = re.compile(
    rf"(?:\d{{1,3}}|[(（]\d{{1,3}}[)）])\s*[.、．:：]?\s*(?:[A-Ha-hO0]\s*){{1,8}}(?![A-Za-z{HAN}])"
    rf"|(?:\d{{1,3}}|[(（]\d{{1,3}}[)）])\s*[.、．:：]?\s*(?:{vocab.alternation(vocab.KEY_JUDGEMENTS_ANY)})"
    rf"|{_RANGE}|[lI]\d?\s*[.．]\s*[A-H]")


def key_density(line: str) -> tuple[int, float]:
    """(entries, share of the line they cover): "1.A 2.C 3.B" → (3, 1.0)."""
    found = list(_KEY_TOKEN.finditer(line))
    if not found:
        return 0, 0.0
    covered = sum(len(re.sub(r"\s", "", m[0])) for m in found)
    body = len(re.sub(r"\s", "", line))
    return len(found), covered / body if body else 0.0


def is_key_line(line: str) -> bool:
    n, share = key_density(line)
    return n >= 3 and share >= 0.85 or n >= 1 and share >= 0.95 and bool(re.search(_RANGE, line))


# --- question number candidates --------------------------------------------------

@dataclass
class Candidate:
    start: int
    end: int          # where the question text starts
    value: int | None  # None: an item without a number
    label: str | None  # as printed: "1", "例题1", "第一题"
    style: str         # dot | paren | close | nth | example | space | glued | comma | none
    score: float = 0.0
    line_start: bool = False
    delim: str = ""    # the delimiter as printed: "." "、" "．" …
    tagged: bool = False  # a type tag right after it: "1.【多选题】"


_CANDIDATE = re.compile(
    rf"(?P<nth>第\s*(?P<nth_v>\d{{1,3}}|[{CN_DIGITS}]{{1,4}})\s*题)\s*[:：.、．]?"
    rf"|[【\[]\s*(?P<ex>例题?|第)\s*(?P<ex_v>\d{{1,3}}|[{CN_DIGITS}]{{1,4}})?\s*题?\s*[】\]]\s*[:：]?"
    rf"|(?<![{HAN}A-Za-z、.．])(?P<ex2>例题?)\s*(?P<ex2_v>\d{{1,3}})\s*[:：.、．]"
    rf"|(?<![\da-z])[(（](?P<par_v>\d{{1,3}})[)）]"
    rf"|(?<![\da-z．%‰°/\-])(?<![^{HAN}]\.)(?<!\d[:：])(?P<v>\d{{1,3}})"   # "化.2)": a full stop printed as "."
    rf"(?:(?P<delim>[ \t]*[.．、,，:：][ \t]*|\)|）)|(?P<space>[ \t]+)(?=[{HAN}“\"《【(（_])"
    rf"|(?=[{HAN}“《【(（_]|[A-Z][A-Za-z]|[^\x00-\x7f\W]|\s*\Z))")     # [^…]: α粒子, Ⅰ型
_DIGIT_AFTER = re.compile(r"\d")
_HAN_CHAR = re.compile(f"[{HAN}]")
_STYLE_SCORE = {"nth": 2.0, "example": 2.0, "dot": 1.0, "paren": 0.2, "close": 0.2, "comma": -0.6, "colon": -0.4,
                "space": -0.6, "glued": -1.2}
_STYLE_CLASS = {"dot": "dot", "comma": "dot", "colon": "dot", "space": "dot", "glued": "dot", "close": "close",
                "paren": "paren", "nth": "nth", "example": "example"}
_CLASSES = sorted(set(_STYLE_CLASS.values()))


def find_candidates(text: str) -> list[Candidate]:
    out = []
    example_count = 0
    for m in _CANDIDATE.finditer(text):
        if m["nth"]:
            value = vocab.chinese_number(m["nth_v"])
            style, label = "nth", re.sub(r"\s+", "", m["nth"])
        elif m["ex"] is not None:
            if m["ex_v"]:
                value = vocab.chinese_number(m["ex_v"])
            else:               # 【例题】 without a number: numbered by count
                example_count += 1
                value = example_count
            style, label = "example", re.sub(r"[\s【】\[\]:：]", "", m[0])
        elif m["ex2"]:
            value, style, label = int(m["ex2_v"]), "example", m["ex2"] + m["ex2_v"]
        elif m["par_v"]:
            value, style, label = int(m["par_v"]), "paren", m["par_v"]
        else:
            value, label = int(m["v"]), m["v"]
            delim = (m["delim"] or "").strip()
            if m["space"]:
                style = "space"
            elif not delim and m["delim"] is None:
                style = "glued"
            elif delim in ".．、":
                style = "dot"
            elif delim in ",，":
                style = "comma"
            elif delim in ":：":
                style = "colon"
            else:
                style = "close"
        if not value:
            continue
        c = Candidate(m.start(), m.end(), value, label, style, delim=(m["delim"] or "").strip() if m["v"] else style)
        c.score = _candidate_score(text, c)
        out.append(c)
    return out


def _tagged(text: str, c: Candidate) -> bool:
    """A type tag right after the number: "1.【多选题】" opens a question."""
    at = c.end
    while text[at:at + 1] in (" ", "\t"):
        at += 1
    return vocab.SECTION_TYPE_TAG.match(text, at) is not None


LOOKBACK = 200      # characters: how far back a line start is looked for (a page on one line
                    # must not be sliced from its start for every candidate)


def _line_before(text: str, pos: int) -> str:
    """The line up to pos, at most LOOKBACK characters of it."""
    lo = max(0, pos - LOOKBACK)
    nl = text.rfind("\n", lo, pos)
    return text[nl + 1 if nl >= 0 else lo:pos]


def _at_line_start(text: str, pos: int) -> bool:
    return not _line_before(text, pos).strip() and (pos <= LOOKBACK or "\n" in text[pos - LOOKBACK:pos])


def _candidate_score(text: str, c: Candidate) -> float:
    s = _STYLE_SCORE[c.style]
    # the line up to it, at most LOOKBACK characters back: a page on one line must not be
    # sliced from its start for every candidate
    before = _line_before(text, c.start)
    c.line_start = _at_line_start(text, c.start)
    prev = before.rstrip()[-1:]
    if c.line_start:
        s += 1.5
    else:
        if prev in vocab.TERMINAL + vocab.CLOSERS + "\"'":
            s += 0.6
        elif prev in ":：":
            s += 0.1
        elif "A" <= prev <= "Z" and before[-1:] == prev:
            s -= 0.5                              # "答案:B2.…" or "H2O": a letter glued before it
        elif before[-1:] in ("@", "/", "\\"):
            s -= 3.0                              # "…@163.com", "/2/": an address, not a number
    nxt = text[c.end:c.end + 2]
    if c.style in ("dot", "comma", "colon", "close") and _DIGIT_AFTER.match(nxt):
        s -= 1.6                                  # 3.0.5 MPa, 1.2025年
        if not c.line_start and prev and prev not in vocab.TERMINAL + vocab.CLOSERS and not _HAN_CHAR.match(prev):
            s -= 3.0                              # "血钾<3.5 mmol": a decimal after a sign (a heading ends in hanzi)
    if c.style in ("space", "glued") and nxt[:1] in vocab.UNITS:
        s -= 3.0                                  # 3人以上, 100 万元
    if c.style == "glued" and nxt[:1].isascii() and not c.line_start:
        s -= 3.0                                  # "5G网络", "3D打印" inside a sentence
    if c.style == "glued" and not c.line_start and (_HAN_CHAR.match(prev) or prev.isalnum()):
        s -= 3.0                                  # "应每4小时", "共3种": a number inside a sentence
    if c.style == "comma" and not c.line_start:
        s -= 3.0                                  # "等于2,则…": a number inside a sentence
    c.tagged = _tagged(text, c)
    if c.tagged:
        s += 2.0                                  # "1.【多选题】": a type tag opens a question
    if c.value > 300:
        s -= 2.0
    # inside an open bracket on the same line: "(2008 年 4 月)"
    depth = 0
    for ch in reversed(before[-40:]):
        if ch in ")）]】":
            depth -= 1
        elif ch in "(（[【":
            depth += 1
            if depth > 0:
                s -= 3.0
                break
    # nothing after it: a number left at the end of a cut-off page
    rest = text[c.end:c.end + 3]
    if not rest.strip():
        s -= 2.5
    return s


# --- choosing the question numbers ---------------------------------------------------

CONTINUE = 3.0       # the number expected next
RESTART = 2.5        # 1 again after a heading
FIRST = 1.0          # a first question numbered 1
ANYWHERE = -0.3      # a first question with another number (a preview starting mid-way)
GAP = 1.0            # per number skipped
JUMP = 4.0           # numbering breaks without a heading
JUMP_TO_ONE = 2.0    # ... back to 1 at a line start: a new part whose heading was lost
TAGGED_RESTART = 1.0  # ... back to 1 under a type tag: "…答案：E1) 【多选题】…" (sections by tag, no headings)
STYLE_CHANGE = 1.0


def choose_chain(cands: list[Candidate], resets: list[int]) -> list[int]:
    """Indices of the candidates that are question numbers.

    A Viterbi pass: each candidate extends the best chain ending in the value
    just below it (or a few below: a gap), restarts after a heading, or
    breaks the numbering at a cost. Looking back only at the best chain per
    value keeps it linear in the number of candidates."""
    n = len(cands)
    score = [0.0] * n
    back = [-1] * n
    best_end: dict[tuple[int, str], int] = {}      # (value, style class) → best chain end so far
    best_all = -1                                   # best chain end so far
    best_at_reset = None                            # best chain end before the latest reset (-1: none)
    r = 0
    for j, c in enumerate(cands):
        while r < len(resets) and resets[r] <= c.start:
            best_at_reset = best_all
            r += 1
        cls = _STYLE_CLASS[c.style]
        options = [(FIRST if c.value == 1 else ANYWHERE, -1)]
        for step in range(1, 6):
            for st in _CLASSES:
                i = best_end.get((c.value - step, st))
                if i is None:
                    continue
                t = CONTINUE if step == 1 else -GAP * (step - 1)
                options.append((score[i] + t - (STYLE_CHANGE if st != cls else 0.0), i))
        if best_at_reset is not None:
            # after a heading: go on from the best chain before it, or from nothing
            i = best_at_reset if best_at_reset >= 0 and score[best_at_reset] > 0 else -1
            options.append(((score[i] if i >= 0 else 0.0) + (RESTART if c.value == 1 else 0.0), i))
        if best_all >= 0:
            t = JUMP if c.value != 1 else TAGGED_RESTART if c.tagged else JUMP_TO_ONE if c.line_start else JUMP
            options.append((score[best_all] - t - (STYLE_CHANGE if _STYLE_CLASS[cands[best_all].style] != cls else 0.0),
                            best_all))
        best, prev = max(options, key=lambda o: o[0])
        score[j] = best + c.score
        back[j] = prev
        key = (c.value, cls)
        if key not in best_end or score[j] >= score[best_end[key]]:
            best_end[key] = j
        if best_all < 0 or score[j] > score[best_all]:
            best_all = j
    if best_all < 0 or score[best_all] <= 0:
        return []
    chain = []
    j = best_all
    while j >= 0:
        chain.append(j)
        j = back[j]
    return chain[::-1]


# --- the whole pass ----------------------------------------------------------------


def segment(text: str) -> list[Block]:
    marks = find_headings(text)
    # candidates inside headings or chapter labels ("…模拟试卷 1 …") are not question numbers
    labels = [(m.start(), m.end()) for m in CHAPTER_AT.finditer(text)]
    blocked = _merge(sorted([(mk.start, mk.end) for mk in marks] + labels))
    cands = [c for c in find_candidates(text) if not _inside(c.start, blocked)]
    marks, key_spans = _answer_keys(text, marks, cands)
    # ... nor are the numbers of answer keys
    cands = [c for c in cands if not _inside(c.start, key_spans)]
    resets = sorted([mk.start for mk in marks if mk.kind in ("chapter", "section")] + [s for s, _ in key_spans])
    mark_lists(text, cands, resets, marks)
    mark_case_questions(text, cands, marks)
    chain = [cands[i] for i in choose_chain(cands, resets)]
    chain = sorted(chain + unnumbered_items(text, marks, key_spans, chain), key=lambda c: c.start)
    return _assemble(text, marks, key_spans, chain, _cut_number(text, cands, chain))


def _cut_number(text: str, cands: list[Candidate], chain: list[Candidate]) -> int | None:
    """A page cut right after the next question's number ("…决议》11"): where that number stands."""
    numbered = [c for c in chain if c.value is not None]
    if not cands or not numbered or cands[-1].start <= numbered[-1].start:
        return None
    last = cands[-1]
    if last.value == numbered[-1].value + 1 and not text[last.end:].strip():
        return last.start
    return None


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """pos inside one of the sorted, non-overlapping spans."""
    k = bisect_right(spans, (pos, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= pos < spans[k][1]


def mark_case_questions(text: str, cands: list[Candidate], marks: list[Mark]) -> None:
    """A case section whose material comes first, unnumbered: its "1.…2.…" or
    "(1)…(2)…" are the case's own questions, not questions of the section."""
    starts = [c.start for c in cands]
    for n, mk in enumerate(marks):
        if mk.kind != "section" or mk.qtype != "case_analysis":
            continue
        end = marks[n + 1].start if n + 1 < len(marks) else len(text)
        k = bisect_left(starts, mk.end)
        while k < len(cands) and cands[k].score < 0:
            k += 1
        if k >= len(cands) or cands[k].start >= end:
            continue
        material = re.sub(r"\s", "", text[mk.end:cands[k].start])
        if len(material) < 30:
            continue
        for c in cands[k:]:
            if c.start >= end:
                break
            c.score -= LIST_PENALTY


_OPTION_A = re.compile(r"(?m)^[ \t]*(?:A[ \t]*[.．、:：)）]|[(（]A[)）])")
_OPTION_B = re.compile(r"(?:^|\s)(?:B[ \t]*[.．、:：)）]|[(（]B[)）])")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def unnumbered_items(text: str, marks: list[Mark], key_spans, chain: list[Candidate]) -> list[Candidate]:
    """Items in stretches with no question number at all.

    A case section whose material is not numbered is one item. Elsewhere, each
    option set makes an item with the paragraph before it: items separated by
    blank lines only ("…（）。\n\nA.…\nB.…\n\n答案:D\n\n下一题…")."""
    bounds = sorted([(mk.start, mk.end, mk) for mk in marks] + [(s, e, None) for s, e in key_spans],
                    key=lambda b: b[0])
    regions, pos, stype = [], 0, None
    for s, e, mk in bounds:
        if s > pos:
            regions.append((pos, s, stype))
        pos = max(pos, e)
        if mk is not None and mk.kind in ("section", "chapter"):
            stype = mk.qtype if mk.kind == "section" else None
    regions.append((pos, len(text), stype))
    starts = sorted(c.start for c in chain)
    out = []
    for a, b, stype in regions:
        k = bisect_right(starts, a - 1)
        if k < len(starts) and starts[k] < b:
            continue                    # numbered questions here
        body = text[a:b]
        if not body.strip():
            continue
        if stype == "case_analysis" and len(re.sub(r"\s", "", body)) >= 30:
            first = a + len(body) - len(body.lstrip())
            out.append(Candidate(first, first, None, None, "none", line_start=True))
            continue
        out += _option_items(text, a, b)
    return out


def _option_items(text: str, a: int, b: int) -> list[Candidate]:
    paragraphs = [a] + [m.end() for m in _PARAGRAPH.finditer(text, a, b)]
    out, last = [], a
    for m in _OPTION_A.finditer(text, a, b):
        if not _OPTION_B.search(text, m.end(), min(b, m.end() + 400)):
            continue
        k = bisect_right(paragraphs, m.start()) - 1
        para = paragraphs[k]
        if not text[para:m.start()].strip() and k > 0:
            para = paragraphs[k - 1]          # the options open a paragraph: the stem is the one before
        if para < last or (out and para <= out[-1].start):
            continue
        start = para + len(text[para:m.start()]) - len(text[para:m.start()].lstrip())
        out.append(Candidate(start, start, None, None, "none", line_start=True))
        last = m.end()
    if out:
        # a stem with its blank after the last option set: an item whose options the page lost
        for k, para in enumerate(paragraphs):
            end = paragraphs[k + 1] if k + 1 < len(paragraphs) else b
            body = text[para:end].strip()
            if para > last and "（）" in body and not starts_unit_marker(body):
                start = para + len(text[para:end]) - len(text[para:end].lstrip())
                out.append(Candidate(start, start, None, None, "none", line_start=True))
                last = end
    return out


def starts_unit_marker(body: str) -> bool:
    return bool(vocab.ANY_MARKER.match(body) or _OPTION_A.match(body))


def _answer_keys(text: str, marks: list[Mark], cands: list[Candidate]):
    """Keep the key headings that follow questions; return the marks and the key spans.

    A key runs from its heading to the first heading that opens new questions:
    a section or chapter heading the key repeats (seen above it) stays inside
    the key, a new one ends it. Runs of dense key lines elsewhere are keys too.
    """
    seen_sections: set[str] = set()
    seen_chapters: set[str] = set()
    kept: list[Mark] = []
    spans: list[tuple[int, int]] = []
    in_key = None              # start of the current key stretch
    first_question = _first_question_position(text, cands, marks)
    cand_starts = [c.start for c in cands]             # in text order: bisect, not a scan per key
    for n, mk in enumerate(marks):
        if mk.kind == "key":
            if first_question is None or mk.start < first_question:
                continue       # a document title that promises answers: "…试题及参考答案"
            heading_next = n + 1 < len(marks) and marks[n + 1].kind != "key" and not text[mk.end:marks[n + 1].start].strip()
            if mk.bare and not (heading_next or _keyish_after(text, mk.end)
                                or _answers_section(text, marks, n, cands, cand_starts)):
                continue       # "参考答案:" and its text: one question's own answer
            if in_key is None:
                in_key = mk.end
            kept.append(mk)
            continue
        if in_key is not None:
            repeated = (mk.kind == "section" and (_section_id(mk) in seen_sections or mk.title in seen_sections)) or (
                mk.kind == "chapter" and mk.label in seen_chapters)
            # a heading right under the key word heads the key's first part ("答案：" / "一、判断题" / "1.对")
            under_key = kept[-1].kind == "key" and not text[kept[-1].end:mk.start].strip()
            if repeated or under_key or _keyish_after(text, mk.end):
                kept.append(mk)
                continue
            spans.append((in_key, mk.start))
            in_key = None
        if mk.kind == "section":
            seen_sections.update({_section_id(mk), mk.title})
        elif mk.kind == "chapter":
            seen_chapters.add(mk.label)
            seen_sections.clear()
        kept.append(mk)
    if in_key is not None:
        spans.append((in_key, len(text)))
    spans = [(s, _questions_again(text, s, e)) for s, e in spans]
    # a key heading after questions began again inside a stretch opens a stretch of its own
    # (spans and the stretches added here are each sorted and disjoint: bisect, not a scan per key)
    heading_starts = [m.start for m in kept if m.kind != "key"]
    opened: list[tuple[int, int]] = []
    for mk in kept:
        if mk.kind == "key" and not _inside(mk.end, spans) and not _inside(mk.end, opened):
            k = bisect_left(heading_starts, mk.end)
            nxt = heading_starts[k] if k < len(heading_starts) else len(text)
            opened.append((mk.end, _questions_again(text, mk.end, nxt)))
    spans += opened
    # dense key lines outside any key: "1.C2.D3.C4.D5.D", "1-5 ABCDA"
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if line.strip() and not _inside(start, spans) and is_key_line(line):
            spans.append((start + len(line) - len(line.lstrip()), start + len(line.rstrip())))
    spans.sort()
    return kept, _merge(spans)


_NUMBER_AT = r"(?:\d{1,3}[ \t]*[.．、)）]|[(（]\d{1,3}[)）]|第[ \t]*\d{1,3}[ \t]*题)"
# a question again: a number with a type tag, a blank, or options on the next line
_LINE_NUMBER = rf"(?:{_NUMBER_AT}|\d{{1,3}}(?=[{HAN}“《]))"     # at a line start a number may be glued: "7客户…"
_QUESTION_AGAIN = re.compile(
    rf"(?m)^[ \t]*{_LINE_NUMBER}[^\n]*?(?:{vocab.TYPE_TAG}|（）|[(（][ \t]*[)）]|_{{3,}})"
    rf"|^[ \t]*{_LINE_NUMBER}[^\n]*\n[ \t]*(?:A[ \t]*[.．、:：)）]|[(（]A[)）])"
    rf"|(?:[(（]\d{{1,3}}[)）]|(?<![\d.])\d{{1,3}}[ \t]*[.．、)）]?|第[ \t]*\d{{1,3}}[ \t]*题)[ \t]*{vocab.TYPE_TAG}"
    # on a page with no line breaks: a numbered stem, its blank, then option A ("…6.B7) 开展…（）。A．预防…")
    # (no other number between: "…1.对2) 【单选题】…（）。A." is an entry, then the next question)
    rf"|(?<![\d.]){_NUMBER_AT}[ \t]*[{HAN}“《](?:(?!\d{{1,3}}[ \t]*[.．、)）])[^\n]){{0,200}}?"
    rf"(?:（）|_{{3,}}|[(（][ \t]*[)）])[^\n]{{0,6}}?A[ \t]*[.．、:：)）]")


def _questions_again(text: str, start: int, end: int) -> int:
    """Where questions begin again inside a key that no heading closes (pages without headings)."""
    m = _QUESTION_AGAIN.search(text, start, end)
    return m.start() if m else end


def _merge(spans):
    out = []
    for s, e in spans:
        if out and s <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return [(s, e) for s, e in out if e > s]


def _section_id(mk: Mark) -> str:
    return mk.qtype or mk.title


def _answers_section(text: str, marks: list[Mark], n: int, cands: list[Candidate], cand_starts: list[int]) -> bool:
    """A bare key word followed by numbered answers, one for each question of the section above it."""
    mk = marks[n]
    end = marks[n + 1].start if n + 1 < len(marks) else len(text)
    body = text[mk.end:end]
    readings = [keys.parse_open(body), keys.parse_objective(body)]
    if not any(readings):
        return False
    head = next((marks[k] for k in range(n - 1, -1, -1) if marks[k].kind in ("section", "chapter")), None)
    if head and head.qtype == "case_analysis" and vocab.CASE_QUESTIONS.search(text, head.end, mk.start):
        return False            # "问题：1.… 2.…" then "答案要点：": the case's own answer, not a key
    top = head.end if head else 0
    above = [c for c in cands[bisect_left(cand_starts, top):bisect_left(cand_starts, mk.start)] if c.score >= 0]
    if head and head.qtype == "case_analysis":
        above = [c for c in above if _STYLE_CLASS[c.style] != "paren"]   # a case's own (1) (2) questions
    # the section's questions: the numbers printed like its first one (not the "(1)" points of an
    # answer), running on by one (a list that starts again at 1 is some question's points)
    asked: set[int] = set()
    for c in above:
        if c.delim != above[0].delim:
            continue
        if asked and c.value != max(asked) + 1:
            if c.value <= max(asked):
                break
            continue
        asked.add(c.value)
    # the same numbers again (an answer never repeats its own question's number), or 1…n for n questions
    return any(entries and (set(entries) == asked or len(entries) >= 2 and min(entries) == 1
                            and len(entries) == len(asked)) for entries in readings)


def _keyish_after(text: str, pos: int) -> bool:
    """The text after a heading inside a key is more key: entries, or another heading then entries."""
    after = text[pos:pos + 120].lstrip()
    first = after.split("\n", 1)[0]
    return bool(is_key_line(first) or _entry_run(after) or _ONE_ENTRY.fullmatch(first.strip()))


def _first_question_position(text: str, cands: list[Candidate], marks: list[Mark]) -> int | None:
    """Where questions have begun: a section heading naming a type, a plausible
    question number, or an option set."""
    plausible = [c for c in cands if c.score >= -1.0]
    opt = re.search(r"(?:^|[\s（）)?？:：。])A\s*[.．、:：]\s*\S[^\n]{0,200}?B\s*[.．、:：]", text)
    positions = [mk.end for mk in marks if mk.kind == "section" and mk.qtype][:1]
    if plausible:
        positions.append(plausible[0].end)
    if opt:
        positions.append(opt.start())
    return min(positions) if positions else None


LIST_PENALTY = 6.0
_QUESTION_LIKE = re.compile(rf"{vocab.ANSWER_MARKER.pattern}|{vocab.BRACKET_JUDGEMENT.pattern}|（）|[(（]\s*[)）]"
                            rf"|(?:^|\s)A\s*[.．、:：][^\n]{{0,200}}?B\s*[.．、:：]", re.M)
_LIST_SECTIONS = ("short_answer", "essay", "case_analysis", "open", "fill_blank")


def mark_lists(text: str, cands: list[Candidate], resets: list[int], marks: list[Mark]) -> None:
    """Numbered points inside a question are not questions: an answer's points
    ("答案要点:\n1.… 2.… 3.…"), a case's sub-questions, a stem's list.

    Such a list opens at 1 after other numbers with no heading between and runs
    on in one numbering style. Its items lose the standing of question numbers,
    unless, in a choice or true/false section, an item looks like a question of
    its own (options, a blank, an answer): then a page gap ate a heading."""
    sections = [(mk.start, mk.qtype) for mk in marks if mk.kind in ("section", "chapter")]
    section_starts = [s for s, _ in sections]
    base = [c.score for c in cands]
    answers = [m.end() for m in vocab.ANY_MARKER.finditer(text) if m.lastgroup != "info"]
    prev = None                    # the last candidate that could be a question number
    for k in range(len(cands)):
        first = cands[k]
        before, prev = prev, (k if base[k] >= 0 else prev)
        if first.value != 1:
            continue
        # what opened the list: an earlier number, or an answer or explanation just above
        a = bisect_right(answers, first.start) - 1
        opener = cands[before].start if before is not None else -1
        if a >= 0 and answers[a] > opener and first.start - answers[a] <= 600:
            opener = answers[a]
        if opener < 0:
            continue
        r = bisect_right(resets, opener)
        if r < len(resets) and resets[r] <= first.start:
            continue
        i = bisect_right(section_starts, first.start) - 1
        stype = sections[i][1] if i >= 0 else None
        items = [first]
        r = bisect_right(resets, first.start)
        stop = resets[r] if r < len(resets) else len(text)      # a list ends at the next heading
        for j in range(k + 1, len(cands)):     # (no slice: a page of a thousand lists opens one each)
            c = cands[j]
            if c.start >= stop:
                break
            if c.delim != first.delim:
                continue
            if not 0 <= c.value - items[-1].value <= 2:   # printed lists repeat and skip numbers
                break
            items.append(c)
        for j, c in enumerate(items):
            end = items[j + 1].start if j + 1 < len(items) else min(len(text), c.end + 300)
            r = bisect_right(resets, c.end)
            end = min(end, resets[r]) if r < len(resets) else end
            para = _PARAGRAPH.search(text, c.end, end)
            end = para.start() if para else end
            # in open sections only an answer of its own makes an item a question; a case's
            # sub-questions have their answers too, and are never questions of the section
            pattern = vocab.ANSWER_MARKER if stype in _LIST_SECTIONS else _QUESTION_LIKE
            # "(1)…(2)…" inside a line after a question numbered otherwise: points of its stem
            inline = not c.line_start and before is not None and _STYLE_CLASS[c.style] != _STYLE_CLASS[cands[before].style]
            if stype == "case_analysis" or inline or not (pattern.search(text, c.end, end) or _tagged(text, c)):
                c.score -= LIST_PENALTY


def _assemble(text: str, marks: list[Mark], key_spans, chain: list[Candidate], cut: int | None = None) -> list[Block]:
    events = []   # (position, order, kind, payload): key ends before marks before key starts before questions
    if cut is not None:
        events.append((cut, 3, "cut", None))
    for s, e in key_spans:
        events.append((e, 0, "key_end", None))
        events.append((s, 2, "key_start", None))
    for mk in marks:
        events.append((mk.start, 1, "mark", mk))
    for c in chain:
        events.append((c.start, 3, "question", c))
    events.sort(key=lambda ev: (ev[0], ev[1]))
    blocks: list[Block] = []
    chapter = label = section = stype = None
    in_key = False
    pos = 0
    prev_value = None

    def fill(upto):
        nonlocal pos
        if upto > pos:
            seg = text[pos:upto]
            if seg.strip():
                blocks.append(Block("key" if in_key else "text", pos, upto, seg, chapter=chapter, chapter_label=label,
                                    section=section, section_type=stype))
            pos = upto

    for k, (start, _, kind, payload) in enumerate(events):
        if kind == "key_end":
            fill(start)
            in_key = False
            continue
        if kind == "key_start":
            fill(start)
            in_key = True
            continue
        if kind == "cut":
            fill(start)
            continue
        if start < pos:
            continue
        fill(start)
        if kind == "mark":
            mk = payload
            if mk.kind == "key":
                blocks.append(Block("key_heading", mk.start, mk.end, text[mk.start:mk.end], title=mk.title,
                                    chapter=chapter, chapter_label=label, section=section, section_type=stype))
            elif mk.kind == "shared":
                # the material runs to the next question or heading: the questions of its range share it
                end = next((events[j][0] for j in range(k + 1, len(events))
                            if events[j][2] != "key_end" and events[j][0] >= mk.end), len(text))
                blocks.append(Block("shared", mk.start, end, text[mk.start:end], title=mk.qtype, number=mk.label,
                                    chapter=chapter, chapter_label=label, section=section, section_type=stype,
                                    body_start=mk.end))
                pos = end
                continue
            elif mk.kind == "chapter":
                chapter, label, section, stype = mk.title, mk.label, None, None
                prev_value = None
                blocks.append(Block("chapter", mk.start, mk.end, text[mk.start:mk.end], title=mk.title,
                                    chapter=chapter, chapter_label=label))
            else:
                section, stype = mk.title, mk.qtype
                prev_value = None
                blocks.append(Block("section", mk.start, mk.end, text[mk.start:mk.end], title=mk.title,
                                    chapter=chapter, chapter_label=label, section=section, section_type=stype,
                                    declared=mk.declared))
            pos = mk.end
        else:
            c = payload
            end = next((events[j][0] for j in range(k + 1, len(events))
                        if events[j][2] != "key_end" and events[j][0] >= c.end), len(text))
            while end > c.start and text[end - 1].isspace():
                end -= 1
            gap = prev_value is not None and c.value is not None and c.value != prev_value + 1
            blocks.append(Block("question", c.start, end, text[c.start:end], number=c.label, value=c.value,
                                chapter=chapter, chapter_label=label, section=section, section_type=stype,
                                body_start=c.end, gap=gap, restart=gap and c.value <= prev_value))
            prev_value = c.value
            pos = end
    fill(len(text))
    return blocks


_ACCOUNT_KIND = {"question": "question", "shared": "question", "text": "unassigned", "key": "answer_key",
                 "key_heading": "answer_key"}


def account(text: str, blocks: list[Block]) -> dict[str, int]:
    """Where every character of the text went: into a question, a heading, an
    answer key, unassigned text, or layout whitespace. Adds up to len(text)."""
    counts = {"question": 0, "heading": 0, "answer_key": 0, "unassigned": 0, "whitespace": 0}
    for b in blocks:
        n = len(b.text) - sum(1 for ch in b.text if ch.isspace())
        counts[_ACCOUNT_KIND.get(b.kind, "heading")] += n
    counts["whitespace"] = len(text) - sum(v for k, v in counts.items() if k != "whitespace")
    return counts
