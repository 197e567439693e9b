"""Normalize text: mojibake, pinyin glosses, traditional → simplified, width,
blanks, and lines broken by page layout.

Each step is a plain str → str function so it can be tested alone; `normalize`
runs them in the only order that works: mojibake first (it needs the original
GBK-encodable characters), then glosses (they may sit on repaired text), then
OpenCC, then width and blanks, then line joining (which needs simplified,
gloss-free text to measure lines and see markers).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex as re

from . import mojibake
from .formats import PAGE_BREAK
from .model import Document, Removed
from .patterns import ANSWER_LINE, CHAPTER_HEADING, EXPLANATION_LINE, SECTION_HEADING, starts_unit

# --- pinyin glosses -------------------------------------------------------

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PLAIN = "aaaaeeeeiiiioooouuuuvvvvvnnnm"
_DETONE = str.maketrans(_TONED, _PLAIN)
_PINYIN_SYLLABLE = re.compile(
    r"^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|ua|uo|ui|un|ve|ue|vn"
    r"|a|e|i|o|u|v|ng|n|m)$"
)
GLOSS = re.compile(rf"(?<=[\p{{Han}}\ue000-\uf8ff\x03])[(（](?P<py>[a-z{_TONED}]{{1,6}})[)）]")


def is_pinyin(word: str) -> bool:
    return bool(_PINYIN_SYLLABLE.match(word.translate(_DETONE)))


def strip_glosses(text: str) -> str:
    """`權(quán)` → `權`; leaves `(FAQ)`, `(A)`, `(app)` alone (not a pinyin syllable)."""
    return GLOSS.sub(lambda m: "" if is_pinyin(m["py"]) else m[0], text)


# --- traditional → simplified ----------------------------------------------

@lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


# OpenCC leaves 著 as is (it is also simplified 著, as in 著名/著作), and some
# versions turn 乾隆 into 干隆. Fixes on top of OpenCC, applied to its output.
PHRASES = {
    "干隆": "乾隆", "干坤": "乾坤", "干卦": "乾卦",
    "著装": "着装", "著想": "着想", "著急": "着急", "著手": "着手", "著眼": "着眼",
    "著重": "着重", "著落": "着落", "著迷": "着迷", "著陆": "着陆", "著根": "着根",
    "著力": "着力", "著凉": "着凉", "沉著": "沉着", "穿著": "穿着",
}
# Verbs after which 著 is the aspect particle 着 (随著, 意味著, 紧接著, 看著 …).
ZHE_AFTER = "随味接看带跟为向朝顺本有在绕靠等站坐躺拿听想笑说写读走跑守护持留试忙关盯望对注围充伴记藏放开挂存含怀拖憋闭"
_ZHE = re.compile(rf"(?<=[{ZHE_AFTER}])著(?![名作称述录书者])")
_PHRASE = re.compile("|".join(sorted(map(re.escape, PHRASES), key=len, reverse=True)))


def to_simplified(text: str) -> str:
    text = _t2s().convert(text)
    text = _PHRASE.sub(lambda m: PHRASES[m[0]], text)
    return _ZHE.sub("着", text)


# --- width, blanks, small OCR junk -----------------------------------------

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_FULLWIDTH_ALNUM.update({0x3000: 0x20, 0xA0: 0x20, 0xFEFF: None, 0x200B: None})

# (pattern, replacement, rule) applied in order. Blank answer parentheses
# become （）; OCR turns the 。 after a blank into o or 0, or eats its ")".
PUNCT_RULES = [
    (re.compile(r"[(（][ \t\u3000]*[)）](?:[o0](?![\p{Latin}\d]))?"), None, "blank"),
    (re.compile(r"(?<=\p{Han}):\)(?=。)"), "（）", "ocr_blank"),
    (re.compile(r"[ \t]+$", re.M), "", "trailing_space"),
]


def fold_width(text: str) -> str:
    return text.translate(_FULLWIDTH_ALNUM)


def normalize_blanks(text: str) -> str:
    def blank(m):
        return "（）。" if m[0][-1] in "o0" else "（）"
    for pattern, repl, _ in PUNCT_RULES:
        text = pattern.sub(blank if repl is None else repl, text)
    return text


# --- lines broken by page layout -------------------------------------------

_TERMINAL = "。！？!?；;”」』"


# East Asian Wide and Fullwidth ranges (Unicode EastAsianWidth W/F), as one regex:
# counting them in C is what keeps line measuring cheap on large documents.
_WIDE = re.compile(r"[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf"
                   r"\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19"
                   r"\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\U0001f300-\U0001f64f\U00020000-\U0003fffd]")


def display_width(line: str) -> int:
    return len(line) + len(_WIDE.findall(line))


def page_width(lines: list[str]) -> int | None:
    """The printed line width, if the text came from a fixed-width page.

    Layout breaks leave several lines of nearly the same width that stop
    mid-sentence; we look for a window of 6 columns holding at least three
    such lines. None: no page layout (nothing is joined for being wide).
    """
    widths = sorted(w for w in (display_width(ln) for ln in lines if ln[-1] not in _TERMINAL + ":：") if w >= 40)
    best_n, best_w, lo = 0, None, 0
    for hi, w in enumerate(widths):  # the window [w-6, w] holding the most lines; ties → wider
        while widths[lo] < w - 6:
            lo += 1
        if hi - lo + 1 >= best_n:
            best_n, best_w = hi - lo + 1, w
    return best_w if best_n >= 3 else None


_CONTINUATION_START = re.compile(r"^(?:[,，、。;；:：)）”」』]|[(（]\s*[)）]|[的地得了着过]\p{Han}|[.．]\p{Han})")


def join_layout_lines(text: str) -> str:
    """Re-join lines broken by page layout; keep real paragraph and list breaks.

    A line is glued to the next one when it fills the page width (a layout
    break) or the next line can only be a continuation (starts with 的, a comma,
    a blank), and the next line does not open a question, option, heading or
    answer. Blank lines carry no structure in scraped dumps and are dropped.
    """
    # a page break (a line holding only a form feed) is kept as its own line
    lines = [ln.strip() or (PAGE_BREAK if PAGE_BREAK in ln else "") for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    width = page_width(lines)
    out = [lines[0]]
    last = lines[0]           # the last printed line, whose width tells a layout break
    for line in lines[1:]:
        prev = out[-1]
        if PAGE_BREAK in (line, prev):
            out.append(line)
            continue
        heading = SECTION_HEADING.match(prev) or CHAPTER_HEADING.match(prev) or _is_marker_only(prev)
        full = width is not None and width - 8 <= display_width(last) <= width + 4
        cont = _CONTINUATION_START.match(line) and prev[-1] not in _TERMINAL
        if not heading and not starts_unit(line) and (full or cont):
            # a stray "." left at the start of a continuation is OCR junk
            out[-1] = prev + re.sub(r"^[.．](?=\p{Han})", "", line)
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def _is_marker_only(line: str) -> bool:
    m = ANSWER_LINE.match(line) or EXPLANATION_LINE.match(line)
    return bool(m and not line[m.end():].strip())


# --- the stage -------------------------------------------------------------

def normalize_text(text: str, doc: Document | None = None) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text, runs = mojibake.repair(text)
    text = strip_glosses(text)
    text = to_simplified(text)
    text = fold_width(text)
    text = normalize_blanks(text)
    for _ in range(3):   # joining can form a blank "(" + ")" that joins in turn: to a fixed point
        joined = normalize_blanks(join_layout_lines(text))
        if joined == text:
            break
        text = joined
    text, repaired, removed = mojibake.take_marks(text)
    if doc is not None:
        doc.notes["mojibake"] = runs
        doc.notes["mojibake_spans"] = repaired
        doc.notes["mojibake_unrepaired_spans"] = removed
        doc.removed.extend(Removed("mojibake_unrepaired", r["raw"]) for r in runs if r["repaired"] is None)
    return text
