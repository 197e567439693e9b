"""Saved web pages and Word's HTML (a `.doc` that is really HTML).

A web page goes through extract.py (the site's content block, page
furniture dropped). Word-HTML is a document, not a page: its whole body is
the text, list numbers included (Word writes them as text in
`mso-list:Ignore` spans), tables row by row.
"""
from __future__ import annotations

import codecs
import os

import regex as re
from bs4 import BeautifulSoup, Comment

from ..extract import BLOCK_TAGS, extract
from . import IMAGE, PAGE_BREAK, Format, Reading, UnreadableInput, tables, text

HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
_HTML_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype html|<html)", re.I | re.S)
# Word's HTML says who wrote it: its namespaces, its generator, its paragraph classes.
WORD_HTML_MARKERS = [re.compile(p, re.I) for p in (
    r"urn:schemas-microsoft-com:office:word", r"<meta[^>]+content=[\"']?Microsoft Word",
    r"class=[\"']?Mso(?:Normal|ListParagraph)",
)]


_PAGE_BREAK_STYLE = re.compile(r"page-break-before\s*:\s*always", re.I)


def head(data: bytes, n: int = 4096) -> str:
    """The first bytes as text, enough to see markup (ASCII-compatible or UTF-16 with a BOM)."""
    chunk = data[:n]
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return chunk.decode("utf-16", errors="ignore")
    return chunk.removeprefix(codecs.BOM_UTF8).decode("latin-1")


def is_html(data: bytes, name: str) -> bool:
    return text.is_text(data) and (os.path.splitext(name)[1].lower() in HTML_EXTENSIONS
                                   or bool(_HTML_START.match(head(data, 2048))))


def is_word_html(data: bytes, name: str) -> bool:
    if not text.is_text(data):
        return False
    start = head(data)
    return bool(_HTML_START.match(start) or "<html" in start.lower()) and any(m.search(start) for m in WORD_HTML_MARKERS)


def read_page(data: bytes, name: str = "") -> Reading:
    html, encoding = text.decode(data)
    page = extract(html)
    if not page.text.strip():
        raise UnreadableInput("HTML page without visible text")
    return Reading(text=page.text, encoding=encoding, title=page.title, url=page.url, site=page.site)


def body_lines(body) -> list[str]:
    """The text of a document body: blocks as lines, tables through tables.render."""
    for t in body.find_all(["script", "style", "head", "title", "xml"]):
        t.decompose()
    for c in body.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    for img in body.find_all(["img", "v:imagedata"]):
        img.replace_with(f" {IMAGE} ")
    for table in body.find_all("table"):
        if table.find_parent("table") is None:
            rows = [[cell.get_text(" ") for cell in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]
            table.replace_with("\n" + "\n".join(tables.render(rows)) + "\n")
    for el in body.find_all(style=_PAGE_BREAK_STYLE):      # Word's page breaks
        el.insert_before(f"\n{PAGE_BREAK}\n")
    for br in body.find_all("br"):
        br.replace_with("\n")
    for block in body.find_all(BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    out = []
    for line in body.get_text().split("\n"):
        raw, line = line, re.sub(r"[ \t\u3000\xa0]+", " ", line).strip()
        if line or (PAGE_BREAK in raw and out and out[-1] != PAGE_BREAK):
            out.append(line or PAGE_BREAK)
    while out and out[-1] == PAGE_BREAK:
        out.pop()
    return out


def read_word_html(data: bytes, name: str = "") -> Reading:
    html, encoding = text.decode(data)
    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(strip=True) if soup.title else None
    lines = body_lines(soup.body or soup)
    if not lines:
        raise UnreadableInput("Word HTML document without visible text")
    return Reading(text="\n".join(lines) + "\n", encoding=encoding, title=title or None)

WORD_HTML = Format("word-html", is_word_html, read_word_html, library="BeautifulSoup + lxml")
FORMAT = Format("html", is_html, read_page, library="BeautifulSoup + lxml (extract.py)")
