"""The vocabulary of exam documents: every marker, heading word, label and
mark the extraction knows, as data, and the regular expressions built from it.

Everything here is matched against *normalized* text (simplified, width
folded: ASCII letters, digits and `.:,;?!()` ; Chinese `。、，；：？！（）【】`).
Adding a word to a table is one line and works everywhere it is used:
segment, link and normalize import the compiled patterns from here and
never spell a marker themselves. tests/test_vocab.py walks every table.
"""
from __future__ import annotations

import re

# --- character classes ------------------------------------------------------

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CN_DIGITS = "〇零一二三四五六七八九十百两"
ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽"
# where a sentence, a clause or a bracketed phrase ends
TERMINAL = "。！？!?；;"
CLOSERS = "）)」』”’】]"

# --- question types ---------------------------------------------------------

TYPES = ("single_choice", "multiple_choice", "true_false", "fill_blank", "short_answer", "essay", "case_analysis")
CHOICE_TYPES = ("single_choice", "multiple_choice")
OBJECTIVE_TYPES = ("single_choice", "multiple_choice", "true_false")

# Section and type-tag words → type. The longest word found in a heading wins.
# "choice": single or multiple, decided by the answers; "open": short_answer
# unless the item carries a case; None: a heading that names no type.
SECTION_WORDS = {
    "单项选择": "single_choice", "单选": "single_choice", "最佳选择": "single_choice",
    "A1型": "single_choice", "A2型": "single_choice", "A3型": "single_choice", "A4型": "single_choice",
    "A3/A4型": "single_choice", "B型": "single_choice", "B1型": "single_choice",
    "共用题干": "single_choice", "共用备选答案": "single_choice", "配伍选择": "single_choice",
    "多项选择": "multiple_choice", "多选": "multiple_choice", "不定项选择": "multiple_choice", "不定项": "multiple_choice",
    "X型": "multiple_choice",
    "选择": "choice",
    "判断": "true_false", "是非": "true_false", "是非判断": "true_false", "判断正误": "true_false",
    "正误判断": "true_false", "对错": "true_false",
    "填空": "fill_blank",
    "名词解释": "short_answer", "简答": "short_answer", "问答": "short_answer",
    "解答": "short_answer", "计算": "short_answer", "证明": "short_answer", "辨析": "short_answer",
    "面试问答": "short_answer", "概念": "short_answer",
    "论述": "essay", "作文": "essay", "写作": "essay",
    "案例分析": "case_analysis", "案例": "case_analysis", "情景": "case_analysis", "材料分析": "case_analysis",
    "材料题": "case_analysis", "阅读理解": "case_analysis", "综合分析": "case_analysis",
    "例题": "open", "真题解析": "open", "实操": "open",
}
# Material printed once for a run of questions: "（2～3题共用题干）" a case the questions 2 and 3
# ask about; "（4～5题共用备选答案）" options A–E the questions 4 and 5 choose from.
SHARED_MATERIAL = {"共用题干": "stem", "共用备选答案": "options", "共用选项": "options"}
# The heading cells of an answer-key table, a row of numbers over a row of answers ("题号 1 2 3" /
# "答案 B A C"), in a Word table or printed as text
KEY_TABLE_NUMBER_HEADINGS = ["题号", "题次", "序号", "题目", "小题"]
KEY_TABLE_ANSWER_HEADINGS = ["参考答案", "正确答案", "标准答案", "答案", "选项", "答"]
# a case's own questions, numbered under a word that asks them: "问题：\n1.…"
CASE_QUESTIONS = re.compile(r"(?:问题|要求|请回答)[:：]?[ \t]*\n[ \t]*[1１][.．、]")
# Exam modules that contain a type word but name no type: 判断推理 is not true/false.
MODULE_WORDS = ["判断推理", "常识判断", "逻辑判断", "定义判断", "图形推理", "类比推理", "言语理解", "数量关系",
                "资料分析", "数字推理"]

# --- numbering ------------------------------------------------------------

# Heading numbering: "一、" "二." "(三)" "第四部分" "Ⅴ." "5、"? (Arabic only with a section word)
HEADING_NUMBER = (rf"(?:[{CN_DIGITS}]{{1,3}}\s*[、.．,，]?|[(（][{CN_DIGITS}]{{1,3}}[)）]|[{ROMAN}]\s*[、.．]?"
                  rf"|第\s*[{CN_DIGITS}\d]{{1,3}}\s*(?:部分|大题|节|题型|类)\s*[、.．:：]?)")
# Delimiters after a question number, strongest first.
NUMBER_DELIMITERS = {".": 1.0, "．": 1.0, "、": 1.0, ")": 0.3, "）": 0.3, ",": -0.6, "，": -0.6, ":": -0.2, "：": -0.2}
# Measure words: a bare number glued to one is a quantity, not a question number.
UNITS = "年月日时分秒点个人次位名条款项页章节岁元角米吨克升度倍层级届期号种类件台辆套本张份组只项天周股户批所家"

# --- chapters -------------------------------------------------------------

# "第一章 …", "专题一 …", "项目二 …", "模拟试卷（一）", "第1卷", "试卷二", "第3套"
CHAPTER_LABELS = [
    rf"第[ \t]*[{CN_DIGITS}\d]{{1,3}}[ \t]*(?:章|篇|单元|卷|套|编|讲|模块|课)",
    rf"(?:项目|模块|单元|任务|专题|课题|情境|学习情境)[ \t]*[{CN_DIGITS}\d]{{1,3}}",
    rf"(?:模拟|综合|测试|练习|自测|考试)?(?:试卷|试题|测试|练习)[ \t]*[(（][{CN_DIGITS}\d]{{1,3}}[)）]",
    rf"(?:模拟)?试卷[ \t]*[{CN_DIGITS}\d]{{1,2}}(?![{CN_DIGITS}\d])",
    r"(?:Part|PART|Unit|UNIT|Chapter|CHAPTER)[ \t]*\d{1,2}",
]

# --- answers, explanations and keys ---------------------------------------

# Words that introduce an answer. Printed bare with a colon, or in brackets.
ANSWER_WORDS = ["参考答案", "正确答案", "标准答案", "答案要点", "参考答案要点", "答案与解析", "答案及解析", "参考答案及解析",
                "答案", "答"]
# ... the same, ending an explanation with the answer in it: "故选B", "正确答案为C"
CONCLUSION_WORDS = ["故本题选", "故本题答案为", "故本题答案选", "本题答案为", "本题答案选", "本题正确答案为",
                    "故正确答案为", "正确答案为", "正确答案是", "故答案为", "故答案选", "所以答案为", "所以答案选",
                    "答案为", "答案选", "答案是", "答案应当为", "答案应为", "正确选项为", "正确选项是", "故应选", "故选择",
                    "故选", "所以选", "因此选", "本题选", "应当选", "应选"]
# Words that introduce an explanation.
EXPLANATION_WORDS = ["答案解析", "试题解析", "深度解析", "题目解析", "解析", "详解", "分析", "点睛", "点评", "评析",
                     "备注", "解题思路和依据", "解题思路", "思路点拨", "提示", "注释", "说明"]
# Labels of metadata printed with answers; their text is dropped from answers and explanations.
INFO_WORDS = ["考查知识点", "知识点", "知识模块", "考点", "考查要点", "应注意的问题", "难度", "难易度", "来源", "题源",
              "出处", "能力层次", "题型", "试题来源", "分值", "得分"]
# Bare words that are also ordinary words ("请回答:", "试分析:"): a marker only
# where no character of a word stands before them.
BOUNDARY_WORDS = ["答", "分析", "点评", "评析", "详解", "备注", "难度", "来源", "题型", "分值", "得分", "出处"]
# ... and words too common to mark anything unless printed in brackets: 【说明】 【提示】
BRACKET_ONLY_WORDS = ["说明", "提示", "注释"]
# Brackets a marker may be printed in: 【答案】 [答案] 「参考答案」 〔答案〕
MARKER_BRACKETS = [("【", "】"), ("[", "]"), ("「", "」"), ("〔", "〕"), ("〖", "〗")]
# Headings of answer keys: "参考答案", "答案与解析", "本章答案:", "模拟试卷（一）参考答案"
KEY_WORDS = ["参考答案及解析", "参考答案与解析", "参考答案与评分标准", "参考答案及评分标准", "答案及解析", "答案与解析",
             "答案和解析", "参考答案", "标准答案", "答案解析", "答案部分", "答案速查", "习题答案", "试题答案",
             "练习答案", "本章答案", "本节答案", "单元答案", "答案要点", "答案"]

# --- true / false ------------------------------------------------------------

# Judgement marks as printed in keys, blanks and inline answers: mark → (value, OCR repair).
# V and J are how these keys print √ and are not repairs; 义 is × misread, ⅹ the roman numeral.
JUDGEMENTS = {
    "正确": (True, False), "对": (True, False), "√": (True, False), "✓": (True, False), "✔": (True, False),
    "☑": (True, False), "V": (True, False), "J": (True, False), "T": (True, False), "Y": (True, False),
    "是": (True, False), "v": (True, True), "7": (True, True),
    "错误": (False, False), "错": (False, False), "×": (False, False), "✗": (False, False), "✘": (False, False),
    "╳": (False, False), "X": (False, False), "F": (False, False), "N": (False, False), "否": (False, False),
    "ⅹ": (False, True), "Ⅹ": (False, True), "x": (False, True), "义": (False, True), "乂": (False, True),
}
# judgement marks in a key entry: "6.正确", "1-4 √××√", "3.T" (as printed: no OCR misreadings,
# and not 是/否, which begin words: "1.是指…")
KEY_JUDGEMENTS = [w for w, (_, ocr) in JUDGEMENTS.items() if not ocr and w not in ("是", "否")]
# … and every mark a key may hold once it is known to be a key, OCR misreadings included
# ("7" for √ only where a digit cannot be meant: keys.py)
KEY_JUDGEMENTS_ANY = [w for w in JUDGEMENTS if w != "7"]
# marks that may stand alone in brackets after a stem, "(√)", "（ × ）"
BRACKET_JUDGEMENTS = ["√", "✓", "✔", "×", "✗", "✘", "╳", "ⅹ", "Ⅹ", "X", "x", "V", "T", "F", "对", "错", "正确", "错误"]
# marks that are only ever judgements (not letters, not words that begin sentences)
JUDGEMENT_SYMBOLS = [j for j in BRACKET_JUDGEMENTS if not j.isalnum()]
# option texts that make a choice question a true/false one: "A.正确 B.错误"
JUDGEMENT_OPTIONS = {"正确": True, "对": True, "√": True, "是": True, "错误": False, "错": False, "×": False,
                     "否": False}

# --- options -----------------------------------------------------------------

OPTION_LETTERS = "ABCDEFGH"
# Delimiters after an option letter: A. A、 A． A: A) ; OCR reads "B," for "B."
OPTION_DELIMITERS = [".", "．", "、", ":", "：", ")", "）"]
OPTION_OCR_DELIMITERS = [","]
# OCR misreadings of a label, read as the label they stand for
OPTION_OCR_LABELS = {"R.": "B", "I).": "D"}
# Choice-key characters OCR confuses with letters ("O"/"o" = the letter the sequence lacks)
LETTER_OCR = {"0": "D", "O": None, "o": None, "R": "B", "8": "B"}
# a tick printed after a re-listed option letter marks it right: "A.B.C.√D."
TICKS = ["√", "✓", "✔"]
# An image placeholder (DOCX/PDF readers, markdown image lines in pages)
IMAGE_TOKENS = ["[图片]", "[图]", "〔图片〕"]

# --- what else is printed around questions -----------------------------------

# Score notes: "（2分）", "(分数:2.00)", "(每题1分，共20分)", "[本题3分]"
SCORE_NOTE = r"[(（\[【]\s*(?:本题|本小题|每题|每小题|分数|分值|满分|共)?\s*[:：]?\s*\d+(?:\.\d+)?\s*分?\s*[)）\]】]"
# Count notes in headings: "共20题", "共10小题", "总题数:49", "每题1分，共30分"
COUNT_NOTE = r"(?:共\s*(?P<n1>\d{1,3})\s*(?:小?题|道|个小题)|总题数\s*[:：]\s*(?P<n2>\d{1,3})|(?P<n3>\d{1,3})\s*(?:小题|道题))"
# Difficulty stars and source tags printed before a stem: "★★", "(2012年单选题)", "(02.卷三。单。14)"
STEM_PREFIX = (r"(?:[★☆]+\s*|[(（【\[]\s*(?:\d{2,4}\s*年[^)）\]】]{0,12}|\d{2}\s*[.．]\s*卷[^)）\]】]{0,12}"
               r"|[^)）\]】]{0,10}真题[^)）\]】]{0,6}|\d{2,4}\s*一\s*\d{1,2}\s*月)[)）\]】]\s*)")
# Blanks as printed: "(  )" "（　）" "____" "＿＿"; "__B__" holds its answer.
BLANK = r"[(（]\s*[)）]|_{2,}|＿{2,}|—{3,}"
# Page numbers printed by the page: "- 3 -", "第 3 页 共 5 页", "共5页 第3页", "3/5", "Page 3 of 5"
PAGE_NUMBER = (r"-\s*\d{1,4}\s*-|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
               r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?")
# ... glued to the text: only the unmistakable forms
PAGE_NUMBER_GLUED = (r"(?:-\s*\d{1,4}\s*-\s*)?第\s*\d{1,4}\s*页\s*[,，/]?\s*共\s*\d{1,4}\s*页"
                     r"|-\s*\d{1,4}\s*-(?=[ \t]*(?:\n|$))")
# Markup left by templates: "{{B}}…{{/B}}"
TEMPLATE_RESIDUE = r"\{\{/?[A-Za-z]{1,6}\}\}"
# What an exported online quiz records of one person's attempt: not the answer, not the question
# ("我的答案：B 正确答案：A 得分：0分")
RESPONSE_WORDS = ["我的答案", "你的答案", "您的答案", "学生答案", "考生答案", "用户答案", "作答结果"]
SCORE_WORDS = ["本题得分", "得分", "我的得分"]


# --- builders -----------------------------------------------------------------

def alternation(words) -> str:
    """One regex alternation of literal words, longest first (so 参考答案 wins over 答案)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def bracketed(words, colon_optional: bool = False) -> str:
    """A marker as printed: in any bracket pair, or bare followed by a colon."""
    alt = alternation(words)
    opens = "".join(re.escape(o) for o, _ in MARKER_BRACKETS)
    closes = "".join(re.escape(c) for _, c in MARKER_BRACKETS)
    colon = r"\s*[:：]?" if colon_optional else r"\s*[:：]"
    free = alternation(w for w in words if w not in BOUNDARY_WORDS and w not in BRACKET_ONLY_WORDS)
    bound = alternation(w for w in words if w in BOUNDARY_WORDS)
    bare = f"(?:{free})" + (rf"|(?<![{HAN}A-Za-z])(?:{bound})" if bound else "")
    return rf"(?:[{opens}]\s*(?:{alt})\s*[{closes}]\s*[:：]?|(?:{bare}){colon})"


SECTION_ALT = alternation(SECTION_WORDS)
SHARED_MARK = re.compile(rf"[(（]\s*(?:第\s*)?(?P<first>\d{{1,3}})\s*[~～\-—－至到]\s*(?P<last>\d{{1,3}})\s*题?\s*"
                         rf"(?P<word>{alternation(SHARED_MATERIAL)})\s*[)）]")
MODULE_ALT = alternation(MODULE_WORDS)

# An answer marker: 答案: 【答案】 [答案] 「参考答案」 正确答案： 参考答案 — or the word alone on its line
def _marker(words) -> str:
    alone = alternation(w for w in words if w not in BRACKET_ONLY_WORDS)
    return rf"{bracketed(words)}|(?m:^[ \t]*(?:{alone})[ \t]*[:：]?[ \t]*$)"


ANSWER_MARKER = re.compile(_marker(ANSWER_WORDS))
EXPLANATION_MARKER = re.compile(_marker(EXPLANATION_WORDS))
INFO_MARKER = re.compile(bracketed(INFO_WORDS))
# any of the three, for cutting an item into parts
ANY_MARKER = re.compile(rf"(?P<answer>{ANSWER_MARKER.pattern})|(?P<explanation>{EXPLANATION_MARKER.pattern})"
                        rf"|(?P<info>{INFO_MARKER.pattern})")
# a line that opens with an answer marker
ANSWER_LINE = re.compile(rf"^\s*(?:{ANSWER_MARKER.pattern})")
# an option label as printed: "A." "A、" "(A)" "B," (OCR) "R." (OCR for B.)
OPTION_LABEL = (rf"(?:[{OPTION_LETTERS}]\s*[{''.join(re.escape(d) for d in OPTION_DELIMITERS)}]"
                rf"|[{OPTION_LETTERS}],(?=\S)|[(（][{OPTION_LETTERS}][)）]"
                rf"|{'|'.join(re.escape(k) for k in OPTION_OCR_LABELS)})")
# a line that is only a marker: "答案要点", "参考答案：", "【解析】"
MARKER_LINE = re.compile(rf"^\s*(?:{bracketed(ANSWER_WORDS + EXPLANATION_WORDS, colon_optional=True)})\s*$")
CONCLUSION = re.compile(rf"(?:{alternation(CONCLUSION_WORDS)})\s*[:：]?\s*(?:选项)?\s*"
                        rf"(?P<ans>[A-H](?:\s*[、,，和与及]?\s*[A-H])*)(?![A-Za-z])")

_JUDGE_ALT = alternation(JUDGEMENTS)
JUDGEMENT_TOKEN = re.compile(rf"(?:{_JUDGE_ALT})")
# "(√)", "（ × ）", "(对)" — a judgement in brackets
# or written on the blank's line, "__√__"
BRACKET_JUDGEMENT = re.compile(
    rf"[(（]\s*(?P<mark>{alternation(BRACKET_JUDGEMENTS)})\s*[)）]"
    rf"|_{{2,}}\s*(?P<underlined>{alternation(BRACKET_JUDGEMENTS)})\s*_{{2,}}")

KEY_HEADING_WORDS = alternation(KEY_WORDS)
# a heading note telling how to mark true/false answers: "正确的打√，错误的打×", "对的填T"
TF_INSTRUCTION = re.compile(rf"(?:正确|对|错误|错)的?(?:打|填|画|划|写)\s*[“\"]?(?:{alternation(KEY_JUDGEMENTS)})")
TYPE_TAG = rf"[【\[(（]\s*(?:{SECTION_ALT})题?\s*[】\])）]"
SECTION_TYPE_TAG = re.compile(rf"[【\[(（]\s*(?P<word>{SECTION_ALT})题?\s*[】\])）]")
SCORE_NOTE_RE = re.compile(SCORE_NOTE)
COUNT_NOTE_RE = re.compile(COUNT_NOTE)
STEM_PREFIX_RE = re.compile(rf"^\s*(?:{STEM_PREFIX})+")
BLANK_RE = re.compile(BLANK)
TEMPLATE_RESIDUE_RE = re.compile(TEMPLATE_RESIDUE)
QUIZ_RESPONSE_RE = re.compile(
    rf"(?:{alternation(RESPONSE_WORDS)})[ \t]*[:：][ \t]*(?:[A-Ha-h](?:[ \t]*[,，、]?[ \t]*[A-Ha-h])*"
    rf"|{alternation(BRACKET_JUDGEMENTS)})?"
    rf"|(?:{alternation(SCORE_WORDS)})[ \t]*[:：][ \t]*\d+(?:\.\d+)?[ \t]*分?")
CHAPTER_LABEL = "|".join(f"(?:{p})" for p in CHAPTER_LABELS)
IMAGE_RE = re.compile(rf"(?:{alternation(IMAGE_TOKENS)})|!\[[^\]\n]*\]\([^)\n]*\)")

_CN_VALUES = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_VALUES.update({"〇": 0, "两": 2})


def chinese_number(s: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105, 7 → 7."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(c not in CN_DIGITS for c in s):
        return None
    total, current = 0, 0
    for c in s:
        if c == "百":
            total += (current or 1) * 100
            current = 0
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_VALUES[c]
    return total + current


def section_type(title: str | None) -> str | None:
    """The type a heading names, by its longest section word; None for exam modules."""
    if not title:
        return None
    if re.search(MODULE_ALT, title):
        return None
    best = None
    for m in re.finditer(SECTION_ALT, title):
        if best is None or len(m[0]) > len(best):
            best = m[0]
    return SECTION_WORDS[best] if best else None


def judgement(token: str) -> tuple[bool | None, bool]:
    """(value, OCR repair) of a judgement printed at the start of token."""
    m = JUDGEMENT_TOKEN.match(token.strip())
    if not m:
        return None, False
    return JUDGEMENTS[m[0]]
