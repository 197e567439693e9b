"""Pattern tables for the structure of exam text (after normalization).

Shared by normalize (which must not join a line onto a question number) and
segment (which cuts on them). Adding a heading word or an answer marker is
one entry here.
"""
from __future__ import annotations

import regex as re

HAN = r"\p{Han}"
CN_NUM = "一二三四五六七八九十百零〇"

# Option labels: "A." "A、" "A．" "(A)"; OCR variants R.→B., I).→D., B,→B.
OPTION_LABEL = r"(?:[A-F](?:\s*[.．、]|,(?=\S))|[(（][A-F][)）]|R\.|I\)\.)"
OPTION_AT_START = re.compile(rf"^\s*{OPTION_LABEL}")

# Section headings: the word decides the question type (SPEC.md "Types").
# Order matters: the first word found in a heading wins.
SECTION_TYPES = [
    ("不定项", "multiple_choice"),
    ("多项选择", "multiple_choice"),
    ("多选", "multiple_choice"),
    ("单项选择", "single_choice"),
    ("单选", "single_choice"),
    ("判断", "true_false"),
    ("是非", "true_false"),
    ("填空", "fill_blank"),
    ("论述", "essay"),
    ("案例", "case_analysis"),
    ("情景", "case_analysis"),
    ("材料分析", "case_analysis"),
    ("作文", "essay"),
    ("写作", "essay"),
    ("阅读理解", "case_analysis"),
    ("材料题", "case_analysis"),
    ("简答", "short_answer"),
    ("解答", "short_answer"),
    ("证明", "short_answer"),
    ("问答", "short_answer"),
    ("名词解释", "short_answer"),
    ("计算", "short_answer"),
    ("选择", "choice"),          # 选择题: single or multiple, decided by the answers
    ("真题解析", "open"),        # worked examples: short_answer unless a case
    ("例题", "open"),
    ("实操", "open"),
]
SECTION_WORDS = "|".join(re.escape(w) for w, _ in SECTION_TYPES)

# "一、单选题", "二.多选题", "三、判断题:", "面试问答题(共20题)", "二.案例分析",
# "一、理论知识与基础概念类真题解析", "简答题" alone on a line.
SECTION_HEADING = re.compile(
    rf"^(?!\s*{OPTION_LABEL})(?:[{CN_NUM}]+\s*[、.．]\s*|第[{CN_NUM}\d]+(?:部分|大题|节)\s*[、.．:：]?\s*)?"
    rf"(?P<title>[^\n。?？]{{0,24}}?(?:{SECTION_WORDS})[^\n。?？]{{0,6}}?)"
    rf"\s*(?:[(（][^)）\n]{{0,20}}[)）])?\s*[:：]?\s*$"
)
# A section heading glued to the text before and after it (one-line dumps).
INLINE_SECTION = re.compile(
    rf"(?P<num>[{CN_NUM}]{{1,3}})\s*[、.．]\s*(?P<title>(?:单项选择|多项选择|单选|多选|选择|判断|填空|简答|问答|论述|案例分析|解答|计算|不定项选择?)题?)\s*[:：]?"
)

# Chapters: "项目一客户服务与管理概述", "第一章 …", "模块二 …", "单元三 …"
CHAPTER_HEADING = re.compile(
    rf"^(?P<label>(?:项目|模块|单元|任务|专题)[{CN_NUM}\d]+|第[{CN_NUM}\d]+[章篇单元])\s*(?P<title>[^\n]{{0,40}})$"
)

# Question numbers at the start of a line: 1.  1、 1． 【例题1】 第一题: (1)
QUESTION_NUMBER = re.compile(
    rf"^\s*(?:"
    rf"【(?P<bracket>例题?\s*\d+|第[{CN_NUM}\d]+题)】"
    rf"|(?P<nth>第[{CN_NUM}\d]+题)\s*[:：.、]?"
    rf"|[(（](?P<paren>\d{{1,3}})[)）]\s*(?=\S)"
    rf"|(?P<num>\d{{1,3}})\s*(?:[.、．]|\s(?=\S)|(?=\p{{Han}}))"
    rf")"
)

# Inline answer / explanation markers.
ANSWER_MARKERS = [
    r"【\s*(?:参考)?答案\s*】", r"【\s*答案与解析\s*】", r"参考答案\s*[:：]?", r"正确答案\s*[:：]",
    r"答案要点\s*[:：]?", r"答案与解析", r"答案\s*[:：]",
]
EXPLANATION_MARKERS = [
    r"【\s*(?:深度|答案|试题)?解析\s*】", r"【\s*点评\s*】", r"(?:答案)?解析\s*[:：]",
]
ANSWER_LINE = re.compile(rf"^\s*(?:{'|'.join(ANSWER_MARKERS)})")
EXPLANATION_LINE = re.compile(rf"^\s*(?:{'|'.join(EXPLANATION_MARKERS)})")

# A line that starts a new structural unit: never glue it onto the line above.
def starts_unit(line: str) -> bool:
    return bool(
        QUESTION_NUMBER.match(line)
        or OPTION_AT_START.match(line)
        or SECTION_HEADING.match(line)
        or CHAPTER_HEADING.match(line)
        or ANSWER_LINE.match(line)
        or EXPLANATION_LINE.match(line)
    )
