"""A layout generator: question banks rendered the ways real pages print them.

A `Bank` (sections of questions with their answers) and a `Layout` (how
questions are numbered, headings printed, options laid out, answers given,
lines broken, and what noise the page adds) render to a document text and
the records the pipeline should give back. The round-trip tests
(tests/test_roundtrip.py) draw layouts with Hypothesis; `make bench` scores a
fixed corpus of rendered documents.

Question content is our own small lexicon; when ../shared/dev/gold.jsonl is
present, its hand-checked records can be drawn on too (read at run time,
never copied).
"""
from __future__ import annotations

import json
import os
import random
import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.text import converter
from pipeline.vocab import UNITS

CN = "一二三四五六七八九十"

# --- content --------------------------------------------------------------------

NOUNS = ["市场营销", "客户关系", "安全管理", "财务报表", "教学设计", "质量控制", "风险评估", "团队建设", "成本核算",
         "信息系统", "项目计划", "绩效考核", "公共服务", "环境保护", "合同管理", "数据分析", "生产调度", "物流配送",
         "人力资源", "内部审计", "消防安全", "设备维护", "课程评价", "社区治理", "网络安全", "档案管理", "品牌推广",
         "行政许可", "职业道德", "急救护理", "电子商务", "会议组织"]
PHRASES = ["统筹规划", "分级负责", "持续改进", "依法办理", "及时报告", "定期检查", "全员参与", "预防为主", "公开透明",
           "按需配置", "集中采购", "分类处理", "逐级审批", "双人复核", "限时办结", "闭环管理", "动态调整", "信息共享",
           "专人负责", "科学评估", "规范操作", "综合治理", "重点监控", "合理分工"]
CHOICE_STEMS = ["下列关于{x}的说法中，正确的是（）。", "{x}的首要原则是（）。", "在{x}工作中，应当坚持（）。",
                "{x}的核心要求是（）", "下列不属于{x}基本环节的是（）。", "开展{x}时，首先应当（）。"]
MULTI_STEMS = ["{x}的基本要求包括（）。", "下列属于{x}主要内容的有（）。", "做好{x}应当注意（）。"]
TF_STEMS = ["{x}应当坚持{p}的原则。（）", "开展{x}时可以不进行{p}。（）", "{x}与{y}没有任何联系。（）",
            "{x}的目标是实现{p}。（）"]
FILL_STEMS = ["{x}的三个基本环节是（）、（）和（）。", "{x}应当遵循（）的原则。"]
SHORT_STEMS = ["简述{x}的主要内容。", "{x}有哪些基本特点？", "什么是{x}？"]
ESSAY_STEMS = ["论述{x}与{y}的关系。", "试论如何做好{x}工作。"]
CASE_STEMS = ["某单位在{x}中出现了问题：负责人未按规定{p}，导致工作延误。"
              "\n问题：\n（1）该单位在{x}中的做法存在什么问题？\n（2）应当如何改进{x}工作？"]
# stems whose first words are numbers: the number after a question number must not confuse it
NUMBER_STEMS = ["2021年修订的{x}规定中，应当（）。", "3人以上参与{x}时，应当（）。", "0.5小时内完成{x}的要求是（）。"]


@dataclass
class Question:
    type: str                       # single_choice … case_analysis (the record types)
    stem: str                       # as the record should hold it: blanks （）
    options: list[str] = field(default_factory=list)
    answer: object = None           # "B" / "ACD" / True / "text" / None
    explanation: str | None = None


@dataclass
class Bank:
    title: str
    sections: list[tuple[str, list[Question]]]     # (type, questions)


def _pick(rng, words, k):
    return rng.sample(words, k)


def make_question(rng: random.Random, qtype: str) -> Question:
    x, y = _pick(rng, NOUNS, 2)
    p = rng.choice(PHRASES)
    if qtype == "single_choice":
        stem = rng.choice(CHOICE_STEMS + NUMBER_STEMS if rng.random() < 0.2 else CHOICE_STEMS).format(x=x)
        n = rng.choice([4, 4, 4, 5])
        options = _pick(rng, PHRASES, n)
        return Question(qtype, stem, options, "ABCDE"[rng.randrange(n)], f"{x}要求{p}。")
    if qtype == "multiple_choice":
        n = rng.choice([4, 5])
        options = _pick(rng, PHRASES, n)
        k = rng.randint(2, n)
        return Question(qtype, rng.choice(MULTI_STEMS).format(x=x), options,
                        "".join(sorted(rng.sample("ABCDE"[:n], k))), f"{x}的内容较多。")
    if qtype == "true_false":
        return Question(qtype, rng.choice(TF_STEMS).format(x=x, y=y, p=p), [], rng.random() < 0.5, None)
    if qtype == "fill_blank":
        stem = rng.choice(FILL_STEMS).format(x=x)
        return Question(qtype, stem, [], "、".join(_pick(rng, PHRASES, stem.count("（）"))))
    if qtype == "short_answer":
        return Question(qtype, rng.choice(SHORT_STEMS).format(x=x), [], f"{x}的主要内容是{p}，同时注意{rng.choice(PHRASES)}。")
    if qtype == "essay":
        return Question(qtype, rng.choice(ESSAY_STEMS).format(x=x, y=y), [], f"{x}与{y}相互促进，应当{p}。")
    return Question(qtype, rng.choice(CASE_STEMS).format(x=x, p=p), [], f"（1）未{p}。\n（2）应当{rng.choice(PHRASES)}。")


def shared_pool(shared: str) -> list[Question]:
    """The objective questions of the shared gold files (dev and seeds); empty without ../shared."""
    return gold_questions(os.path.join(shared, "dev", "gold.jsonl")) + gold_questions(
        os.path.join(shared, "gold", "seeds.jsonl"))


def gold_questions(path: str) -> list[Question]:
    """Objective records of a hand-checked gold file, as generator questions (read, never copied)."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            g = json.loads(line)
            if g["type"] not in ("single_choice", "multiple_choice", "true_false") or g.get("answer") is None:
                continue
            if "\n" in g["stem"] or g["flags"] or not g["stem"]:
                continue
            opts = g.get("options") or {}
            if g["type"] != "true_false" and (sorted(opts) != list("ABCDE"[:len(opts)]) or len(opts) < 3
                                              or any(not v or re.search(r"[A-H][.．、:：]|\n", v) for v in opts.values())):
                continue
            if re.search(r"[A-H][.．、:：)）]|答案|解析|^\d|[?？]$", g["stem"]):
                continue
            out.append(Question(g["type"], g["stem"], [opts[k] for k in sorted(opts)], g["answer"]))
    return out


def make_bank(rng: random.Random, types: list[str], per_section: int, pool: list[Question] | None = None) -> Bank:
    sections = []
    for t in types:
        qs = []
        for _ in range(per_section):
            fits = [q for q in pool or [] if q.type == t]
            qs.append(rng.choice(fits) if fits and rng.random() < 0.5 else make_question(rng, t))
        sections.append((t, qs))
    return Bank(f"{rng.choice(NOUNS)}考试试题及答案", sections)


# --- layouts ------------------------------------------------------------------------

NUMBER_STYLES = {"dot": "{n}.", "dun": "{n}、", "full": "{n}．", "paren": "（{n}）", "nth": "第{n}题 ", "close": "{n}) ",
                 "glued": "{n}"}
SECTION_NAMES = {"single_choice": ["单项选择题", "单选题"], "multiple_choice": ["多项选择题", "多选题", "不定项选择题"],
                 "true_false": ["判断题", "是非题", "判断正误题"], "fill_blank": ["填空题"],
                 "short_answer": ["简答题", "问答题"], "essay": ["论述题"], "case_analysis": ["案例分析题"]}
TAGS = {"single_choice": "【单选题】", "multiple_choice": "【多选题】", "true_false": "【判断题】"}
OPTION_DELIMS = [".", "、", "．", ":", "）"]
ANSWER_MARKERS = ["答案：", "【答案】", "正确答案：", "参考答案：", "[答案]", "答案:"]
EXPLANATION_MARKERS = ["解析：", "【解析】", "解析:", "【详解】"]
KEY_HEADINGS = ["参考答案", "答案：", "参考答案与解析"]
TF_MARKS = {"tick": ("√", "×"), "duicuo": ("对", "错"), "zhengque": ("正确", "错误"), "tf": ("T", "F"),
            "vx": ("V", "X")}
BLANKS = ["（）", "(  )", "（　　）", "______"]
ANSWER_BLANKS = ["（ {} ）", "（{}）", "({})", "( {} )", "（　{}　）", "__{}__"]   # an answer written in the blank


@dataclass
class Layout:
    number: str = "dot"           # NUMBER_STYLES
    heading: str = "numbered"     # numbered | plain | noted | tags | none
    options: str = "lines"        # lines | one_line | glued | two_column
    option_delim: str = "."
    lower: bool = False           # a. b. c. labels
    answers: str = "inline"       # inline | blank | key_section | key_end | range_key | run_together | conclusion | none
    answer_marker: str = "答案："
    explanation: bool = False
    tf: str = "tick"              # TF_MARKS key, or "options" (A.正确 B.错误)
    blank: str = "（）"
    lines: str = "normal"         # normal | one_line | wrapped | blank_lines
    furniture: bool = False
    boilerplate: bool = False
    traditional: bool = False
    cut: bool = False
    start: int = 1                # the first question's number (an excerpt may start at 7)
    restart: bool = True          # numbering restarts in every section
    answer_blank: str = "（ {} ）"  # ANSWER_BLANKS: how answers="blank" writes the answer
    tf_line: bool = False         # answers="inline": a true/false mark alone at the start of the next line


def _ends_alnum(text: str) -> bool:
    return text[-1:].isascii() and text[-1:].isalnum()


def valid(layout: Layout, bank: Bank) -> bool:
    """Combinations a real page can print and a reader can read back."""
    types = [t for t, _ in bank.sections]
    objective = all(t in ("single_choice", "multiple_choice", "true_false") for t in types)
    if layout.heading in ("tags", "none") and not objective:
        return False
    if layout.heading == "none" and (layout.answers == "none" or len(types) > 1 and layout.restart):
        return False                  # nothing tells the types, or where numbering restarts
    if layout.heading == "none" and layout.cut and layout.answers not in ("inline", "blank", "conclusion"):
        return False                  # the cut takes the key at the end, and with it what tells the types
    if layout.answers in ("blank", "range_key", "run_together", "conclusion") and not objective:
        return False
    if layout.answers == "conclusion" and "true_false" in types:
        return False
    if layout.number == "glued" and layout.lines == "one_line":
        return False                  # "…。3有…": no reader can see that 3 is a number
    if layout.number == "glued" and any(q.stem[:1].isdigit() or q.stem[:1] in UNITS for _, qs in bank.sections for q in qs):
        return False                  # "10.5小时…", "1个人信息…": question 1 or 10, a number or a quantity?
    if layout.lines == "one_line" and any(q.stem[:1].isdigit() for _, qs in bank.sections for q in qs):
        return False                  # "…题7.3人以上…": with no line starts, 7.3 reads as a decimal
    followed = [q for _, qs in bank.sections for q in qs][:-1] if layout.heading in ("tags", "none") else \
        [q for _, qs in bank.sections for q in qs[:-1]]          # a heading line between sections stops it
    if layout.lines == "one_line" and layout.answers not in ("inline", "conclusion") and any(
            _ends_alnum((q.options or [""])[-1]) for q in followed):
        return False                  # "D:HJ61-20023.下列…", "D.Bq3.射线…": the next number or a name?
    if layout.number == "paren" and any(t == "case_analysis" for t in types):
        return False
    if layout.options == "two_column" and any(len(q.options) != 4 for _, qs in bank.sections for q in qs if q.options):
        return False
    if layout.lines == "one_line" and layout.options == "two_column":
        return False
    if layout.start != 1 and (len(types) > 1 or layout.answers in ("key_end",)):
        return False
    if layout.start != 1 and sum(len(qs) for _, qs in bank.sections) < 2:
        return False                  # one lone "7)" after the title: a number in the text, or a preview?
    if layout.tf == "options" and layout.answers == "none":
        return False
    if layout.tf_line and layout.tf in ("tf", "vx") and layout.heading == "none":
        return False                  # "…（）T" with no section to say true/false: "电容为（）F" is a unit
    return True


def render(bank: Bank, layout: Layout, rng: random.Random) -> tuple[str, list[dict]]:
    """The document text and the records expected back, in order."""
    out: list[str] = []
    expected: list[dict] = []
    keys_at_end: list[tuple[str, list[str]]] = []
    number = layout.start
    if layout.boilerplate:
        out += ["版权说明：本文档由用户提供并上传，收益归属内容提供方，若内容存在侵权，请进行举报或认领", "文档简介"]
    out.append(bank.title)
    for s, (qtype, questions) in enumerate(bank.sections):
        name = rng.choice(SECTION_NAMES[qtype])
        if layout.restart:
            number = layout.start if s == 0 else 1
        if layout.heading == "numbered":
            out.append(f"{CN[s]}、{name}")
        elif layout.heading == "noted":
            out.append(f"{CN[s]}、{name}（每题2分，共{len(questions) * 2}分）")
        elif layout.heading == "plain":
            out.append(name)
        key_entries: list[str] = []
        first = number
        for q in questions:
            lines, entry = _render_question(q, number, layout, rng)
            out += lines
            key_entries.append(entry)
            expected.append(_expected(q, number, layout, name))
            number += 1
        if layout.answers in ("key_section", "range_key", "run_together"):
            out += _render_key(key_entries, first, layout, rng)
        elif layout.answers == "key_end":
            keys_at_end.append((f"{CN[s]}、{name}", first, key_entries))
    if keys_at_end:
        out.append(rng.choice(KEY_HEADINGS))
        for heading, first, entries in keys_at_end:
            out.append(heading)
            out += _render_key(entries, first, layout, rng, with_heading=False)
    if layout.boilerplate:
        out += ["相关文档", "- 一份无关的文档.doc"]
    text = _lay_out(out, layout, bank.title, rng)
    if layout.cut:
        text, expected = _cut(text, expected, rng)
        if layout.answers in ("key_section", "key_end", "range_key", "run_together"):
            # the keys after the cut are gone: the last section's (or every section's) answers with them
            last = len(bank.sections[-1][1]) if layout.answers != "key_end" else len(expected)
            for e in expected[-last:]:
                e["answer"] = e["answer_text"] = None
    if layout.traditional:
        text = _traditional(text, rng)
    return text, expected


def _label(letter: str, layout: Layout) -> str:
    letter = letter.lower() if layout.lower else letter
    return f"{letter}{layout.option_delim}"


def _render_question(q: Question, n: int, layout: Layout, rng: random.Random) -> tuple[list[str], str]:
    num = NUMBER_STYLES[layout.number].format(n=n)
    tag = TAGS.get(q.type, "") if layout.heading == "tags" else ""
    stem = q.stem
    answer_token = _answer_token(q, layout)
    objective = q.type in ("single_choice", "multiple_choice", "true_false")
    if layout.answers == "blank" and objective and "（）" in stem:
        stem = stem.replace("（）", layout.answer_blank.format(answer_token), 1)
    elif layout.answers == "blank" and objective:
        stem = stem + layout.answer_blank.format(answer_token)   # the record's stem gets the blank: see _expected
    elif layout.blank != "（）":
        stem = stem.replace("（）", layout.blank)
    lines = [f"{num}{tag}{stem}"]
    if q.options:
        labels = "ABCDEFGH"[:len(q.options)]
        opts = [f"{_label(lbl, layout)}{text}" for lbl, text in zip(labels, q.options)]
        if layout.options == "lines":
            lines += opts
        elif layout.options == "one_line":
            lines.append("  ".join(opts))
        elif layout.options == "glued":
            lines.append("".join(opts))
        else:                                  # two columns: A C / B D
            lines += [f"{opts[0]}    {opts[2]}", f"{opts[1]}    {opts[3]}"]
    elif q.type == "true_false" and layout.tf == "options":
        lines += [f"{_label('A', layout)}正确", f"{_label('B', layout)}错误"]
    entry = answer_token
    if layout.answers == "inline" and q.answer is not None:
        bare = layout.tf_line and q.type == "true_false" and layout.tf != "options"
        line = answer_token if bare else f"{layout.answer_marker}{answer_token}"
        if layout.explanation and q.explanation:
            line += f" {rng.choice(EXPLANATION_MARKERS)}{q.explanation}"
        lines.append(line)
    elif layout.answers == "conclusion" and objective:
        lines.append(f"{rng.choice(EXPLANATION_MARKERS)}{q.explanation or '见教材。'}故选{answer_token}。")
    return lines, entry


def _answer_token(q: Question, layout: Layout) -> str:
    if q.type == "true_false":
        if layout.tf == "options":
            return "A" if q.answer else "B"
        yes, no = TF_MARKS[layout.tf]
        return yes if q.answer else no
    return str(q.answer)


def _render_key(entries: list[str], first: int, layout: Layout, rng: random.Random,
                with_heading: bool = True) -> list[str]:
    numbers = list(range(first, first + len(entries)))
    head = [rng.choice(KEY_HEADINGS)] if with_heading else []
    if layout.answers == "range_key" and all(len(e) == 1 for e in entries):
        rows = []
        for k in range(0, len(entries), 5):
            chunk = entries[k:k + 5]
            rows.append(f"{numbers[k]}-{numbers[k] + len(chunk) - 1} {''.join(chunk)}" if len(chunk) > 1
                        else f"{numbers[k]}.{chunk[0]}")     # nobody prints a range of one
        return head + [" ".join(rows)]
    if layout.answers == "run_together" and all(re.fullmatch(r"[A-E√×]+", e) for e in entries):
        return head + ["".join(f"{n}.{e}" for n, e in zip(numbers, entries))]
    return head + ["  ".join(f"{n}.{e}" for n, e in zip(numbers, entries))]


def _expected(q: Question, n: int, layout: Layout, section: str) -> dict:
    tf_options = q.type == "true_false" and layout.tf == "options"
    objective = q.type in ("single_choice", "multiple_choice", "true_false")
    added_blank = layout.answers == "blank" and objective and "（）" not in q.stem
    return {
        "number": str(n) if layout.number != "nth" else f"第{n}题",
        "type": q.type,
        "stem": q.stem + ("（）" if added_blank else ""),
        "options": {"ABCDEFGH"[k]: t for k, t in enumerate(q.options)} if not tf_options else {},
        "answer": None if layout.answers == "none" or q.type not in ("single_choice", "multiple_choice", "true_false")
        else q.answer,
        "answer_text": q.answer if q.type not in ("single_choice", "multiple_choice", "true_false")
        and layout.answers in ("inline", "key_section", "key_end") else None,
    }


def _lay_out(lines: list[str], layout: Layout, title: str, rng: random.Random) -> str:
    if layout.lines == "one_line":
        return "".join(lines)
    if layout.lines == "wrapped":
        width = 24
        wrapped = []
        for ln in lines:
            while len(ln) > width + 4 and not re.match(r"[A-Ha-h][.、．:）]", ln):
                wrapped.append(ln[:width])
                ln = ln[width:]
            wrapped.append(ln)
        lines = wrapped
    if layout.furniture:
        paged, page = [], 1
        for k, ln in enumerate(lines):
            paged.append(ln)
            if k and k % 9 == 0:
                paged += [f"第 {page} 页 共 9 页", title]
                page += 1
        lines = paged
    sep = "\n\n" if layout.lines == "blank_lines" else "\n"
    return sep.join(lines)


def _cut(text: str, expected: list[dict], rng: random.Random) -> tuple[str, list[dict]]:
    """A preview cut inside the last question's stem: the questions before it come back whole."""
    last = expected[-1]
    # the stem's place, not an option that starts with the same words ("C.呼出型客户服务…")
    starts = [m.start() for m in re.finditer(re.escape(last["stem"][:6]), text)
              if not re.search(r"[A-Ha-h][ \t]*[.、．:）)]$", text[max(0, m.start() - 3):m.start()])]
    at = starts[-1] if starts else -1
    if at < 0 or len(last["stem"]) < 8:
        return text, expected
    text = text[:at + rng.randint(3, 6)]
    return text, expected[:-1] + [dict(last, cut=True)]


_GLOSSES = {"应": "yīng", "当": "dāng", "说": "shuō", "进": "jìn", "为": "wéi", "务": "wù", "关": "guān", "于": "yú"}


def _traditional(text: str, rng: random.Random) -> str:
    to_traditional = converter("s2t")  # one converter: building one takes milliseconds
    trad = to_traditional.convert(text)
    for simp, py in _GLOSSES.items():
        char = to_traditional.convert(simp)
        trad = trad.replace(char, f"{char}({py})", 2)
    return trad


TYPES = ["single_choice", "multiple_choice", "true_false", "fill_blank", "short_answer", "essay", "case_analysis"]


def random_case(seed: int, pool: list[Question] | None = None):
    """A layout and a bank drawn from one seed: (layout, types, text, expected), or None when the
    drawn combination is not one a page prints (see `valid`). The bench's corpus and the fixed
    cases of the tests are named by these seeds."""
    rng = random.Random(seed)
    layout = Layout(
        number=rng.choice(sorted(NUMBER_STYLES)), heading=rng.choice(["numbered", "plain", "noted", "tags", "none"]),
        options=rng.choice(["lines", "one_line", "glued", "two_column"]), option_delim=rng.choice(OPTION_DELIMS),
        lower=rng.random() < 0.2,
        answers=rng.choice(["inline", "blank", "key_section", "key_end", "range_key", "run_together", "conclusion",
                            "none"]),
        answer_marker=rng.choice(ANSWER_MARKERS), explanation=rng.random() < 0.5,
        tf=rng.choice(sorted(TF_MARKS) + ["options"]), blank=rng.choice(BLANKS),
        lines=rng.choice(["normal", "one_line", "wrapped", "blank_lines"]), furniture=rng.random() < 0.3,
        boilerplate=rng.random() < 0.3, traditional=rng.random() < 0.3, cut=rng.random() < 0.3,
        start=rng.choice([1, 1, 1, 7]), restart=rng.random() < 0.5,
        # drawn apart, so that the seeds named in tests/cases keep the rest of their layout
        answer_blank=random.Random(f"answer_blank {seed}").choice(ANSWER_BLANKS),
        tf_line=random.Random(f"tf_line {seed}").random() < 0.4)
    types = rng.sample(TYPES, rng.randint(1, 3))
    bank = make_bank(rng, types, rng.randint(1, 6), pool)
    if not valid(layout, bank):
        return None
    text, expected = render(bank, layout, rng)
    return layout, types, text, expected


# --- reading it back -------------------------------------------------------------------

def norm(s) -> str:
    """Text as compared: NFKC, no whitespace."""
    return "" if s is None else re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)))


def answer_of(rec):
    if rec.type == "true_false":
        return rec.answer["judgement"]
    if rec.type in ("single_choice", "multiple_choice"):
        return "".join(rec.answer["labels"]) or None
    return None


def compare(records, expected: list[dict]) -> str | None:
    """The first way the records differ from the expected ones (None: they agree)."""
    if len(records) != len(expected):
        return f"{len(records)} records for {len(expected)}: " + repr(
            ([(r.number, r.stem[:12]) for r in records], [e["stem"][:12] for e in expected]))
    for rec, want in zip(records, expected):
        if want.get("cut"):
            if "truncated" not in rec.flags:
                return f"not flagged truncated: {rec.stem[:30]!r}"
            continue
        if rec.number != want["number"]:
            return f"number {rec.number!r} for {want['number']!r}: {want['stem'][:30]!r}"
        if rec.type != want["type"]:
            return f"type {rec.type} for {want['type']}: {rec.stem[:30]!r}"
        if norm(rec.stem) != norm(want["stem"]):
            return f"stem {rec.stem!r} for {want['stem']!r}"
        got = {o["label"]: norm(o["text"]) for o in rec.options}
        if got != {k: norm(v) for k, v in want["options"].items()}:
            return f"options {got} for {want['options']}"
        if want["answer"] is not None and answer_of(rec) != want["answer"]:
            return f"answer {answer_of(rec)!r} for {want['answer']!r}: {rec.stem[:30]!r}"
        if want["answer_text"] and norm(rec.answer["text"]) != norm(want["answer_text"]):
            return f"answer text {rec.answer['text']!r} for {want['answer_text']!r}"
    return None
