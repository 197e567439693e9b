"""Strip site boilerplate, line by line, with every removal logged.

Rules come from sites.py (generic rules plus the detected site's own). They
are matched against a probe of each line (glosses removed, simplified,
width-folded) so the tables are written once, in simplified Chinese.
Boilerplate on these sites always occupies whole lines; removing whole lines
never cuts into a question.

Most lines match no rule, so the rules are not tried line by line: one
alternation built from every rule (its pattern, or the words it needs) runs
over the whole probe once, and only the lines it hits are judged rule by
rule, in table order, exactly as the table says.
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

from . import sites
from .model import Removed
from .text import probe

_SEPARATORS = " \t|/·•,，、:：;；0123456789.-—()（）[]【】"


def _one_line(pattern: str) -> str:
    r"""The pattern for a search over many lines at once (re.M): `\s` and
    negated classes may not cross a line break, so a hit always lies inside
    the line it starts on."""
    out, i, negated = [], 0, None      # negated: None outside a character class
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            esc = pattern[i:i + 2]
            if esc == r"\s":
                if negated is not None:
                    raise ValueError(f"\\s inside a character class is not supported: {pattern}")
                esc = r"[^\S\n]"
            out.append(esc)
            i += 2
            continue
        if c == "[" and negated is None:
            negated = pattern[i + 1:i + 2] == "^"
            head = "[^" if negated else "["
            out.append(head)
            i += len(head)
            if pattern[i:i + 1] == "]":         # "[]…]": a literal ] first
                out.append("\\]")
                i += 1
            continue
        if c == "]" and negated is not None:
            out.append("\\n]" if negated else "]")   # a negated class: not a line break either
            negated = None
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _words(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


@lru_cache(maxsize=None)
def compiled_rules(site: str) -> tuple:
    rules = list(sites.GENERIC_RULES)
    for entry in sites.SITES:
        if entry["name"] == site:
            rules += entry["rules"]
    out = []
    for r in rules:
        words = r.get("words", [])
        out.append({**r, "re": re.compile(r.get("pattern", "$^")),
                    "words_re": re.compile(_words(words)) if words else None,
                    "item_re": re.compile(r["item"]) if "item" in r else None,
                    "unless_re": re.compile(r["unless"]) if "unless" in r else None})
    return tuple(out)


@lru_cache(maxsize=None)
def trigger(site: str) -> re.Pattern:
    """One alternation that hits every line some rule of `site` could remove
    (and a few more): what a line must hold for each rule to apply."""
    parts = []
    for r in compiled_rules(site):
        kind = r["kind"]
        if kind in ("line", "block"):
            parts.append(_one_line(r["pattern"]))
        elif kind == "widget":
            # a line made only of the words and separators, tokenized as the rule's
            # own substitution does (longest word first), so never backtracking
            parts.append(rf"^(?:{_words(r['words'])}|[{re.escape(_SEPARATORS)}])++$")
        elif kind == "notice" and r["min_words"] >= 1:
            parts.append(_words(_notice_vocabulary()))
        elif kind == "vocabulary" and r["min_words"] >= 1:
            parts.append(_words(r["words"]))
        else:
            parts.append(_one_line(r.get("pattern", "^")))
    return re.compile("|".join(f"(?:{p})" for p in parts), re.M)


@lru_cache(maxsize=1)
def _notice_vocabulary() -> frozenset[str]:
    return frozenset(sites.NOTICE_WORDS).union(*(entry["markers"] for entry in sites.SITES))


def notice_words(text: str) -> int:
    return sum(1 for w in _notice_vocabulary() if w in text)


def _rule_for(r: dict, p: str) -> bool:
    """Whether rule r removes the line whose probe is p (block items aside)."""
    kind = r["kind"]
    if kind in ("line", "block"):
        return r["re"].search(p) is not None
    if kind == "notice":
        return (r["re"].match(p) is not None and notice_words(p) >= r["min_words"]
                and not (r["unless_re"] and r["unless_re"].search(p)))
    if kind == "widget":
        return r["words_re"].search(p) is not None and not r["words_re"].sub("", p).strip(_SEPARATORS)
    if kind == "vocabulary":
        return (len(p) <= r["max_len"] and sum(1 for w in r["words"] if w in p) >= r["min_words"]
                and not (r["unless_re"] and r["unless_re"].search(p)))
    raise ValueError(f"unknown rule kind {kind!r}")


def clean_text(text: str, site: str = "unknown") -> tuple[str, list[Removed]]:
    # one probe of the whole text: nothing in it spans a line break (glosses
    # follow a character, OpenCC phrases hold no newline)
    whole = probe(text)
    lines, probes = text.split("\n"), whole.split("\n")
    if len(probes) != len(lines):
        probes = [probe(ln) for ln in lines]
        whole = "\n".join(probes)
    starts = [0]
    for p in probes[:-1]:
        starts.append(starts[-1] + len(p) + 1)
    hit = sorted({bisect.bisect_right(starts, m.start()) - 1 for m in trigger(site).finditer(whole)})
    rules = compiled_rules(site)
    drop: dict[int, str] = {}
    next_free = 0
    for i in hit:
        if i < next_free:                 # inside a block already taken
            continue
        p = probes[i]
        for r in rules:
            if not _rule_for(r, p):
                continue
            drop[i] = r["name"]
            next_free = i + 1
            if r["kind"] == "block":      # the heading, then its items (and blank lines)
                j = i + 1
                while j < len(lines) and (not probes[j].strip() or r["item_re"].match(probes[j])):
                    if probes[j].strip():
                        drop[j] = r["name"]
                    j += 1
                next_free = j
            break
    if not drop:
        return text, []
    removed = [Removed(rule=drop[k], text=lines[k]) for k in sorted(drop)]
    kept = [ln for k, ln in enumerate(lines) if k not in drop]
    return "\n".join(kept), removed
