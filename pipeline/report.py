"""cleaned/report.html: what the cleaner did, in one self-contained page
(inline CSS, SVG and script; no network), for the maintainer who has to
trust it.

- a table with one row per input document (site, encoding, status, records
  by type, flags, removed characters);
- bar charts of records by type and by flag;
- a card for each flagged record and each quarantined document: the source
  text it came from beside the record the pipeline made of it;
- a search box that filters the cards by text.

The source excerpt is found again at report time, for the cards shown
only: the input is decoded once more and the record's text is aligned
against the part of it where the record should be (difflib, so traditional
characters, glosses and mojibake in the source still leave enough anchors).
"""
from __future__ import annotations

import difflib
import html
import json

from typing import Iterator

from . import read, storage
from .normalize import GLOSS, is_pinyin, to_simplified
from .write import atomic_open

MAX_CARDS = 400            # a page a browser still opens quickly; the rest are counted
MAX_ROWS = 20_000          # document table rows; the manifest lists every document
EXCERPT_MAX = 1200
WINDOW = 2500


class CardCollector:
    """Keeps the first MAX_CARDS flagged records and quarantined documents
    of the stream, counts the rest."""

    def __init__(self, limit: int = MAX_CARDS):
        self.limit, self.cards, self.skipped = limit, [], 0

    def add(self, card: dict) -> None:
        if len(self.cards) < self.limit:
            self.cards.append(card)
        else:
            self.skipped += 1

    def record(self, row: dict, doc_url: str | None, doc_text_len: int) -> None:
        if row["flags"]:
            self.add({"kind": "record", "row": row, "url": doc_url, "doc_len": doc_text_len})

    def document(self, path: str, url: str | None, reason: str) -> None:
        self.add({"kind": "document", "path": path, "url": url, "reason": reason})


def _source_text(url: str | None) -> str | None:
    if not url:
        return None
    try:
        doc = read.document("x", storage.read_bytes(url))
        return read.read(doc).text
    except Exception:
        return None


def locate(source: str, target: str, where: float) -> str:
    """The part of `source` that `target` (cleaned text) came from, searched
    around the relative position `where` (0..1)."""
    if not source or not target:
        return ""
    center = int(where * len(source))
    lo, hi = max(0, center - WINDOW), min(len(source), center + WINDOW + len(target))
    window = source[lo:hi]
    # compare without pinyin glosses and in simplified characters (t2s is
    # almost always one character for one); show the source as it was
    kept = []                                  # probe offset → window offset
    pos = 0
    for m in GLOSS.finditer(window):
        if is_pinyin(m["py"]):
            kept.extend(range(pos, m.start()))
            pos = m.end()
    kept.extend(range(pos, len(window)))
    stripped = "".join(window[i] for i in kept)
    probe = to_simplified(stripped)
    if len(probe) != len(stripped):
        probe = stripped
    matched = [b for b in difflib.SequenceMatcher(None, probe, target, autojunk=False).get_matching_blocks() if b.size >= 2]
    if not matched:
        return ""
    # (window start, window end, target start, target end); a block's window
    # end is the end of its last character, glosses inside it included
    blocks = [(kept[m.a], kept[m.a + m.size - 1] + 1, m.b, m.b + m.size) for m in matched]

    def near(left, right) -> bool:
        return right[0] - left[1] <= 3 * (right[2] - left[3]) + 40

    # grow a cluster from the longest match; stray matches far away are left out
    k = max(range(len(blocks)), key=lambda i: blocks[i][3] - blocks[i][2])
    first = last = k
    while first > 0 and near(blocks[first - 1], blocks[first]):
        first -= 1
    while last < len(blocks) - 1 and near(blocks[last], blocks[last + 1]):
        last += 1
    start, end = blocks[first][0], blocks[last][1]
    gloss = GLOSS.match(window, end)
    if gloss and is_pinyin(gloss["py"]):     # the last character's own gloss
        end = gloss.end()
    line_start = window.rfind("\n", 0, start) + 1
    if start - line_start <= 40:             # from the start of the line: the question number
        start = line_start
    line_end = window.find("\n", end)
    if 0 <= line_end - end <= 40:            # to the end of the line: a last gloss, a closing bracket
        end = line_end
    return window[start:min(end, start + EXCERPT_MAX)]


def record_text(row: dict) -> str:
    parts = [row["number"] or "", row["stem"]] + [f"{o['label']}.{o['text']}" for o in row["options"]]
    answer = row["answer"]
    if answer["labels"]:
        parts.append("答案:" + "".join(answer["labels"]))
    elif answer["text"]:
        parts.append(answer["text"])
    parts.append(row["explanation"] or "")
    return "\n".join(p for p in parts if p)


# --- HTML -------------------------------------------------------------------------------

CSS = """
body{font:14px/1.5 system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9d1dc}
main{padding:16px 24px;max-width:1400px}section{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}.charts{display:flex;flex-wrap:wrap;gap:24px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e6e9ee;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f2f5;position:sticky;top:0}td.num{text-align:right}tr.quarantined td{background:#fff1f0}
.status-ok{color:#237804}.status-quarantined{color:#a8071a;font-weight:600}
#filter{font-size:15px;padding:6px 10px;width:min(520px,100%);border:1px solid #b8c0cc;border-radius:4px}
.card{border:1px solid #dde2e8;border-radius:6px;margin:10px 0;background:#fff}.card.hidden{display:none}
.card h3{font-size:13px;margin:0;padding:6px 10px;background:#f0f2f5;border-bottom:1px solid #dde2e8;font-weight:600}
.pair{display:grid;grid-template-columns:1fr 1fr}.pair>div{padding:8px 10px;min-width:0}.pair>div+div{border-left:1px solid #e6e9ee}
.pair h4{margin:0 0 4px;font-size:12px;color:#5b6777;text-transform:uppercase;letter-spacing:.04em}
pre{white-space:pre-wrap;word-break:break-all;margin:0;font:13px/1.5 ui-monospace,"Noto Sans Mono CJK SC",monospace}
.flag{display:inline-block;background:#fff7e6;border:1px solid #ffd591;border-radius:3px;padding:0 5px;margin-right:4px;font-size:12px}
.flag.duplicate{background:#f0f5ff;border-color:#adc6ff}.flag.quarantined{background:#fff1f0;border-color:#ffa39e}
ol.options{margin:4px 0;padding-left:0;list-style:none}.answer{color:#237804}.muted{color:#5b6777}
"""

SCRIPT = """
(function(){
  var box=document.getElementById('filter'), cards=document.querySelectorAll('.card'), count=document.getElementById('shown');
  function apply(){
    var q=box.value.trim().toLowerCase(), n=0;
    cards.forEach(function(c){var hit=!q||c.textContent.toLowerCase().indexOf(q)>=0;c.classList.toggle('hidden',!hit);if(hit)n++;});
    count.textContent=n;
  }
  box.addEventListener('input',apply);apply();
})();
"""


def e(x) -> str:
    return html.escape("" if x is None else str(x))


def bar_chart(title: str, counts: dict[str, int]) -> str:
    """Horizontal bars as inline SVG."""
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
            f'<svg role="img" aria-label="{e(title)}" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg></figure>')


def document_table(inputs, total: int) -> Iterator[str]:
    """The table, a row at a time, for the document entries given (the
    caller streams at most MAX_ROWS of them)."""
    yield ('<table id="documents"><thead><tr><th>document</th><th>site</th><th>encoding</th><th>status</th>'
           '<th>records</th><th>by type</th><th>flags</th><th>removed chars</th></tr></thead><tbody>')
    shown = 0
    for d in inputs:
        status = d["status"]
        by_type = ", ".join(f"{k} {v}" for k, v in d["by_type"].items())
        flags = ", ".join(f"{k} {v}" for k, v in d["flags"].items())
        reason = f'<div class="muted">{e(d["reason"])}</div>' if d["reason"] else ""
        shown += 1
        yield (f'<tr class="{e(status)}"><td>{e(d["path"])}{reason}</td><td>{e(d["site"])}</td>'
               f'<td>{e(d["encoding"])}</td><td class="status-{e(status)}">{e(status)}</td>'
               f'<td class="num">{d["records"]}</td><td>{e(by_type)}</td><td>{e(flags)}</td>'
               f'<td class="num">{d["removed_chars"]}</td></tr>')
    yield "</tbody></table>"
    if total > shown:
        yield f'<p class="muted">{total - shown} more documents are listed in manifest.json.</p>'


def record_html(row: dict) -> str:
    parts = [f'<pre>{e(((row["number"] or "") + " ").lstrip() + row["stem"])}</pre>']
    if row["options"]:
        parts.append('<ol class="options">' + "".join(f"<li>{e(o['label'])}. {e(o['text'])}</li>" for o in row["options"])
                     + "</ol>")
    a = row["answer"]
    if a["labels"]:
        parts.append(f'<div class="answer">答案: {e("".join(a["labels"]))}</div>')
    elif a["judgement"] is not None:
        parts.append(f'<div class="answer">答案: {"√" if a["judgement"] else "×"}</div>')
    elif a["text"]:
        parts.append(f'<div class="answer">答案: <pre>{e(a["text"])}</pre></div>')
    if row["explanation"]:
        parts.append(f'<div class="muted">解析: {e(row["explanation"])}</div>')
    if row["duplicate_of"]:
        parts.append(f'<div class="muted">duplicate of {e(row["duplicate_of"])}</div>')
    return "".join(parts)


def card_html(card: dict, sources: dict) -> str:
    if card["kind"] == "document":
        text = sources.get(card["url"])
        excerpt = text[:EXCERPT_MAX] if text else "(no readable text)"
        return (f'<article class="card"><h3><span class="flag quarantined">quarantined</span>{e(card["path"])}</h3>'
                f'<div class="pair"><div><h4>source</h4><pre>{e(excerpt)}</pre></div>'
                f'<div><h4>result</h4><pre>{e(card["reason"])}</pre></div></div></article>')
    row = card["row"]
    source = sources.get(card["url"]) or ""
    where = row["span"]["start"] / max(1, card["doc_len"])
    excerpt = locate(source, record_text(row), where) or "(not found in the source text)"
    flags = "".join(f'<span class="flag {e(f)}">{e(f)}</span>' for f in row["flags"])
    src = row["source"]
    where_txt = " · ".join(x for x in (src.get("format"), src.get("page") and f"p. {src['page']}", row["chapter"],
                                       row["section"], row["number"] and f"第{row['number']}题") if x)
    return (f'<article class="card" id="{e(row["id"])}"><h3>{flags}{e(row["source"]["path"])} · {e(where_txt)} · '
            f'{e(row["type"])} <span class="muted">{e(row["id"])}</span></h3>'
            f'<div class="pair"><div><h4>source</h4><pre>{e(excerpt)}</pre></div>'
            f'<div><h4>cleaned record</h4>{record_html(row)}</div></div></article>')


def render(manifest: dict, collector: CardCollector, documents, document_count: int) -> Iterator[str]:
    """The page in pieces, so a long document table is never one string."""
    docs, recs = manifest["documents"], manifest["records"]
    summary = (f'{docs["ok"]} documents ok, {docs["quarantined"]} quarantined · {recs["total"]} records, '
               f'{recs["duplicates"]} duplicates, {recs["rejected"]} rejected by the schema · '
               f'pipeline {e(manifest["pipeline_version"])}, schema {e(manifest["schema_version"])}')
    yield f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tiku report: {e(manifest["input_root"])}</title><style>{CSS}</style></head>
<body><header><h1>tiku quality report: {e(manifest["input_root"])}</h1><p>{summary}</p></header><main>
<section><h2>Records</h2><div class="charts">{bar_chart("records by type", recs["by_type"])}
{bar_chart("records by flag", recs["by_flag"])}</div></section>
<section><h2>Documents ({document_count})</h2>"""
    yield from document_table(documents, document_count)
    yield f"""</section>
<section><h2>Flagged records and quarantined documents</h2>
<input id="filter" type="search" placeholder="filter by text, flag, path or id" aria-label="filter records">
<p class="muted"><span id="shown">{len(collector.cards)}</span> of {len(collector.cards)} shown</p>
<div id="cards">"""
    urls = {c["url"] for c in collector.cards if c["url"]}
    sources = {u: _source_text(u) for u in sorted(urls)}
    for card in collector.cards:
        yield card_html(card, sources)
    yield "</div>"
    if collector.skipped:
        yield (f'<p class="muted">{collector.skipped} more flagged records are not shown here '
               f'(see questions.jsonl and quarantine.jsonl).</p>')
    data = json.dumps({"documents": docs, "records": recs}, ensure_ascii=False).replace("</", "<\\/")
    yield f"""</section>
</main><script type="application/json" id="summary">{data}</script><script>{SCRIPT}</script></body></html>
"""


def write_report(path: str, manifest: dict, collector: CardCollector, documents, document_count: int,
                 tmp_dir: str | None = None) -> None:
    with atomic_open(path, tmp_dir=tmp_dir) as f:
        for piece in render(manifest, collector, documents, document_count):
            f.write(piece)
