"""A paper and its separate answer file, read together.

Exams are often shared as two files in one folder: `2024A卷.pdf` and
`2024A卷参考答案.pdf`, `…(含答案).docx`, `…答案.docx`. `group(tasks)` finds
such pairs by name (the name patterns are the tables below) and marks both
tasks. The paper is then read with the answer file's text appended after a
key heading (ANSWER_HEADING, on a new page), so the general answer-key
linking does the rest: its records get `answer_source: answer_key`, and
records found in the appended part are dropped (the answer file yields no
questions of its own). The answer file's own task yields no records and
names its paper. When no answer in the answer file links to a question of
the paper (or the answer file cannot be read), the pair is not matched:
both files are read on their own, each with the reason in its manifest
entry. Both tasks decide the same way from the same bytes, so the outcome
does not depend on the engine or on which finishes first.
"""
from __future__ import annotations

import dataclasses
import posixpath
import unicodedata

import regex as re

from . import PAGE_BREAK, UnreadableInput
from . import read as read_format

# What an answer file's name adds to its paper's name (longest first when matched).
ANSWER_NAME_WORDS = ["参考答案及评分标准", "参考答案及解析", "参考答案与解析", "答案及评分标准", "答案及解析", "答案与解析",
                     "答案解析", "参考答案", "标准答案", "评分标准", "含答案", "附答案", "带答案", "答案版", "解析版", "答案"]
# What a paper's name may add that its answer file's name does not carry.
PAPER_NAME_WORDS = ["无答案", "不含答案", "原卷版", "学生版", "试卷", "试题", "原卷", "题目"]
# Characters around those words that do not count: brackets, separators, spaces.
NAME_SEPARATORS = "()（）[]【】{}<>《》-_—–·.、, 　+"
ANSWER_HEADING = "参考答案"

_ANSWER_WORD = re.compile("(?:" + "|".join(map(re.escape, sorted(ANSWER_NAME_WORDS, key=len, reverse=True))) + ")")
_PAPER_WORD = re.compile("(?:" + "|".join(map(re.escape, sorted(PAPER_NAME_WORDS, key=len, reverse=True))) + ")")


def _base(name: str) -> tuple[str, bool]:
    """(the name reduced to what paper and answer file share, is it an answer file's name)."""
    stem = unicodedata.normalize("NFKC", posixpath.splitext(posixpath.basename(name))[0]).lower()
    matches = list(_ANSWER_WORD.finditer(stem))
    is_answers = bool(matches)
    if matches:       # the last answer word is the suffix: "2024A卷参考答案" → "2024A卷"
        m = matches[-1]
        stem = stem[:m.start()] + stem[m.end():]
    else:
        stem = _PAPER_WORD.sub("", stem)
    return "".join(ch for ch in stem if ch not in NAME_SEPARATORS), is_answers


def group(tasks: list) -> list:
    """The tasks with `pair` set on each paper and answer file that pair up by name
    (same folder, same base name, exactly one paper and one answer file)."""
    by_key: dict[tuple[str, str], dict[str, list[int]]] = {}
    for i, task in enumerate(tasks):
        base, is_answers = _base(task.rel)
        if not base:
            continue
        slot = by_key.setdefault((posixpath.dirname(task.rel), base), {"paper": [], "answers": []})
        slot["answers" if is_answers else "paper"].append(i)
    out = list(tasks)
    for slot in by_key.values():
        if len(slot["paper"]) == 1 and len(slot["answers"]) == 1:
            p, a = slot["paper"][0], slot["answers"][0]
            out[p] = dataclasses.replace(tasks[p], pair=("paper", tasks[a].url, tasks[a].rel))
            out[a] = dataclasses.replace(tasks[a], pair=("answers", tasks[p].url, tasks[p].rel))
    return out


def combined(paper_text: str, answers_text: str) -> str:
    """The paper, then the answer file on a new page under the key heading."""
    return paper_text.rstrip("\n") + f"\n{PAGE_BREAK}\n{ANSWER_HEADING}\n" + answers_text


def append_answers(doc, answers) -> None:
    """Append the answer file's text to the paper's (before the stages after read)."""
    doc.paper_breaks = doc.text.count(PAGE_BREAK)
    doc.text = combined(doc.text, answers.text)
    doc.removed.extend(answers.removed)


def answer_part_start(text: str, paper_breaks: int) -> int:
    """Where the appended answer file begins in a cleaned text whose paper part held `paper_breaks` page breaks."""
    pos = -1
    for _ in range(paper_breaks + 1):
        pos = text.find(PAGE_BREAK, pos + 1)
        if pos < 0:
            return len(text)
    return pos


def process(task, data: bytes, companion: bytes, process_document):
    """The DocResult of one task of a pair (see the module docstring)."""
    role, _, other_rel = task.pair
    paper_rel, paper_data, answers_rel, answers_data = (
        (task.rel, data, other_rel, companion) if role == "paper" else (other_rel, companion, task.rel, data))
    reason = None
    try:
        answers = read_format(answers_data, answers_rel)
    except UnreadableInput as e:
        answers, reason = None, f"answer file unreadable: {e}"
    joined = None
    if answers is not None:
        joined = process_document(paper_rel, paper_data, answers=answers)
        if joined.doc.error:
            reason = f"paper unreadable: {joined.doc.error}"
        elif not any(r.answer_source == "answer_key" for r in joined.doc.records):
            reason = "no answer in the answer file links to a question of the paper"
    if reason is None:
        if role == "paper":
            joined.doc.pair = {"role": "paper", "with": answers_rel, "status": "paired"}
            return joined
        alone = process_document(task.rel, data, questions=False)
        alone.doc.pair = {"role": "answers", "with": paper_rel, "status": "paired"}
        return alone
    result = process_document(task.rel, data)
    result.doc.pair = {"role": role, "with": other_rel, "status": f"not matched: {reason}"}
    return result
