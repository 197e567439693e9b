"""Strip site boilerplate, line by line, with every removal logged.

Rules come from sites.py (generic rules plus the detected site's own). They
are matched against a probe of each line (glosses removed, simplified,
width-folded) so the tables are written once, in simplified Chinese.
Boilerplate on these sites always occupies whole lines; removing whole lines
never cuts into a question.
"""
from __future__ import annotations

from functools import lru_cache

import regex as re

from . import sites
from .model import Removed


@lru_cache(maxsize=None)
def compiled_rules(site: str) -> tuple:
    rules = list(sites.GENERIC_RULES)
    for entry in sites.SITES:
        if entry["name"] == site:
            rules += entry["rules"]
    out = []
    for r in rules:
        words = sorted(r.get("words", []), key=len, reverse=True)
        out.append({**r, "re": re.compile(r.get("pattern", "$^")),
                    "words_re": re.compile("|".join(map(re.escape, words))) if words else None,
                    "item_re": re.compile(r["item"]) if "item" in r else None,
                    "inline_re": re.compile(r["inline"]) if "inline" in r else None,
                    "unless_re": re.compile(r["unless"]) if "unless" in r else None})
    return tuple(out)


_SEPARATORS = " \t|/·•,，、:：;；0123456789.-—()（）[]【】"


def probe(line: str) -> str:
    from .normalize import fold_width, strip_glosses, to_simplified
    return fold_width(to_simplified(strip_glosses(line)))


@lru_cache(maxsize=1)
def _notice_vocabulary() -> frozenset[str]:
    return frozenset(sites.NOTICE_WORDS).union(*(entry["markers"] for entry in sites.SITES))


def notice_words(text: str) -> int:
    return sum(1 for w in _notice_vocabulary() if w in text)


def clean_text(text: str, site: str = "unknown") -> tuple[str, list[Removed]]:
    lines = text.split("\n")
    # one probe of the whole text, split: nothing in it spans a line break
    # (glosses follow a character, OpenCC phrases hold no newline), and one
    # call instead of one per line is most of clean's time saved
    probes = probe(text).split("\n")
    if len(probes) != len(lines):
        probes = [probe(ln) for ln in lines]
    rules = compiled_rules(site)
    drop: dict[int, str] = {}
    i = 0
    while i < len(lines):
        p = probes[i]
        # a page run into one line: clean_inline takes its notices out, never the page with them
        page = len(p) > NOTICE_LINE and _QUESTIONS.search(p) or any(_more_than_notice(p, r) for r in rules)
        for r in rules:
            if r["kind"] == "line" and r["re"].search(p):
                if page:
                    continue
                drop[i] = r["name"]
                break
            if (r["kind"] == "notice" and r["re"].match(p) and notice_words(p) >= r["min_words"]
                    and not (r["unless_re"] and r["unless_re"].search(p))):
                drop[i] = r["name"]
                break
            if r["kind"] == "widget" and r["words_re"].search(p) and not r["words_re"].sub("", p).strip(_SEPARATORS):
                drop[i] = r["name"]
                break
            if (r["kind"] == "vocabulary" and len(p) <= r["max_len"]
                    and sum(1 for w in r["words"] if w in p) >= r["min_words"]
                    and not (r["unless_re"] and r["unless_re"].search(p))):
                drop[i] = r["name"]
                break
            if r["kind"] == "block" and r["re"].search(p):
                drop[i] = r["name"]
                j = i + 1
                while j < len(lines) and (not probes[j].strip() or r["item_re"].match(probes[j])):
                    if probes[j].strip():
                        drop[j] = r["name"]
                    j += 1
                i = j - 1
                break
        i += 1
    removed = [Removed(rule=drop[k], text=lines[k]) for k in sorted(drop)]
    kept = [ln for k, ln in enumerate(lines) if k not in drop]
    return "\n".join(kept), removed


NOTICE_LINE = 100      # a line longer than this with a question in it is a page, not a notice
# a question in the line: its shape, an option pair, or a blank
_QUESTIONS = re.compile(rf"{sites.QUESTION_SHAPE}|[(（]\s*[)）]|A\s*[.、．:：].{{1,60}}?B\s*[.、．:：]|_{{3,}}")


def _more_than_notice(probe_line: str, rule: dict) -> bool:
    """The rule knows its notice's whole extent, and the line holds much more text than that."""
    if rule["inline_re"] is None:
        return False
    m = rule["inline_re"].search(probe_line)
    return m is not None and len(probe_line.strip()) - len(m[0]) > 20


def clean_inline(text: str, site: str = "unknown") -> tuple[str, list[Removed]]:
    """Notices glued into running text (a whole page on one line), by the rules'
    `inline` patterns, on simplified text (normalize calls this after OpenCC)."""
    removed: list[Removed] = []
    for r in compiled_rules(site):
        if r["inline_re"] is None:
            continue
        def take(m, name=r["name"]):
            removed.append(Removed(rule=name, text=m[0]))
            return ""
        text = r["inline_re"].sub(take, text)
    return text, removed
