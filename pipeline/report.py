"""cleaned/report.html: what the cleaner did, in one self-contained page
(inline CSS, SVG and script; no network), for the maintainer who reviews a
run.

- a table with one row per input document (site, encoding, status, records
  by type, flags, removed characters); a click on a row shows that
  document's cards;
- bar charts of records by type and by flag;
- a card for each record (flagged ones and quarantined documents first,
  the rest behind "all records"): the source text it came from beside the
  record the pipeline made of it, its place in docs/<doc_id>.txt, and every
  mojibake repair in it highlighted with the garbled text it replaced;
- a search box that filters the cards by text.

The source excerpt is found again at report time, for the cards shown
only: the input is decoded once more and the record's text aligned against
the part of it where the record should be. The alignment is linear: a few
anchor grams of the record are searched in a bounded window, the best
diagonal they vote for is refined in a band around it, and whatever is cut
by a bound (a very long record) is said on the card.
"""
from __future__ import annotations

import bisect
import html
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

from . import read, storage
from .model import DocResult
from .text import GLOSS, is_pinyin, to_simplified
from .write import atomic_open

MAX_CARDS = 400            # flagged records and quarantined documents: a page a browser still opens quickly
MAX_PLAIN_CARDS = 600      # records without flags, for browsing; the rest of both are counted
CONTEXT = 6                # characters each side that place a repair inside the record's text
MIN_CONTEXT = 2            # at least this many on one side must match
REPAIR_FLAGS = {"mojibake_repaired", "mojibake_uncertain"}     # a record whose text a repair changed
MAX_ROWS = 20_000          # document table rows; the manifest lists every document
EXCERPT_MAX = 1200         # characters of source shown on a card

# the alignment's bounds: its work per card is a constant, whatever the document's size
SEARCH = 4000              # characters searched on each side of where the record should be
TARGET_MAX = 1000          # characters of the record looked for
ANCHORS = 12               # grams of the record searched for in the whole window
ANCHOR_HITS = 16           # occurrences of one anchor gram followed (more: the gram is too common to anchor)
BAND = 200                 # how far the alignment may stray from its diagonal (glosses, removed boilerplate)
GRAM = 3                   # characters in a gram (2 for very short records)
T2S_PIECE = 200            # characters converted to simplified at a time
MAX_BLOCKS = 150           # matches chained (the longest): the chaining is quadratic in them


# --- which source text a record came from -------------------------------------------------

@dataclass
class Alignment:
    excerpt: str                                    # "" when not found
    notes: list[str] = field(default_factory=list)  # bounds that were hit, said on the card
    work: int = 0                                   # grams compared: at most a constant per call


def _comparable(window: str) -> tuple[str, list[int]]:
    """The window without pinyin glosses and in simplified characters (t2s
    is almost always one character for one), and for each of its
    characters the offset in the window it came from."""
    kept: list[int] = []
    pos = 0
    for m in GLOSS.finditer(window):
        if is_pinyin(m["py"]):
            kept.extend(range(pos, m.start()))
            pos = m.end()
    kept.extend(range(pos, len(window)))
    stripped = "".join(window[i] for i in kept)
    # converted a piece at a time: a piece whose length t2s changes (a phrase
    # conversion) stays as it was, so offsets still match
    pieces = [stripped[i:i + T2S_PIECE] for i in range(0, len(stripped), T2S_PIECE)]
    probe = "".join(c if len(c) == len(p) else p for p, c in zip(pieces, map(to_simplified, pieces)))
    return probe, kept


def _anchor_diagonal(probe: str, target: str, q: int, expected: int, alignment: Alignment) -> int | None:
    """The offset (probe position - target position) the anchor grams agree
    on most: the weighted mean of the votes in the best three neighbouring
    bands of BAND offsets. A gram found k times gives each place 1/k of a
    vote (one found more than ANCHOR_HITS times, none): the words of a
    document's subject, found everywhere, must not outvote the few that are
    found once."""
    step = max(1, (len(target) - q + 1) // ANCHORS)
    grams = {target[i:i + q]: i for i in range(0, len(target) - q + 1, step)}
    votes: Counter = Counter()
    diagonals: list[tuple[int, float]] = []
    for gram, i in grams.items():
        found = []
        j = probe.find(gram)
        while j >= 0 and len(found) <= ANCHOR_HITS:
            found.append(j)
            j = probe.find(gram, j + 1)
        alignment.work += len(found) + 1
        if found and len(found) <= ANCHOR_HITS:
            for j in found:
                votes[(j - i) // BAND] += 1 / len(found)
                diagonals.append((j - i, 1 / len(found)))
    if not votes:
        return None
    near = expected // BAND
    best = max(votes, key=lambda b: (votes[b - 1] + votes[b] + votes[b + 1], votes[b], -abs(b - near)))
    chosen = [(d, w) for d, w in diagonals if best - 1 <= d // BAND <= best + 1]
    return round(sum(d * w for d, w in chosen) / sum(w for _, w in chosen))


def _blocks(probe: str, target: str, q: int, diagonal: int, alignment: Alignment) -> list[tuple[int, int, int]]:
    """Runs of matching grams within 1.5 BAND of the diagonal: (probe start, target start, length)."""
    positions: dict[str, list[int]] = {}
    for i in range(len(target) - q + 1):
        positions.setdefault(target[i:i + q], []).append(i)
    low, high = diagonal - 3 * BAND // 2, diagonal + 3 * BAND // 2      # offsets j - i kept
    lo, hi = max(0, low), min(len(probe), high + len(target))
    hits = set()
    for j in range(lo, max(lo, hi - q + 1)):
        for i in positions.get(probe[j:j + q], ()):
            alignment.work += 1
            if low <= j - i < high:
                hits.add((j, i))
    alignment.work += hi - lo
    runs = []
    for j, i in sorted(hits):
        if (j - 1, i - 1) in hits:
            continue                     # inside a run that started earlier
        n = 1
        while (j + n, i + n) in hits:
            n += 1
        runs.append((j, i, n + q - 1))
    return runs


def align(source: str, target: str, where: float) -> Alignment:
    """The part of `source` that `target` (cleaned text) came from, searched
    around the relative position `where` (0..1). Linear: the window, the
    record and the work are bounded by the constants above."""
    alignment = Alignment("")
    if not source or not target:
        return alignment
    if len(target) > TARGET_MAX:
        alignment.notes.append(f"the record has {len(target):,} characters: the source was searched for "
                               f"its first {TARGET_MAX:,}")
        target = target[:TARGET_MAX]
    center = int(where * len(source))
    lo, hi = max(0, center - SEARCH), min(len(source), center + SEARCH + len(target))
    window = source[lo:hi]
    probe, kept = _comparable(window)
    q = GRAM if len(target) >= 4 * GRAM else 2
    expected = sum(1 for k in kept if k < center - lo)      # where the record should start, in the probe
    diagonal = _anchor_diagonal(probe, target, q, expected, alignment)
    if diagonal is None:
        if lo > 0 or hi < len(source):
            alignment.notes.append(f"searched {SEARCH:,} characters on each side of where the record should be")
        return alignment
    runs = _blocks(probe, target, q, diagonal, alignment)
    if not runs:
        return alignment
    # (window start, window end, target start, target end); a block's window
    # end is the end of its last character, glosses inside it included
    blocks = [(kept[j], kept[j + n - 1] + 1, i, i + n) for j, i, n in runs]

    def near(left, right) -> bool:
        return right[0] - left[1] <= 3 * (right[2] - left[3]) + 40

    def before(left, right) -> bool:          # in order in both texts
        return left[1] <= right[0] + 1 and left[3] <= right[2] + 1

    # the heaviest chain of matches in order in both texts, each near the
    # next: a gram repeated elsewhere (the stem's words in the explanation)
    # makes crossing matches, and a match far away is a stray
    blocks = sorted(sorted(blocks, key=lambda b: b[2] - b[3])[:MAX_BLOCKS])
    score: list[int] = []
    prev: list[int | None] = []
    for k, b in enumerate(blocks):
        best, arg = b[3] - b[2], None
        for m in range(k):
            if score[m] + b[3] - b[2] > best and before(blocks[m], b) and near(blocks[m], b):
                best, arg = score[m] + b[3] - b[2], m
        score.append(best)
        prev.append(arg)
    alignment.work += len(blocks) ** 2
    k = max(range(len(blocks)), key=score.__getitem__)
    end = blocks[k][1]
    while prev[k] is not None:
        k = prev[k]
    start = blocks[k][0]
    gloss = GLOSS.match(window, end)
    if gloss and is_pinyin(gloss["py"]):     # the last character's own gloss
        end = gloss.end()
    head = target.split("\n", 1)[0]
    if len(head) <= 8:                       # a short first line, the question number, just before the match
        at = window.rfind(head, max(0, start - len(head) - 4), start)
        start = at if at >= 0 else start
    line_start = window.rfind("\n", 0, start) + 1
    if start - line_start <= 40:             # from the start of the line: the question number
        start = line_start
    line_end = window.find("\n", end)
    if 0 <= line_end - end <= 40:            # to the end of the line: a last gloss, a closing bracket
        end = line_end
    if end - start > EXCERPT_MAX:
        alignment.notes.append(f"the excerpt is cut at {EXCERPT_MAX:,} characters")
    alignment.excerpt = window[start:min(end, start + EXCERPT_MAX)]
    return alignment


def locate(source: str, target: str, where: float) -> str:
    return align(source, target, where).excerpt


def record_text(row: dict) -> str:
    parts = [row["number"] or "", row["stem"]] + [f"{o['label']}.{o['text']}" for o in row["options"]]
    answer = row["answer"]
    if answer["labels"]:
        parts.append("答案:" + "".join(answer["labels"]))
    elif answer["text"]:
        parts.append(answer["text"])
    parts.append(row["explanation"] or "")
    return "\n".join(p for p in parts if p)


# --- cards ---------------------------------------------------------------------------------

class DocumentIndex:
    """Line numbers and mojibake repairs of one cleaned document, for its cards."""

    def __init__(self, doc):
        self.doc_id = doc.doc_id
        self.text = doc.text
        self.newlines: list[int] | None = None     # built on the first card: documents without cards pay nothing
        # repaired runs (uncertain ones included) do not overlap: sorted by start, they are sorted by end too
        self.repairs = sorted(((r.start, r.end, r) for r in doc.mojibake_runs if r.repaired is not None),
                              key=lambda x: x[0])
        self.starts = [s for s, _, _ in self.repairs]
        self.ends = [e for _, e, _ in self.repairs]

    def place(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of `offset` in docs/<doc_id>.txt."""
        if self.newlines is None:
            self.newlines = []
            at = self.text.find("\n")
            while at >= 0:
                self.newlines.append(at)
                at = self.text.find("\n", at + 1)
        line = bisect.bisect_left(self.newlines, offset)
        return line + 1, offset - (self.newlines[line - 1] + 1 if line else 0) + 1

    def repairs_for(self, row: dict) -> list[dict]:
        """The repaired runs in a record: those inside its span, and for a
        record flagged as repaired, those found with their surrounding text
        in it (an answer linked from a key elsewhere is outside the span)."""
        start, end = row["span"]["start"], row["span"]["end"]
        first, last = bisect.bisect_right(self.ends, start), bisect.bisect_left(self.starts, end)
        found = {(s, e): self.repair(s, e, run) for s, e, run in self.repairs[first:last]}
        if REPAIR_FLAGS & set(row["flags"]):
            text = record_text(row)
            for s, e, run in self.repairs:
                if (s, e) not in found and self.text[s:e].strip() and self.text[s:e] in text:
                    r = self.repair(s, e, run)
                    same = any(f["cleaned"] == r["cleaned"] and f["raw"] == r["raw"] for f in found.values())
                    if not same and _find_repair(text, r) >= 0:     # the same garbling twice in a document: once
                        found[s, e] = r
        return [found[k] for k in sorted(found)]

    def repair(self, s: int, e: int, run) -> dict:
        return {"cleaned": self.text[s:e], "raw": run.raw, "repaired": run.repaired,
                "uncertain": run.uncertain, "confidence": run.confidence,
                # the text around it, to find this repair (not the same characters elsewhere) in the record
                "before": self.text[max(0, s - CONTEXT):s].rsplit("\n", 1)[-1],
                "after": self.text[e:e + CONTEXT].split("\n", 1)[0]}


class CardCollector:
    """The report sink: keeps the first MAX_CARDS flagged records and
    quarantined documents of the stream and the first MAX_PLAIN_CARDS other
    records, counts the rest."""

    name = "report"

    def __init__(self, limit: int = MAX_CARDS, plain_limit: int = MAX_PLAIN_CARDS):
        self.limit, self.plain_limit = limit, plain_limit
        self.cards: list[dict] = []
        self.flagged = self.plain = self.skipped = self.skipped_plain = 0
        self._index: DocumentIndex | None = None

    def room(self, flagged: bool) -> bool:
        """Whether a card of this kind is still kept; counts it as left out if not."""
        if flagged and self.flagged >= self.limit:
            self.skipped += 1
            return False
        if not flagged and self.plain >= self.plain_limit:
            self.skipped_plain += 1
            return False
        return True

    def add(self, result: DocResult) -> None:
        d = result.doc
        if d.error:
            self.document(d.path, result.url, d.error)
        for rej in d.rejected:
            self.document(d.path, result.url, f"record rejected: {rej['reason']}")
        for rec in d.records:
            self.record(rec.to_dict(), result.url, d)

    def _card(self, card: dict) -> None:
        if self.room(card["flagged"]):
            self._keep(card)

    def _keep(self, card: dict) -> None:
        self.cards.append(card)
        if card["flagged"]:
            self.flagged += 1
        else:
            self.plain += 1

    def record(self, row: dict, doc_url: str | None, doc) -> None:
        """A record of `doc` (the Document: its cleaned text and mojibake runs) for a card."""
        flagged = bool(row["flags"])
        if not self.room(flagged):
            return
        if self._index is None or self._index.doc_id != doc.doc_id:
            self._index = DocumentIndex(doc)
        self._keep({"kind": "record", "flagged": flagged, "row": row, "url": doc_url, "doc_len": len(doc.text),
                    "place": self._index.place(row["span"]["start"]), "repairs": self._index.repairs_for(row)})

    def document(self, path: str, url: str | None, reason: str) -> None:
        self._card({"kind": "document", "flagged": True, "path": path, "url": url, "reason": reason})


def _source_text(url: str | None) -> str | None:
    if not url:
        return None
    try:
        doc = read.document("x", storage.read_bytes(url))
        return read.read(doc).text
    except Exception:      # a source that cannot be read again is shown as such on its card
        return None


# --- HTML -------------------------------------------------------------------------------

CSS = """
body{font:14px/1.5 system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;
  color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c9d1dc}
main{padding:16px 24px;max-width:1400px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}.charts{display:flex;flex-wrap:wrap;gap:24px}.charts figure{margin:0;max-width:100%}
.charts svg{max-width:100%;height:auto}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e6e9ee;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f2f5;position:sticky;top:0}td.num{text-align:right}tr.quarantined td{background:#fff1f0}
#documents tbody tr{cursor:pointer}#documents tbody tr:hover td,#documents tbody tr.picked td{background:#e6f0ff}
.status-ok{color:#237804}.status-quarantined{color:#a8071a;font-weight:600}
.controls{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:0 0 8px}
#filter{font-size:15px;padding:6px 10px;width:min(520px,100%);border:1px solid #b8c0cc;border-radius:4px;box-sizing:border-box}
#picked{display:none}#picked.on{display:inline-block}
button{font:inherit;font-size:13px;padding:2px 8px;border:1px solid #b8c0cc;border-radius:4px;background:#fff;cursor:pointer}
.card{border:1px solid #dde2e8;border-radius:6px;margin:10px 0;background:#fff}.card.hidden{display:none}
.card h3{font-size:13px;margin:0;padding:6px 10px;background:#f0f2f5;border-bottom:1px solid #dde2e8;font-weight:600;
  overflow-wrap:anywhere}
.pair{display:grid;grid-template-columns:1fr 1fr}.pair>div{padding:8px 10px;min-width:0}
.pair>div+div{border-left:1px solid #e6e9ee}
.pair h4{margin:0 0 4px;font-size:12px;color:#5b6777;text-transform:uppercase;letter-spacing:.04em}
pre{white-space:pre-wrap;word-break:break-all;margin:0;font:13px/1.5 ui-monospace,"Noto Sans Mono CJK SC",monospace}
.flag{display:inline-block;background:#fff7e6;border:1px solid #ffd591;border-radius:3px;padding:0 5px;margin-right:4px;
  font-size:12px}
.flag.duplicate{background:#f0f5ff;border-color:#adc6ff}.flag.quarantined{background:#fff1f0;border-color:#ffa39e}
ol.options{margin:4px 0;padding-left:0;list-style:none}.answer{color:#237804}.muted{color:#5b6777}
.where{font-weight:400;color:#5b6777}.note{color:#ad4e00;font-size:12px;margin:4px 0 0}
mark.repair{background:#d9f7be;border-bottom:2px solid #52c41a;padding:0 1px}
mark.repair.uncertain{background:#fff1b8;border-bottom:2px dashed #d48806}
ul.repairs{margin:6px 0 0;padding-left:18px;font-size:13px}ul.repairs li{margin:2px 0;overflow-wrap:anywhere}
.raw{color:#a8071a;font-family:ui-monospace,monospace}.badge{font-size:11px;border-radius:3px;padding:0 4px;
  background:#fff1b8;border:1px solid #d48806;margin-left:4px}
@media (max-width:700px){
  header{padding:12px}main{padding:8px}section{padding:10px 8px}header h1{font-size:17px}
  .pair{grid-template-columns:1fr}.pair>div+div{border-left:0;border-top:1px solid #e6e9ee}
}
"""

SCRIPT = """
(function(){
  var box=document.getElementById('filter'), all=document.getElementById('all'), cards=document.querySelectorAll('.card'),
      count=document.getElementById('shown'), picked=document.getElementById('picked'),
      rows=document.querySelectorAll('#documents tbody tr'), doc=null;
  function apply(){
    var q=box.value.trim().toLowerCase(), n=0;
    cards.forEach(function(c){
      var hit=(all.checked||c.dataset.flagged==='1')&&(!doc||c.dataset.doc===doc)&&
              (!q||c.textContent.toLowerCase().indexOf(q)>=0);
      c.classList.toggle('hidden',!hit);if(hit)n++;
    });
    count.textContent=n;
    picked.classList.toggle('on',!!doc);picked.querySelector('span').textContent=doc||'';
    rows.forEach(function(r){r.classList.toggle('picked',r.dataset.doc===doc);});
  }
  rows.forEach(function(r){r.addEventListener('click',function(){
    doc=r.dataset.doc;all.checked=true;apply();document.getElementById('cards-section').scrollIntoView();
  });});
  picked.querySelector('button').addEventListener('click',function(){doc=null;apply();});
  box.addEventListener('input',apply);all.addEventListener('change',apply);apply();
})();
"""


def e(x) -> str:
    return html.escape("" if x is None else str(x))


def bar_chart(title: str, counts: dict[str, int]) -> str:
    """Horizontal bars as inline SVG, scaled down on narrow screens."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    width, label_w, row_h = 460, 150, 22
    top = max((v for _, v in items), default=1) or 1
    height = row_h * max(1, len(items)) + 8
    rows = []
    for i, (name, v) in enumerate(items):
        y = 4 + i * row_h
        w = max(1, int((width - label_w - 60) * v / top))
        rows.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{e(name)}</text>'
                    f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}" fill="#4a7bd0"/>'
                    f'<text x="{label_w + w + 6}" y="{y + 15}" font-size="12">{v}</text>')
    if not items:
        rows.append('<text x="10" y="18" font-size="12" fill="#5b6777">none</text>')
    return (f'<figure><figcaption><strong>{e(title)}</strong></figcaption>'
            f'<svg role="img" aria-label="{e(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg></figure>')


def document_table(inputs, total: int) -> Iterator[str]:
    """The table, a row at a time, for the document entries given (the
    caller streams at most MAX_ROWS of them)."""
    yield ('<div class="scroll"><table id="documents"><thead><tr><th>document</th><th>site</th><th>encoding</th>'
           '<th>status</th><th>records</th><th>by type</th><th>flags</th><th>removed chars</th></tr></thead><tbody>')
    shown = 0
    for d in inputs:
        status = d["status"]
        by_type = ", ".join(f"{k} {v}" for k, v in d["by_type"].items())
        flags = ", ".join(f"{k} {v}" for k, v in d["flags"].items())
        reason = f'<div class="muted">{e(d["reason"])}</div>' if d["reason"] else ""
        shown += 1
        yield (f'<tr class="{e(status)}" data-doc="{e(d["path"])}" title="show the cards of this document">'
               f'<td>{e(d["path"])}{reason}</td><td>{e(d["site"])}</td>'
               f'<td>{e(d["encoding"])}</td><td class="status-{e(status)}">{e(status)}</td>'
               f'<td class="num">{d["records"]}</td><td>{e(by_type)}</td><td>{e(flags)}</td>'
               f'<td class="num">{d["removed_chars"]}</td></tr>')
    yield "</tbody></table></div>"
    if total > shown:
        yield f'<p class="muted">{total - shown} more documents are listed in manifest.json.</p>'


def question_label(number: str | None) -> str:
    """第3题 for "3" or "三"; a number printed with its own words (例题3, 第二题) as printed."""
    if not number:
        return ""
    if all(unicodedata.numeric(ch, None) is not None for ch in number):
        return f"第{number}题"
    return number if "题" in number else f"题号 {number}"


def _find_repair(text: str, r: dict) -> int:
    """Where repair `r` is in `text` (a field of the record), or -1: found by
    its text together with at least MIN_CONTEXT of the characters around it
    in the document, so that a repaired 是 marks that 是 and not another."""
    before, after = r["before"], r["after"]
    for k in range(CONTEXT, MIN_CONTEXT - 1, -1):
        for left, right in ((k, k), (k, 0), (0, k)):
            if len(before) < left or len(after) < right:
                continue
            at = text.find(before[len(before) - left:] + r["cleaned"] + after[:right])
            if at >= 0:
                return at + left
    return -1


def highlighted(text: str, repairs: list[dict]) -> str:
    """`text`, escaped, with each repaired run in it marked."""
    spans: list[tuple[int, int, dict]] = []
    for r in repairs:
        if not r["cleaned"].strip():
            continue
        at = _find_repair(text, r)
        end = at + len(r["cleaned"])
        if at >= 0 and not any(s < end and at < t for s, t, _ in spans):
            spans.append((at, end, r))
    out, pos = [], 0
    for s, t, r in sorted(spans, key=lambda x: x[0]):
        css = "repair uncertain" if r["uncertain"] else "repair"
        out.append(e(text[pos:s]) + f'<mark class="{css}" title="repaired from {e(r["raw"] or "?")}">'
                   + e(text[s:t]) + "</mark>")
        pos = t
    return "".join(out) + e(text[pos:])


def record_html(row: dict, repairs: list[dict]) -> str:
    parts = [f'<pre>{highlighted(((row["number"] or "") + " ").lstrip() + row["stem"], repairs)}</pre>']
    if row["options"]:
        parts.append('<ol class="options">' + "".join(f"<li>{e(o['label'])}. {highlighted(o['text'], repairs)}</li>"
                                                      for o in row["options"]) + "</ol>")
    a = row["answer"]
    if a["labels"]:
        parts.append(f'<div class="answer">答案: {e("".join(a["labels"]))}</div>')
    elif a["judgement"] is not None:
        parts.append(f'<div class="answer">答案: {"√" if a["judgement"] else "×"}</div>')
    elif a["text"]:
        parts.append(f'<div class="answer">答案: <pre>{highlighted(a["text"], repairs)}</pre></div>')
    if row["explanation"]:
        parts.append(f'<div class="muted">解析: {highlighted(row["explanation"], repairs)}</div>')
    if row["duplicate_of"]:
        parts.append(f'<div class="muted">duplicate of {e(row["duplicate_of"])}</div>')
    if repairs:
        items = []
        for r in repairs:
            badge = '<span class="badge">uncertain</span>' if r["uncertain"] else ""
            conf = f' <span class="muted">confidence {r["confidence"]:.2f}</span>' \
                if isinstance(r["confidence"], (int, float)) else ""
            raw = f'<span class="raw">{e(r["raw"])}</span> → ' if r["raw"] is not None else ""
            items.append(f"<li>{raw}<mark class=\"{'repair uncertain' if r['uncertain'] else 'repair'}\">"
                         f"{e(r['cleaned'])}</mark>{badge}{conf}</li>")
        parts.append(f'<h4>mojibake repairs ({len(repairs)})</h4><ul class="repairs">{"".join(items)}</ul>')
    return "".join(parts)


def card_html(card: dict, sources: dict) -> str:
    if card["kind"] == "document":
        text = sources.get(card["url"])
        excerpt = text[:EXCERPT_MAX] if text else "(no readable text)"
        return (f'<article class="card" data-flagged="1" data-doc="{e(card["path"])}"><h3>'
                f'<span class="flag quarantined">quarantined</span>{e(card["path"])}</h3>'
                f'<div class="pair"><div><h4>source</h4><pre>{e(excerpt)}</pre></div>'
                f'<div><h4>result</h4><pre>{e(card["reason"])}</pre></div></div></article>')
    row = card["row"]
    source = sources.get(card["url"]) or ""
    found = align(source, record_text(row), row["span"]["start"] / max(1, card["doc_len"]))
    excerpt = found.excerpt or "(not found in the source text)"
    notes = "".join(f'<p class="note">{e(n)}</p>' for n in found.notes)
    flags = "".join(f'<span class="flag {e(f)}">{e(f)}</span>' for f in row["flags"])
    src = row["source"]
    where = " · ".join(x for x in (src.get("format"), src.get("page") and f"p. {src['page']}", row["chapter"],
                                   row["section"], question_label(row["number"])) if x)
    place = f'docs/{row["doc_id"]}.txt:{card["place"][0]}:{card["place"][1]}'
    return (f'<article class="card" id="{e(row["id"])}" data-flagged="{1 if card["flagged"] else 0}" '
            f'data-doc="{e(row["source"]["path"])}"><h3>{flags}{e(row["source"]["path"])} · {e(where)} · '
            f'{e(row["type"])} <span class="where">{e(place)} · {e(row["id"])}</span></h3>'
            f'<div class="pair"><div><h4>source</h4><pre>{e(excerpt)}</pre>{notes}</div>'
            f'<div><h4>cleaned record</h4>{record_html(row, card["repairs"])}</div></div></article>')


def render(manifest: dict, collector: CardCollector, documents, document_count: int) -> Iterator[str]:
    """The page in pieces, so a long document table is never one string."""
    docs, recs = manifest["documents"], manifest["records"]
    summary = (f'{docs["ok"]} documents ok, {docs["quarantined"]} quarantined · {recs["total"]} records, '
               f'{recs["duplicates"]} duplicates, {recs["rejected"]} rejected by the schema · '
               f'pipeline {e(manifest["pipeline_version"])}, schema {e(manifest["schema_version"])}')
    cards = collector.cards
    flagged = sum(1 for c in cards if c["flagged"])
    yield f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tiku report: {e(manifest["input_root"])}</title><style>{CSS}</style></head>
<body><header><h1>tiku quality report: {e(manifest["input_root"])}</h1><p>{summary}</p></header><main>
<section><h2>Records</h2><div class="charts">{bar_chart("records by type", recs["by_type"])}
{bar_chart("records by flag", recs["by_flag"])}</div></section>
<section><h2>Documents ({document_count})</h2><p class="muted">Click a document to see its records.</p>"""
    yield from document_table(documents, document_count)
    yield f"""</section>
<section id="cards-section"><h2>Records beside their source</h2>
<div class="controls"><input id="filter" type="search" placeholder="filter by text, flag, path or id" aria-label="filter records">
<label><input id="all" type="checkbox"> all records, not only flagged ones</label>
<span id="picked">document: <span></span> <button type="button">show every document</button></span></div>
<p class="muted"><span id="shown">{flagged}</span> of {len(cards)} cards shown ({flagged} flagged records and
quarantined documents, {len(cards) - flagged} other records).</p>
<div id="cards">"""
    urls = {c["url"] for c in cards if c["url"]}
    sources = {u: _source_text(u) for u in sorted(urls)}
    for card in cards:
        yield card_html(card, sources)
    yield "</div>"
    if collector.skipped or collector.skipped_plain:
        yield (f'<p class="muted">Not shown here: {collector.skipped} more flagged records or quarantined documents '
               f'and {collector.skipped_plain} more records (see questions.jsonl and quarantine.jsonl).</p>')
    data = json.dumps({"documents": docs, "records": recs}, ensure_ascii=False).replace("</", "<\\/")
    yield f"""</section>
</main><script type="application/json" id="summary">{data}</script><script>{SCRIPT}</script></body></html>
"""


def write_report(path: str, manifest: dict, collector: CardCollector, documents, document_count: int,
                 tmp_dir: str | None = None) -> None:
    with atomic_open(path, tmp_dir=tmp_dir) as f:
        for piece in render(manifest, collector, documents, document_count):
            f.write(piece)
