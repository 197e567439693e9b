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

from . import clean, layout, mojibake, vocab
from .model import Document, Removed

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


# --- the stage -------------------------------------------------------------

def normalize_text(text: str, doc: Document | None = None) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text, runs = mojibake.repair(text)
    text = strip_glosses(text)
    text = to_simplified(text)
    text = fold_width(text)
    text = normalize_blanks(text)
    text = vocab.TEMPLATE_RESIDUE_RE.sub("", text)
    text, notices = clean.clean_inline(text, doc.site if doc is not None else "unknown")
    text = layout.remove_chunk_counters(text)
    text, furniture = layout.remove_furniture(text)
    for _ in range(3):   # joining can form a blank "(" + ")" that joins in turn: to a fixed point
        joined = normalize_blanks(layout.join_lines(text))
        if joined == text:
            break
        text = joined
    text, repaired, removed = mojibake.take_marks(text)
    if doc is not None:
        doc.removed.extend(notices)
        doc.removed.extend(Removed(rule, t) for rule, t in furniture)
        doc.notes["mojibake"] = runs
        doc.notes["mojibake_spans"] = repaired
        doc.notes["mojibake_unrepaired_spans"] = removed
        doc.removed.extend(Removed("mojibake_unrepaired", r["raw"]) for r in runs if r["repaired"] is None)
    return text
