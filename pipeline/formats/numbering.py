"""Word's automatic numbering (numbering.xml) rendered as the text a reader
sees: `1.`, `A.`, `（一）`, `①`. Counters run per list the way Word runs them:
paragraphs of lists that share an abstract definition continue one counter
unless their list restarts it (`startOverride`); a level's counter restarts
when a shallower level advances.
"""
from __future__ import annotations

from dataclasses import dataclass

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _val(el, tag: str, default=None):
    child = el.find(w(tag)) if el is not None else None
    return child.get(w("val"), default) if child is not None else default


CN_DIGITS = "零一二三四五六七八九"
CN_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PARENTHESIZED = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
FULL_STOP = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def chinese(n: int, digits: str = CN_DIGITS, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (up to 9999)."""
    if n <= 0 or n >= 10000:
        return str(n)
    parts, zero = [], False
    for value, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d, n = divmod(n, value)
        if d:
            if zero:
                parts.append(digits[0])
            parts.append(("" if (value == 10 and d == 1 and not parts) else digits[d]) + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def letters(n: int) -> str:
    """1 → A, 26 → Z, 27 → AA (Word repeats the letter)."""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def roman(n: int) -> str:
    out = ""
    for value, sym in ROMAN:
        while n >= value:
            out, n = out + sym, n - value
    return out


def _from(seq: str):
    return lambda n: seq[n - 1] if 1 <= n <= len(seq) else str(n)


# numFmt → how a counter is written
FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
    "decimalHalfWidth": str,
    "upperLetter": letters,
    "lowerLetter": lambda n: letters(n).lower(),
    "upperRoman": roman,
    "lowerRoman": lambda n: roman(n).lower(),
    "chineseCounting": chinese,
    "chineseCountingThousand": chinese,
    "taiwaneseCounting": chinese,
    "japaneseCounting": chinese,
    "ideographTraditional": _from(HEAVENLY_STEMS),
    "ideographZodiac": _from(EARTHLY_BRANCHES),
    "chineseLegalSimplified": lambda n: chinese(n, CN_LEGAL_DIGITS, "拾佰仟"),
    "ideographLegalTraditional": lambda n: chinese(n, CN_LEGAL_DIGITS, "拾佰仟"),
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "decimalEnclosedCircle": _from(CIRCLED),
    "decimalEnclosedCircleChinese": _from(CIRCLED),
    "ideographEnclosedCircle": _from(CIRCLED),
    "decimalEnclosedParen": _from(PARENTHESIZED),
    "decimalEnclosedFullstop": _from(FULL_STOP),
    "ordinal": str,
    "cardinalText": str,
}
SILENT_FORMATS = {"bullet", "none"}     # bullets carry no number the text needs


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    suffix: str = "tab"
    legal: bool = False     # isLgl: every level written in decimal


def _level(el) -> Level:
    return Level(start=int(_val(el, "start", "1") or 1), fmt=_val(el, "numFmt", "decimal"),
                 text=_val(el, "lvlText", "") or "", suffix=_val(el, "suff", "tab"),
                 legal=el.find(w("isLgl")) is not None)


class Numbering:
    def __init__(self, numbering_el=None, styles_el=None):
        self.abstract: dict[str, dict[int, Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = {}
        self.counters: dict[tuple, dict[int, int]] = {}
        self.style_numbering: dict[str, tuple[str, int]] = {}
        if numbering_el is not None:
            for a in numbering_el.iter(w("abstractNum")):
                self.abstract[a.get(w("abstractNumId"))] = {int(lv.get(w("ilvl"), 0)): _level(lv)
                                                            for lv in a.iter(w("lvl"))}
            for n in numbering_el.iter(w("num")):
                levels, starts = {}, {}
                for ov in n.iter(w("lvlOverride")):
                    ilvl = int(ov.get(w("ilvl"), 0))
                    if ov.find(w("startOverride")) is not None:
                        starts[ilvl] = int(_val(ov, "startOverride", "1"))
                    if ov.find(w("lvl")) is not None:
                        levels[ilvl] = _level(ov.find(w("lvl")))
                self.nums[n.get(w("numId"))] = (_val(n, "abstractNumId"), levels, starts)
        if styles_el is not None:
            self._style_numbering(styles_el)

    def _style_numbering(self, styles_el) -> None:
        own, based = {}, {}
        for s in styles_el.iter(w("style")):
            sid = s.get(w("styleId"))
            ppr = s.find(w("pPr"))
            numpr = ppr.find(w("numPr")) if ppr is not None else None
            if numpr is not None:
                own[sid] = (_val(numpr, "numId"), int(_val(numpr, "ilvl", "0") or 0))
            if _val(s, "basedOn"):
                based[sid] = _val(s, "basedOn")
        for sid in set(own) | set(based):
            seen, cur = set(), sid
            while cur and cur not in own and cur not in seen:
                seen.add(cur)
                cur = based.get(cur)
            if cur in own:
                self.style_numbering[sid] = own[cur]

    def paragraph_numbering(self, ppr) -> tuple[str, int] | None:
        """(numId, ilvl) of a paragraph: its own numPr, else its style's."""
        numpr = ppr.find(w("numPr")) if ppr is not None else None
        style = _val(ppr, "pStyle") if ppr is not None else None
        from_style = self.style_numbering.get(style) if style else None
        if numpr is not None:
            num_id = _val(numpr, "numId") or (from_style[0] if from_style else None)
            ilvl = _val(numpr, "ilvl")
            ilvl = int(ilvl) if ilvl is not None else (from_style[1] if from_style else 0)
            return (num_id, ilvl) if num_id and num_id != "0" else None
        return from_style if from_style and from_style[0] != "0" else None

    def _level_def(self, num_id: str, ilvl: int) -> Level | None:
        if num_id not in self.nums:
            return None
        abstract_id, levels, _ = self.nums[num_id]
        return levels.get(ilvl) or self.abstract.get(abstract_id, {}).get(ilvl)

    def label(self, num_id: str, ilvl: int) -> str:
        """The next label of list `num_id` at level `ilvl`, counters advanced."""
        level = self._level_def(num_id, ilvl)
        if level is None:
            return ""
        abstract_id, _, starts = self.nums[num_id]
        key = ("num", num_id) if starts else ("abstract", abstract_id)
        counters = self.counters.get(key)
        if counters is None:
            counters = self.counters[key] = {}
        if ilvl in counters:
            counters[ilvl] += 1
        else:
            counters[ilvl] = starts.get(ilvl, level.start)
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt in SILENT_FORMATS:
            return ""
        text = level.text
        for k in range(ilvl, -1, -1):
            placeholder = f"%{k + 1}"
            if placeholder in text:
                lv = self._level_def(num_id, k) or Level()
                n = counters.get(k, starts.get(k, lv.start))
                fmt = "decimal" if (level.legal and k < ilvl) else lv.fmt
                text = text.replace(placeholder, FORMATS.get(fmt, str)(n))
        if text and level.suffix != "nothing" and text[-1].isalnum():
            text += " "
        return text
