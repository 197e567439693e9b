"""Repair GBK text decoded one byte out of alignment.

What the scrapes show (`??蛻舴?wù)郵箱(D)` for `。客戶服務郵箱(D)`): somewhere a
GBK byte stream lost a byte, so from there every character was decoded from
the trail byte of one character and the lead byte of the next, until an ASCII
byte put the decoder back in step. Lost bytes show as `?`, sometimes with a
pinyin gloss the site then hung on the garbled glyph (`?wù)`), full-width
punctuation the decoder produced was later folded to ASCII (`？` → `?`), and
pairs that were not valid GBK were dropped without a trace.

The repair re-encodes a suspect run to GBK bytes, treats every `?` as 1–3
unknown bytes, and decodes again one byte earlier. Unknown bytes are filled
by the characters that make the most sense next to their neighbours: a
character-bigram model built from the same document's clean text, so a
garbled `客戶服務` is restored from the dozens of clean `客戶服務` around it
(the "identical un-garbled text elsewhere"). A run is replaced only when the
repair reads much better than the garbled text; otherwise it is left as it
is and reported unrepaired.
"""
from __future__ import annotations

import heapq
import importlib.resources
import math
import operator
import re
from collections import Counter
from functools import lru_cache

from .model import MojibakeRun
from .text import (
    HAN,
    MARK_END,
    MARK_REPAIRED,
    MARK_UNCERTAIN,
    MARK_UNREPAIRED,
    common_han,
    converter,
    gbk_bytes,
    gbk_pairs,
    stored,
    strip_glosses,
)

# An anchor: a "?" next to a rare glyph, a private-use glyph, a gloss remnant
# or another "?". Legitimate question marks are followed by ordinary text.
_GLOSS_REMNANT = r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)"
_PUNCT_FOLDED = {";": "；", "(": "（", ")": "）", ",": "，", ":": "：", "?": "？", "!": "！"}
HTML_REMNANT = re.compile(r"</?p>\n?|/p>\n?")
_GLOSS = re.compile(_GLOSS_REMNANT)
_PAREN_GLOSS = re.compile(r"\(" + _GLOSS_REMNANT)
_MAYBE_PAREN_GLOSS = re.compile(r"\(?" + _GLOSS_REMNANT)
_Q_GLOSS = re.compile(r"\?" + _GLOSS_REMNANT)
_Q_HAN_GLOSS = re.compile(rf"\?[{HAN}]{{1,4}}[A-Za-z]\(" + _GLOSS_REMNANT)
# where a run may start: a "?" before a gloss remnant, another "?", a non-ASCII
# character, folded punctuation or an HTML remnant
_ANCHOR = re.compile(rf"\?(?={_GLOSS_REMNANT}|\?|[^\x00-\x7f\s]|[;:,()!]|/p>)")

MAX_RUN = 48          # characters; garbled runs in the wild are short
BEAM = 16
HIDDEN_DROP_COST = 5.0
ASCII_COST = 3.0
PUNCT = set("。，、；：？！“”‘’（）《》")
# How sure a repair must be to stand as repaired; below, the record is flagged
# mojibake_uncertain. Confidence is the chance the best reading beats its
# nearest rival, 1/(1+e^-margin): 0.85 is a margin of 1.7 nats (5.7 to 1).
CONFIDENT = 0.85
MARGIN_CAP = 10.0     # nats: a margin beyond this is certainty (confidence 0.99995)


encode_char = gbk_bytes


def _build_prior() -> tuple[dict, dict]:
    raw = importlib.resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    words, freqs = [], []
    for line in raw.splitlines():
        parts = line.split(" ")
        # words seen 20+ times (72k of 350k): the rest add little
        if len(parts) >= 2 and len(parts[0]) >= 2 and int(parts[1]) >= 20:
            words.append(parts[0])
            freqs.append(int(parts[1]))
    joined = "\n".join(words)
    # OpenCC's s2t writes 爲, Taiwan's s2tw writes 為: scrapes use either
    traditional = converter("s2t").convert(joined).split("\n")
    taiwan = converter("s2tw").convert(joined).split("\n")
    bi, left = Counter(), Counter()
    for forms, f in zip(zip(words, traditional, taiwan), freqs):
        for w in set(forms):
            for a, b in zip(w, w[1:]):
                bi[(a, b)] += f
                left[a] += f
    return dict(bi), dict(left)


@lru_cache(maxsize=1)
def prior_bigrams() -> tuple[dict, dict]:
    """Character bigrams inside the words of jieba's frequency dictionary
    (350k words), in simplified and traditional form: general Chinese, for
    text a document never prints cleanly (002 garbles every 因為). Built
    once per machine (a few seconds) and kept in the tables folder."""
    return stored("mojibake-prior", _build_prior, __file__)


class CharModel:
    """Character bigrams of one text, backed off to general word-internal
    bigrams and to a prior for common characters."""

    def __init__(self, text: str):
        self.common = common_han()
        self.uni = Counter(text)
        self.bi = Counter(zip(text, text[1:]))
        self.total = sum(self.uni.values()) or 1
        self.prior_bi, self.prior_left = prior_bigrams()
        self._memo: dict = {}
        self._likely: dict = {}
        self._steps: dict = {}      # (prev, lead, trail) → costs of the candidates, for decode_run
        self._p_uni: dict = {}
        self._unseen: dict = {}     # (c, next to punctuation) → cost of c after a character never seen before it
        self._candidates: dict = {}
        self._bases: dict = {}       # (lead, trail, after punctuation) → unseen costs of the candidates
        by_freq = [c for c, _ in self.uni.most_common() if "\u4e00" <= c <= "\u9fff" or c in "。，、：；？！"]
        self.top = by_freq[:60]

    def likely(self, key, chars: list[str], n: int = 32) -> list[str]:
        """The n most frequent of chars (cached): an unknown byte is filled
        from characters this text or the language actually uses."""
        got = self._likely.get(key)
        if got is None:
            got = self._likely[key] = sorted(chars, key=lambda c: -self.p_uni(c))[:n]
        return got

    def p_uni(self, c: str) -> float:
        got = self._p_uni.get(c)
        if got is None:
            base = 0.3 if c in self.common else 0.0005
            got = self._p_uni[c] = (self.uni.get(c, 0) + base) / (self.total + 2000)
        return got

    def cost(self, prev: str, c: str) -> float:
        key = (prev, c)
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = self._cost(prev, c)
        return got

    def _cost(self, prev: str, c: str) -> float:
        if c.isascii():
            return ASCII_COST if c.isalnum() or c in "()" else ASCII_COST + 1
        key = (prev, c)
        if key not in self.bi and key not in self.prior_bi:
            # most pairs tried are seen nowhere: the unigram alone (the same sum as below)
            return self.unseen(c, prev in PUNCT or c in PUNCT)
        left = self.prior_left.get(prev, 0)
        p_prior = self.prior_bi.get((prev, c), 0) / left if left else 0.0
        n_prev = self.uni.get(prev, 0)       # .get: Counter's [] takes a slow path for absent keys
        p_doc = self.bi.get((prev, c), 0) / n_prev if n_prev else 0.0
        if prev in PUNCT or c in PUNCT:
            # words say nothing about punctuation: what follows 。 is any start
            return -math.log(0.4 * p_doc + 0.6 * self.p_uni(c) + 1e-9)
        # interpolated: this document, general word-internal bigrams, unigram
        return -math.log(0.5 * p_doc + 0.3 * p_prior + 0.2 * self.p_uni(c) + 1e-9)

    def candidates(self, key: tuple) -> list[str]:
        """The GBK characters with this lead byte (("lead", byte)) or trail
        byte (("trail", byte)) that this text or the common set holds."""
        got = self._candidates.get(key)
        if got is None:
            got = self._candidates[key] = [ch for ch in _gbk_index().get(key, ()) if ch in self.common or ch in self.uni]
        return got

    def unseen(self, c: str, punct: bool) -> float:
        """The cost of c after a character nothing ever put it after."""
        got = self._unseen.get((c, punct))
        if got is None:
            got = self._unseen[(c, punct)] = -math.log((0.6 if punct else 0.2) * self.p_uni(c) + 1e-9)
        return got

    def linked(self, a: str, b: str) -> bool:
        """Whether this text or the general word list ever puts b right after a."""
        return (a, b) in self.bi or (a, b) in self.prior_bi

    def text_cost(self, prev: str, s: str) -> float:
        total = 0.0
        for c in s:
            total += 9.0 if c in "?\ufffd" or "\ue000" <= c <= "\uf8ff" else self.cost(prev, c)
            prev = c
        return total


@lru_cache(maxsize=1)
def _gbk_index() -> dict[tuple[str, int], list[str]]:
    """Every GBK character by ("lead", its lead byte) and by ("trail", its trail byte)."""
    index: dict[tuple[str, int], list[str]] = {}
    for (lead, trail), ch in gbk_pairs().items():
        index.setdefault(("lead", lead), []).append(ch)
        index.setdefault(("trail", trail), []).append(ch)
    return index


def find_runs(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, cut) of text that looks like shifted GBK; cut: the run
    went on past MAX_RUN characters and was cut there (what follows it is
    read as it stands): the decoder's cost per run is bounded by it."""
    if "?" not in text:        # every run starts at one: clean text pays one scan
        return []
    common = common_han()
    runs = []
    pos = last_end = 0
    while True:
        m = _ANCHOR.search(text, pos)
        if not m:
            break
        start = m.start()
        nxt = text[m.end():m.end() + 2]
        rare_near = any(_is_rare_glyph(c, common) for c in nxt) or \
            (nxt[:1] in "?;:,()!" and _is_rare_glyph(text[m.end() + 1:m.end() + 2], common)) or \
            (nxt[:1] == "?" and _Q_HAN_GLOSS.match(text, m.end())) or \
            _GLOSS.match(text, m.end()) or nxt.startswith("/p")
        if not rare_near:
            pos = m.end()
            continue
        while start > last_end and text[start - 1] == "?":   # "??": the first is the lost byte
            start -= 1
        end = i = m.end()
        while i < len(text) and i - start < MAX_RUN:
            g = _MAYBE_PAREN_GLOSS.match(text, i) if text[i - 1] == "?" or text[i] == "(" else None
            h = HTML_REMNANT.match(text, i) if text[i - 1] == "?" else None
            if g or h:
                i = i + len(g[0]) if g else h.end()
                end = i
                continue
            c = text[i]
            after = text[i + 1:i + 2]
            if c == "?" or _is_rare_glyph(c, common) or (encode_char(c) and not c.isascii() and c not in common
                                                           and not c.isspace()):
                i += 1
                end = i
            elif c in common or c in "。，、":
                # one ordinary character may sit inside a run; two end it
                if not (_is_rare_glyph(after, common) or after == "?"):
                    break
                i += 1
            elif c.isascii() and c.isalnum() and (_is_rare_glyph(text[i - 1], common)
                                                  or _PAREN_GLOSS.match(text, i + 1)):
                i += 1          # a trail byte that happens to be ASCII: 私Y(jié)果
                end = i
            elif c in "；;:,()（）!" and (_is_rare_glyph(after, common) or after == "?"):
                i += 1
            else:
                break
        runs.append((start, end, i - start >= MAX_RUN))
        pos = last_end = end
    return runs


def _is_rare_glyph(c: str, common) -> bool:
    """A hanzi outside the common set, or a private-use glyph."""
    return bool(c) and (("\u3400" <= c <= "\u9fff" and c not in common) or "\ue000" <= c <= "\uf8ff")


def is_strong(run: str) -> bool:
    """Evidence enough to call a run mojibake even when it cannot be repaired."""
    common = common_han()
    rare = sum(1 for c in run if _is_rare_glyph(c, common))
    return rare >= 2 or bool(_Q_GLOSS.search(run)) or "??" in run


def _tokens(run: str) -> list[list[tuple]]:
    """(alternatives, characters consumed) per token; an alternative is (byte slots, penalty)
    and a slot is an int or None (unknown)."""
    out = []
    i = 0
    first = True
    while i < len(run):
        c = run[i]
        full_gloss = _PAREN_GLOSS.match(run, i)
        if full_gloss:       # a gloss of the original text: no bytes of its own
            out.append(([((), 0.0)], len(full_gloss[0])))
            i += len(full_gloss[0])
            continue
        if c == "?":
            g = _GLOSS.match(run, i + 1)
            h = HTML_REMNANT.match(run, i + 1)
            skip = len(g[0]) if g else (h.end() - i - 1 if h else 0)
            if first:
                alts = [((None,), 0.0)]
            elif skip:   # "?" that carried a gloss or an HTML tag: lost bytes
                alts = [((None,), 0.0), ((None, None), 0.5), ((None, None, None), 1.0)]
            else:        # most likely a full-width ？ folded to ASCII; else lost bytes
                alts = [((0xA3, 0xBF), 0.0), ((None,), 4.0), ((None, None), 5.0), ((None, None, None), 6.0)]
            out.append((alts, 1 + skip))
            i += 1 + skip
        elif c in _PUNCT_FOLDED:
            out.append(([((ord(c),), 0.0), (tuple(encode_char(_PUNCT_FOLDED[c])), 0.5)], 1))
            i += 1
        elif c.isascii():
            out.append(([((ord(c),), 0.0)], 1))
            i += 1
        else:
            b = encode_char(c)
            # a private-use glyph GBK cannot give back: bytes lost
            out.append(([(tuple(b), 0.0)] if b else [((None,), 0.0), ((None, None), 0.5)], 1))
            i += 1
        first = False
    return out


_COST = operator.itemgetter(2)


def decode_run(run: str, prev: str, min_end: int, model: CharModel,
               after: str = "") -> tuple[str, float, int, float] | None:
    """Best re-aligned reading of a prefix of `run` at least `min_end` long.

    Returns (repaired text, cost, length of run consumed, margin: how much
    costlier the best different reading is, in nats). The cost of each
    candidate end includes reading the rest of `run` (and `after`) as it
    stands, so ends are compared over the same text. Text before the run
    ends in `prev`.
    """
    by_code = gbk_pairs()
    top = model.top

    def pair(lead, trail) -> list[str]:
        if lead is not None and trail is not None:
            ch = by_code.get((lead, trail))
            return [ch] if ch else []
        if lead is not None:
            return model.likely(("lead", lead), model.candidates(("lead", lead)))
        if trail is not None:
            return model.likely(("trail", trail), model.candidates(("trail", trail)))
        return top

    rests: dict = {}

    def rest_cost(pc: str, pos: int) -> float:
        got = rests.get(pos)
        if got is None:
            rest = strip_glosses(run[pos:]) + after[:1]
            got = rests[pos] = (rest[:1], model.text_cost(rest[0], rest[1:]) if rest else 0.0)
        first, tail = got
        return model.cost(pc, first) + tail if first else 0.0

    # hot loop: the memo is read inline, not through model.cost (a call per
    # candidate was a third of the decoder's time)
    memo, cost_of = model._memo, model.cost
    common = model.common
    hidden: dict = {}       # (lead, trail) → [(c1, [(c2, cost c1→c2)], cheapest)], the same for every state

    def hidden_pairs(lead: int, trail: int) -> list:
        got = hidden.get((lead, trail))
        if got is None:
            got = hidden[(lead, trail)] = []
            for c1 in pair(lead, None)[:12]:
                row = [(c2, cost_of(c1, c2)) for c2 in pair(None, trail)[:12]]
                got.append((c1, row, min((c for _, c in row), default=math.inf)))
        return got

    steps = model._steps

    bi, prior_bi, unseen, bases = model.bi, model.prior_bi, model.unseen, model._bases

    def step_costs(pc: str, lead, trail, chars: list[str]) -> list[float]:
        """Costs of pc → each of chars, the candidates for bytes (lead, trail):
        in full for pairs this text or the word list holds, else by character."""
        got = steps.get((pc, lead, trail))
        if got is None:
            punct = pc in PUNCT
            base = bases.get((lead, trail, punct))
            if base is None:
                base = bases[(lead, trail, punct)] = [unseen(ch, punct or ch in PUNCT) for ch in chars]
            got = steps[(pc, lead, trail)] = [cost_of(pc, ch) if (pc, ch) in bi or (pc, ch) in prior_bi else b
                                              for ch, b in zip(chars, base)]
        return got

    best = None
    ends = []               # (total cost, text, run consumed, margin) of every reading that ends back in step
    # state: (pending byte or "W" or None, prev char) → (cost, emitted text, margin). The margin is
    # how much cheaper the state's reading was than the best other reading merged into it
    # (ending in the same state): small margins mean the text hangs on a guess
    states = {(None, prev): (0.0, "", MARGIN_CAP)}
    pos = 0
    for alts, length in _tokens(run):
        new: dict = {}
        # a reading costlier than the BEAM-th cheapest state found so far (plus the
        # margin cap) can neither survive this token nor change a margin that counts
        cutoff = math.inf
        for (pending, pchar), (cost, out, margin) in states.items():
            for alt, penalty in alts:
                partial = [(pending, pchar, cost + penalty, out)]
                for slot in alt:
                    nxt_partial = []
                    add = nxt_partial.append
                    bound, next_check = cutoff, BEAM * 4
                    for rank, (pend, pc, cst, o) in enumerate(partial):
                        if cst > cutoff:
                            break            # partial is sorted: the rest cost more still
                        if pend is None:
                            if slot is not None and slot < 0x80:
                                ch = chr(slot)
                                c = memo.get((pc, ch))
                                add((None, ch, cst + (cost_of(pc, ch) if c is None else c), o + ch))
                            elif slot is None or slot >= 0x81:
                                add(("W" if slot is None else slot, pc, cst, o))
                            continue
                        lead = None if pend == "W" else pend
                        if slot is not None and not (0x40 <= slot <= 0xFE and slot != 0x7F):
                            continue
                        direct = pair(lead, slot)
                        # only the BEAM*4 cheapest candidates survive: one costlier than
                        # that many already found cannot, so it is not built (same result).
                        # The bound only tightens as candidates come; renewed as they double
                        if len(nxt_partial) >= next_check:
                            bound = min(cutoff, heapq.nsmallest(BEAM * 4, map(_COST, nxt_partial))[-1])
                            next_check = 2 * len(nxt_partial)
                        for ch, c in zip(direct, step_costs(pc, lead, slot, direct)):
                            c += cst
                            if c <= bound:
                                add((None, ch, c, o + ch))
                        # a pair the garbling decoder dropped unseen sits between two known
                        # bytes; only worth trying where the direct reading is no common glyph
                        if (lead is not None and slot is not None and rank < 4
                                and not (direct and direct[0] in common)):
                            for c1, row, cheapest in hidden_pairs(lead, slot):
                                c = memo.get((pc, c1))
                                c1_cost = cst + HIDDEN_DROP_COST + (cost_of(pc, c1) if c is None else c)
                                if c1_cost + cheapest > bound:
                                    continue
                                o1 = o + c1
                                for c2, c12 in row:
                                    if c1_cost + c12 <= bound:
                                        add((None, c2, c1_cost + c12, o1 + c2))
                    partial = heapq.nsmallest(BEAM * 4, nxt_partial, key=_COST)
                for pend, pc, cst, o in partial:
                    if cst > cutoff:
                        break
                    key = (pend, pc)
                    got = new.get(key)
                    if got is None:
                        new[key] = (cst, o, margin)
                    elif cst < got[0]:
                        new[key] = (cst, o, min(margin, got[0] - cst) if got[1] != o else margin)
                    elif got[1] != o:
                        new[key] = (got[0], got[1], min(got[2], cst - got[0]))
            if len(new) >= BEAM:
                cutoff = heapq.nsmallest(BEAM, [v[0] for v in new.values()])[-1] + MARGIN_CAP
        states = dict(heapq.nsmallest(BEAM, new.items(), key=lambda kv: kv[1][0]))
        if not states:
            break
        pos += length
        if pos >= min_end:
            # back in step here? then the rest is read as printed
            for (pend, pc), (cost, out, margin) in states.items():
                if pend is None:
                    total = cost + rest_cost(pc, pos)
                    ends.append((total, out, pos, margin))
                    if best is None or total < best[1]:
                        best = (out, total, pos)
    if best is None:
        return None
    # the best reading against every other one that is not a shorter or longer version of it
    margin = next(m for t, o, p, m in ends if o == best[0] and p == best[2])
    for total, out, _, _ in ends:
        if not (out.startswith(best[0]) or best[0].startswith(out)):
            margin = min(margin, total - best[1])
    return best[0], best[1], best[2], min(margin, MARGIN_CAP)


def _token_ends(text: str, start: int, n: int) -> list[int]:
    """start and the ends of the next n tokens (a gloss "(xiàn)" is one token)."""
    ends, i = [start], start
    while len(ends) <= n and i < len(text) and text[i] != "\n":
        g = _PAREN_GLOSS.match(text, i)
        i += len(g[0]) if g else 1
        ends.append(i)
    return ends


def repair(text: str) -> tuple[str, list[MojibakeRun]]:
    """The text with every run repaired, marked as uncertain, or taken out
    (each between marks, see text.take_marks), and one MojibakeRun per run."""
    runs = find_runs(text)
    if not runs:
        return text, []
    pieces, pos = [], 0
    for s, e, _ in runs:
        pieces += [text[pos:s], "\x00" * (e - s)]
        pos = e
    pieces.append(text[pos:])
    model = CharModel(strip_glosses("".join(pieces)))
    out, reports, pos = [], [], 0
    decoded: dict = {}        # the same garbled text in the same place reads the same: decoded once
    for s, e, cut in runs:
        if s < pos:
            continue
        prev = text[s - 1] if s else "\n"
        # the run may end before the decoder is back in step: let it take a
        # few more characters (one pass; ends compared over the same text)
        window = _token_ends(text, e, 8)[-1]
        key = (prev, text[s:window], text[window:window + 1], e - s)
        if key not in decoded:
            decoded[key] = _judge(text[s:window], prev, e - s, model, text[window:window + 1])
        end, run = decoded[key]
        e = s + end
        out.append(text[pos:s])
        if run is None:
            out.append(text[s:e])
        else:
            run = MojibakeRun(text[s:e], run.repaired, run.confidence, run.uncertain, cut=cut)
            reports.append(run)
            if run.repaired is None:   # unreadable garbage: out of the text, into the audit log
                out.append(MARK_UNREPAIRED + MARK_END)
            else:
                out.append((MARK_UNCERTAIN if run.uncertain else MARK_REPAIRED) + run.repaired + MARK_END)
        pos = e
    out.append(text[pos:])
    return "".join(out), reports


def _judge(run: str, prev: str, min_end: int, model: CharModel, after: str) -> tuple[int, MojibakeRun | None]:
    """(length of the run taken, what to do with it): a repair when it reads
    much better than the garbled text, else removal when the run is surely
    mojibake, else None (left as printed)."""
    best = decode_run(run, prev, min_end, model, after)
    end = best[2] if best else min_end
    garbled = strip_glosses(HTML_REMNANT.sub("", run)) + after
    garbled_cost = model.text_cost(prev, garbled)
    if best is not None and best[1] < garbled_cost - 4.0:
        following = (strip_glosses(HTML_REMNANT.sub("", run[end:])) + after)[:1]
        confidence = repair_confidence(best[0], best[3], prev, following, model)
        return end, MojibakeRun(run[:end], best[0], round(confidence, 3), confidence < CONFIDENT)
    if is_strong(run[:end]):
        return end, MojibakeRun(run[:end], None)
    return end, None


def repair_confidence(repaired: str, margin: float, prev: str, following: str, model: CharModel) -> float:
    """How sure a repair is, 0..1. The chance that the best reading beats its
    nearest rival (from the decoder's margin, in nats), and at most an even
    chance when the reading rests on a character no evidence ties to either
    neighbour: neither this document nor the general word list ever puts it
    next to them (悔收寄 for 基于收集)."""
    confidence = 1.0 / (1.0 + math.exp(-min(margin, 50.0)))
    text = prev + repaired + following
    for i in range(1, len(text) - 1 if following else len(text)):
        c = text[i]
        if c in PUNCT or c.isascii() or not ("\u4e00" <= c <= "\u9fff"):
            continue
        if not (model.linked(text[i - 1], c) or (i + 1 < len(text) and model.linked(c, text[i + 1]))):
            return min(confidence, 0.5)
    return confidence
