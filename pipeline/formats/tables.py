"""Tables → lines. A row is one line, its cells in reading order separated
by CELL_SEPARATOR. An answer-key table (a row of question numbers over a row
of answers, or a 题号 | 答案 column pair) becomes key lines the answer-key
linking already reads: `答案：1.B 2.C 3.D`.
"""
from __future__ import annotations

import regex as re

from .. import vocab

CELL_SEPARATOR = "  "
# The heading cells of a key table's number row / answer row (vocab: one table for every reader).
NUMBER_HEADINGS = vocab.KEY_TABLE_NUMBER_HEADINGS
ANSWER_HEADINGS = vocab.KEY_TABLE_ANSWER_HEADINGS
KEY_LINE_PREFIX = "答案："

_NUMBER_CELL = re.compile(r"^\d{1,3}(?:\s*[-~—～]\s*\d{1,3})?$")
# an answer cell: option letters, a true/false mark, or a short word (fill-in keys)
_ANSWER_CELL = re.compile(r"^(?:[A-Ha-h]{1,8}|[√×✓✗✔✘对错TFVX]|正确|错误|[^\s]{1,12})$")
_NUMBER_HEADING = re.compile("^(?:" + "|".join(NUMBER_HEADINGS) + ")[:：]?$")
_ANSWER_HEADING = re.compile("^(?:" + "|".join(ANSWER_HEADINGS) + ")[:：]?$")


def _squash(cell: str) -> str:
    return re.sub(r"\s+", " ", cell).strip()


def _numbers(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return len(filled) >= 2 and all(_NUMBER_CELL.match(c) for c in filled)


def _answers(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and all(_ANSWER_CELL.match(c) for c in filled) and \
        sum(bool(re.match(r"^[A-Ha-h]{1,8}$|^[√×✓✗✔✘对错]$|^正确$|^错误$", c)) for c in filled) >= len(filled) / 2


def _pairs(numbers: list[str], answers: list[str]) -> str:
    items = []
    for n, a in zip(numbers, answers):
        if n and a:
            n = re.sub(r"\s+", "", n)
            items.append(f"{n} {a}" if re.search(r"\D", n) else f"{n}.{a}")
    return KEY_LINE_PREFIX + " ".join(items) if items else ""


def _strip_heading(row: list[str], heading: re.Pattern) -> tuple[list[str], bool]:
    if row and heading.match(row[0].replace(" ", "")):
        return row[1:], True
    return row, False


def key_lines(rows: list[list[str]]) -> list[str] | None:
    """The key lines of an answer-key table, or None when it is not one."""
    rows = [[_squash(c) for c in row] for row in rows if any(c.strip() for c in row)]
    if len(rows) < 2:
        return None
    # horizontal: number rows each followed by an answer row
    lines, i, horizontal = [], 0, True
    while i < len(rows):
        nums, named_n = _strip_heading(rows[i], _NUMBER_HEADING)
        if i + 1 < len(rows):
            answers, named_a = _strip_heading(rows[i + 1], _ANSWER_HEADING)
            if named_n == named_a and len(nums) == len(answers) and _numbers(nums) and _answers(answers):
                lines.append(_pairs(nums, answers))
                i += 2
                continue
        horizontal = False
        break
    if horizontal and lines:
        return [ln for ln in lines if ln]
    # vertical: a 题号 | 答案 heading row (or none), then number | answer rows, maybe side by side
    body = rows
    head = rows[0]
    if all(_NUMBER_HEADING.match(h.replace(" ", "")) or _ANSWER_HEADING.match(h.replace(" ", "")) for h in head if h):
        body = rows[1:]
    width = max(len(r) for r in body)
    if width % 2 or not body:
        return None
    pairs = []
    for col in range(0, width, 2):
        nums = [r[col] if col < len(r) else "" for r in body]
        answers = [r[col + 1] if col + 1 < len(r) else "" for r in body]
        if not (_numbers(nums) and _answers(answers)):
            return None
        pairs.append(_pairs(nums, answers))
    return [p for p in pairs if p] or None


def render(rows: list[list[str]]) -> list[str]:
    """The lines of a table: key lines for an answer-key table, else one line a row."""
    keys = key_lines(rows)
    if keys:
        return keys
    out = []
    for row in rows:
        cells = [_squash(c) for c in row if c.strip()]
        if cells:
            out.append(CELL_SEPARATOR.join(cells))
    return out
