"""Bytes → text, through the input-format registry (pipeline/formats): the
first format whose sniff claims the bytes reads them (PDF, DOCX, Word 97,
RTF, MHTML, Word-HTML, HTML, plain text); what none claims is unreadable
with a one-line reason. This module keeps the document-level work: the
site, invalid bytes into the audit log, line endings.
"""
from __future__ import annotations

import hashlib
import re

from . import formats, storage
from .extract import extract, site_of
from .formats import UnreadableInput  # noqa: F401  (callers catch read.UnreadableInput)
from .formats.text import decode, plausibility  # noqa: F401  (re-exported for callers)
from .model import Document, Removed
from .text import to_simplified


def detect_site(text: str, url: str | None = None) -> str:
    """The site by URL, else by markers in the (simplified) head and tail of the text."""
    site = site_of(url, to_simplified(text[:3000] + "\n" + text[-6000:]))
    return site["name"] if site else "unknown"


def html_to_text(html: str) -> tuple[str, str | None, str | None]:
    """The document text of a saved page, with its title and URL."""
    page = extract(html)
    return page.text, page.title, page.url


def document(rel_path: str, data: bytes) -> Document:
    sha = hashlib.sha256(data).hexdigest()
    return Document(path=rel_path, doc_id=sha[:16], sha256=sha, raw=data)


def load(path: str, root: str) -> Document:
    with open(path, "rb") as f:
        return document(storage.relative(path, root), f.read())


def read(doc: Document) -> Document:
    """Fill doc.text, format, encoding, site, title, url. Raises UnreadableInput."""
    reading = formats.read(doc.raw, doc.path)
    text = reading.text
    doc.title, doc.url = reading.title, reading.url
    doc.removed.extend(reading.removed)
    # bytes no encoding could read: out of the text, into the audit log
    for m in re.finditer(r"\ufffd+", text):
        doc.removed.append(Removed("invalid_bytes", m[0]))
    text = text.replace("\ufffd", "")
    doc.text = text.replace("\r\n", "\n").replace("\r", "\n")
    doc.encoding = reading.encoding
    doc.format = reading.format
    doc.pages = reading.pages
    doc.site = reading.site or detect_site(doc.text, doc.url)
    return doc
