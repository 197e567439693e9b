"""Plain text in an unknown encoding. The encoding is chosen by a
plausibility score over every candidate decoding, not by trying one and
falling back on the first error: GBK bytes often decode "successfully" as
Big5 or latin-1 garbage.
"""
from __future__ import annotations

import codecs
import math
import unicodedata
from collections import Counter
from functools import lru_cache

from ..text import common_han
from . import UNSUPPORTED, Format, Reading, UnreadableInput, unsupported

CANDIDATE_ENCODINGS = ["utf-8", "gb18030", "big5", "utf-16"]
UTF8_SURE = 0.5      # plausibility of valid UTF-8 above which no other reading is tried
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


PLAUSIBILITY_SAMPLE = 100_000    # characters: a reading is judged on its start


def plausibility(text: str) -> float:
    """Higher is more plausible Chinese (or plain) text. Per character:
    common hanzi and ASCII score, rare hanzi score little, control characters,
    replacement characters and private-use code points cost."""
    if not text:
        return 0.0
    sample = text[:PLAUSIBILITY_SAMPLE]
    counts = Counter(sample)          # score each distinct character once
    return sum(_char_score(ch) * n for ch, n in counts.items()) / len(sample)


@lru_cache(maxsize=65536)
def _char_score(ch: str) -> float:
    if ch in common_han():
        return 1.0
    if ch.isascii():
        return 0.5 if (ch.isprintable() or ch in "\n\r\t\f") else -5.0
    if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff":
        return -5.0
    cat = unicodedata.category(ch)
    if cat.startswith("C"):
        return -5.0
    if cat == "Lo":
        return 0.1      # rare hanzi, kana, hangul: possible but suspicious
    return 0.3          # punctuation, symbols


def is_text(data: bytes) -> bool:
    """Could be text: a Unicode BOM, or no NUL bytes and no known binary magic."""
    if any(data.startswith(bom) for bom, _ in BOMS):
        return True
    return not any(data.startswith(magic) for magic, _ in UNSUPPORTED) and b"\x00" not in data[:8192]


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises UnreadableInput."""
    if not data:
        raise UnreadableInput("empty file")
    for bom, name in BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    if not is_text(data):
        raise UnreadableInput(unsupported(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # valid UTF-8 that reads as Chinese: no other candidate scores higher on it (its
        # 3-byte sequences split into pairs that land mostly on rare or private-use code
        # points in GB18030 and Big5), so they are not decoded and scored for nothing
        if text.isascii() or plausibility(text) >= UTF8_SURE:
            return text, "utf-8"
    # the same choice as scoring every reading in turn (a later one replaces the best
    # only when it scores more than 1e-9 higher), without scoring a reading that
    # cannot win: its replacement characters cost 5 each and nothing scores above 1.
    # GB18030 is scored first, as the usual winner once UTF-8 has failed.
    readings = {name: data.decode(name, errors="replace") for name in CANDIDATE_ENCODINGS if name != "utf-16"}
    scores: dict[str, float] = {}

    def scored(name: str, to_beat: float = -math.inf) -> float:
        """The reading's score, or an upper bound of it when that is below to_beat."""
        if name not in scores:
            sample = readings[name][:PLAUSIBILITY_SAMPLE]
            bound = (len(sample) - 6 * sample.count("\ufffd")) / max(1, len(sample))
            if bound < to_beat:
                return bound
            scores[name] = plausibility(sample)
        return scores[name]

    first, second, *rest = readings
    gb = scored(second)
    best = second if gb > scored(first, to_beat=gb - 1e-9) + 1e-9 else first
    for name in rest:
        if scored(name, to_beat=scores[best] + 1e-9) > scores[best] + 1e-9:
            best = name
    name, text, score = best, readings[best], scores[best]
    if score < 0.2:
        raise UnreadableInput(f"not text in any supported encoding (best {name}, score {score:.2f})")
    return text, name


def read(data: bytes, name: str = "") -> Reading:
    text, encoding = decode(data)
    return Reading(text=text, encoding=encoding)


FORMAT = Format("text", lambda data, name: is_text(data), read, library="built in (encoding by plausibility)")
