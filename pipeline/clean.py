"""Strip site boilerplate, line by line, with every removal logged.

Rules come from sites.py (generic rules plus the detected site's own). They
are matched against a probe of each line (glosses removed, simplified,
width-folded) so the tables are written once, in simplified Chinese.
Boilerplate on these sites always occupies whole lines; removing whole lines
never cuts into a question.

Most lines match no rule, so the rules are not tried line by line: the
strings each rule needs (read off its pattern, or its words) make one
alternation that runs over the whole probe once, and only the lines it hits
are judged rule by rule, in table order, exactly as the table says.
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache
from re import _constants, _parser

from . import sites
from .model import Removed
from .text import probe

_SEPARATORS = " \t|/·•,，、:：;；0123456789.-—()（）[]【】"


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains (None: no such
    set found): "继续(?:免费)?阅读|点击(?:查看|阅读)" → {"继续", "点击"}."""
    found = _required(_parser.parse(pattern))
    if not found:
        return None
    return frozenset(w for w in found if not any(o != w and o in w for o in found))   # 豆丁 covers 豆丁网


def _required(nodes) -> set[str] | None:
    options, run = [], []
    for op, av in list(nodes) + [(None, None)]:
        if op is _constants.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append({"".join(run)})
            run = []
        got = None
        if op is _constants.SUBPATTERN:
            got = _required(av[3])
        elif op is _constants.ATOMIC_GROUP:
            got = _required(av)
        elif op is _constants.BRANCH:
            branches = [_required(b) for b in av[1]]
            got = set().union(*branches) if all(branches) else None
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT) and av[0] >= 1:
            got = _required(av[2])
        if got:
            options.append(got)
    # the most selective: the longest shortest string, then the fewest strings
    return max(options, key=lambda o: (min(map(len, o)), -len(o)), default=None)


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
                    "inline_re": re.compile(r["inline"]) if "inline" in r else None,
                    "unless_re": re.compile(r["unless"]) if "unless" in r else None,
                    "needs": _needs(r)})
        out[-1]["needs_re"] = re.compile(_words(out[-1]["needs"])) if out[-1]["needs"] is not None else None
    return tuple(out)


def _needs(rule: dict) -> frozenset[str] | None:
    """Strings a line must hold (one of them) for the rule to remove it; None: no such set."""
    kind = rule["kind"]
    if kind in ("line", "block"):
        return required_literals(rule["pattern"])
    if kind == "notice" and rule["min_words"] >= 1:
        return _notice_vocabulary()
    if kind in ("widget", "vocabulary") and rule.get("min_words", 1) >= 1:
        return frozenset(rule["words"])
    return None


@lru_cache(maxsize=None)
def triggers(site: str) -> tuple[re.Pattern, ...]:
    """Searches over the whole probe that hit every line some rule of `site`
    could remove (and a few more): one alternation of the strings the rules
    need, plus the one-line form of any rule that needs none."""
    words: set[str] = set()
    patterns = []
    for r in compiled_rules(site):
        if r["needs"] is None:
            patterns.append(_one_line(r.get("pattern", "^")))
        else:
            words |= r["needs"]
    found = [re.compile(_words(words))] if words else []
    return tuple(found + [re.compile(p, re.M) for p in patterns])


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
    hit = sorted({bisect.bisect_right(starts, m.start()) - 1 for t in triggers(site) for m in t.finditer(whole)})
    rules = compiled_rules(site)
    drop: dict[int, str] = {}
    next_free = 0
    for i in hit:
        if i < next_free:                 # inside a block already taken
            continue
        p = probes[i]
        # a page run into one line: clean_inline takes its notices out, never the page with them
        page = len(p) > NOTICE_LINE and _QUESTIONS.search(p) or any(_more_than_notice(p, r) for r in rules)
        for r in rules:
            if r["needs_re"] is not None and not r["needs_re"].search(p):
                continue
            if (r["kind"] == "line" and page) or not _rule_for(r, p):
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
    # a notice the page wrapped: the next line goes with it when it is notice words, not a question
    for i in sorted(drop):
        j = i + 1
        if (j < len(lines) and j not in drop and len(probes[j].strip()) <= CONTINUATION_LINE
                and notice_words(probes[j]) >= 2 and not _QUESTIONS.search(probes[j])):
            drop[j] = drop[i]
    if not drop:
        return text, []
    removed = [Removed(rule=drop[k], text=lines[k]) for k in sorted(drop)]
    kept = [ln for k, ln in enumerate(lines) if k not in drop]
    return "\n".join(kept), removed


NOTICE_LINE = 100      # a line longer than this with a question in it is a page, not a notice
CONTINUATION_LINE = 40   # the rest of a wrapped notice: at most a line's width
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
