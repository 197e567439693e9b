"""The text toolkit: character-level facts and passes every stage shares.

Width folding, pinyin glosses, traditional → simplified (OpenCC plus our
phrase fixes), the Han script as a character class for `re`, the common-hanzi
and GBK tables, the probe that rule tables are matched against, and the
in-band marks normalize carries mojibake spans with. A leaf: it imports no
stage, so read, clean, mojibake, normalize and report all import it.

Tables that take a while to build (the common hanzi go through OpenCC) are
built once per machine and kept in the tables folder (`stored`).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import re
import tempfile
from functools import lru_cache
from typing import Callable

import opencc

# --- the Han script ------------------------------------------------------------
# regex's \p{Han} (Unicode 16 data of the pinned regex release) as ranges, so
# patterns that need nothing else from `regex` run on the standard `re`.
# tests/test_text.py checks these against regex over every code point.
HAN_RANGES = [
    (0x2E80, 0x2E99), (0x2E9B, 0x2EF3), (0x2F00, 0x2FD5), (0x3005, 0x3005), (0x3007, 0x3007), (0x3021, 0x3029),
    (0x3038, 0x303B), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0x16FE2, 0x16FE3),
    (0x16FF0, 0x16FF6), (0x20000, 0x2A6DF), (0x2A700, 0x2B81E), (0x2B820, 0x2CEAD), (0x2CEB0, 0x2EBE0),
    (0x2EBF0, 0x2EE5D), (0x2F800, 0x2FA1D), (0x30000, 0x3134A), (0x31350, 0x33479),
]
HAN = "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in HAN_RANGES)   # inside [...]

# --- in-band marks -------------------------------------------------------------------
# normalize rewrites the text several times after mojibake repair (glosses,
# OpenCC, width, line joining) and must still know where each repaired run
# ended up: the run is wrapped in these control characters, which no rewrite
# touches, and normalize takes them out (with their offsets) before it returns.
MARK_REPAIRED, MARK_UNCERTAIN, MARK_UNREPAIRED, MARK_END = "\x01", "\x04", "\x02", "\x03"
MARKS = MARK_REPAIRED + MARK_UNCERTAIN + MARK_UNREPAIRED + MARK_END

# --- width -------------------------------------------------------------------------------

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_FULLWIDTH_ALNUM.update({0x3000: 0x20, 0xA0: 0x20, 0xFEFF: None, 0x200B: None})


_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FULLWIDTH_ALNUM)) + "]+")


def _fold(m: re.Match) -> str:
    return m[0].translate(_FULLWIDTH_ALNUM)


def fold_width(text: str) -> str:
    """Full-width letters and digits to ASCII; ideographic and no-break spaces to a space;
    zero-width characters out. Punctuation keeps its width."""
    return _FOLDABLE.sub(_fold, text)     # the runs to fold only: translate() walks every character


# --- pinyin glosses ----------------------------------------------------------------------

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PLAIN = "aaaaeeeeiiiioooouuuuvvvvvnnnm"
_DETONE = str.maketrans(TONED, _PLAIN)
_PINYIN_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|ua|uo|ui|un|ve|ue|vn"
    r"|a|e|i|o|u|v|ng|n|m)"
)
# a gloss follows a hanzi, a private-use glyph (mojibake) or the end of a repaired run
GLOSS = re.compile(rf"(?<=[{HAN}\ue000-\uf8ff{MARK_END}])[(（](?P<py>[a-z{TONED}]{{1,6}})[)）]")
_GLOSSED = re.compile(rf"[{HAN}\ue000-\uf8ff{MARK_END}]")


# a bracket of letters that may hold a pinyin syllable (is_pinyin decides), perhaps
# broken over two lines by the page; searched from the bracket, so `re` skips ahead to it
_LETTER_BRACKET = re.compile(rf"[(（](?P<py>[a-z{TONED}\n]{{1,8}})[)）]")


def is_pinyin(word: str) -> bool:
    return _PINYIN_SYLLABLE.fullmatch(word.translate(_DETONE)) is not None


def strip_glosses(text: str) -> str:
    """`權(quán)` → `權`; leaves `(FAQ)`, `(A)`, `(app)` alone (not a pinyin syllable)."""
    def gloss(m: re.Match) -> str:
        at, py = m.start(), m["py"]
        if not at or not _GLOSSED.match(text, at - 1) or py.count("\n") > 1:
            return m[0]
        return "" if is_pinyin(py.replace("\n", "")) else m[0]
    return _LETTER_BRACKET.sub(gloss, text)


# --- traditional → simplified -------------------------------------------------------------

@lru_cache(maxsize=None)
def converter(config: str) -> opencc.OpenCC:
    """One OpenCC converter per configuration and process (building one reads its dictionaries)."""
    return opencc.OpenCC(config)


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


def _phrase(m: re.Match) -> str:
    return PHRASES[m[0]]


def to_simplified(text: str) -> str:
    text = converter("t2s").convert(text)
    if "干" in text or "著" in text:      # every phrase fix and 着 starts from one of these
        text = _PHRASE.sub(_phrase, text)
        text = _ZHE.sub("着", text)
    return text


def probe(text: str) -> str:
    """What rule tables are matched against: glosses out, simplified, width folded,
    so one simplified pattern covers `版權(quán)說明` and `版权说明` alike.
    Never changes the number of lines."""
    return fold_width(to_simplified(strip_glosses(text)))


# --- stored tables -------------------------------------------------------------------------

def tables_dir() -> str:
    """Where built tables are kept: $TIKU_TABLES, else the user's cache folder."""
    return os.environ.get("TIKU_TABLES") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tiku", "tables")


@lru_cache(maxsize=None)
def _data_version(source_file: str) -> str:
    """What a built table depends on: the code that builds it and the libraries whose data it reads."""
    h = hashlib.sha256()
    with open(source_file, "rb") as f:
        h.update(f.read())
    for dist in ("opencc", "jieba"):
        try:
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    return h.hexdigest()[:16]


def stored(name: str, build: Callable[[], object], source_file: str):
    """The table `name`: loaded from the tables folder, or built and kept
    there for every later process. A folder that cannot be written only
    means building again next time."""
    path = os.path.join(tables_dir(), f"{name}-{_data_version(source_file)}.pickle")
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        pass
    value = build()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + name, suffix=".tmp", dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
    return value


# --- common hanzi and GBK -----------------------------------------------------------------

def _build_common_han() -> frozenset[str]:
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    level1 = "".join(sorted(chars))
    for config in ("s2t", "s2tw"):   # 爲 and 為 both
        chars |= set(converter(config).convert(level1))
    return frozenset(chars)


@lru_cache(maxsize=1)
def common_han() -> frozenset[str]:
    """The 3,755 level-1 GB2312 characters plus their traditional forms:
    text made of these is Chinese, a wrong decoding is mostly not."""
    return stored("common-han", _build_common_han, __file__)


@lru_cache(maxsize=1)
def gbk_pairs() -> dict[tuple[int, int], str]:
    """GBK double-byte code (lead, trail) → character."""
    by_code: dict[tuple[int, int], str] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                ch = bytes([lead, trail]).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                by_code[(lead, trail)] = ch
    return by_code


def gbk_bytes(ch: str) -> list[int] | None:
    """GBK bytes of one character (€ is the single byte 0x80), or None."""
    if ch == "€":
        return [0x80]
    try:
        b = ch.encode("gbk")
    except UnicodeEncodeError:
        try:
            b = ch.encode("gb18030")
        except UnicodeEncodeError:
            return None
        if len(b) != 2:
            return None
    return list(b)


_MARK = re.compile(f"[{re.escape(MARKS)}]")


def take_marks(text: str) -> tuple[str, dict[str, list[tuple[int, int]]]]:
    """The text without its marks, and the spans the marks enclosed, by opening
    mark (MARK_REPAIRED, MARK_UNCERTAIN, MARK_UNREPAIRED), as offsets in the
    text returned."""
    spans: dict[str, list[tuple[int, int]]] = {MARK_REPAIRED: [], MARK_UNCERTAIN: [], MARK_UNREPAIRED: []}
    out, pos, taken = [], 0, 0
    open_kind, open_at = None, 0
    for m in _MARK.finditer(text):
        at = m.start()
        out.append(text[pos:at])
        n = at - taken                # where the mark sits in the text returned
        taken += 1
        pos = at + 1
        if m[0] != MARK_END:
            open_kind, open_at = m[0], n
        elif open_kind is not None:
            spans[open_kind].append((open_at, n))
            open_kind = None
    if not out:
        return text, spans
    out.append(text[pos:])
    return "".join(out), spans
