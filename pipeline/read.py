"""Bytes → text. The encoding is chosen by a plausibility score over every
candidate decoding, not by trying one and falling back on the first error:
GBK bytes often decode "successfully" as Big5 or latin-1 garbage.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import unicodedata
from collections import Counter
from functools import lru_cache

import regex as re

from . import storage
from .model import Document, Removed
from .extract import extract, site_of

BINARY_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF: extract its text first"), (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"), (b"Rar!", "RAR archive"), (b"\x1f\x8b", "gzip archive"),
]
CANDIDATE_ENCODINGS = ["utf-8", "gb18030", "big5", "utf-16"]
TEXT_EXTENSIONS = {".txt", ".text", ".md", ".html", ".htm", ".json", ""}
HTML_EXTENSIONS = {".html", ".htm"}


class UnreadableInput(Exception):
    """The file cannot become text; the message is the one-line reason."""


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """The 3,755 level-1 GB2312 characters plus their traditional forms:
    text made of these is Chinese, a wrong decoding is mostly not."""
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    import opencc
    level1 = "".join(sorted(chars))
    for config in ("s2t", "s2tw"):   # 爲 and 為 both
        chars |= set(opencc.OpenCC(config).convert(level1))
    return frozenset(chars)


def plausibility(text: str) -> float:
    """Higher is more plausible Chinese (or plain) text. Per character:
    common hanzi and ASCII score, rare hanzi score little, control characters,
    replacement characters and private-use code points cost."""
    if not text:
        return 0.0
    sample = text[:100_000]
    counts = Counter(sample)          # score each distinct character once
    return sum(_char_score(ch) * n for ch, n in counts.items()) / len(sample)


@lru_cache(maxsize=65536)
def _char_score(ch: str) -> float:
    if ch in _common_han():
        return 1.0
    if ch.isascii():
        return 0.5 if (ch.isprintable() or ch in "\n\r\t") else -5.0
    if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff":
        return -5.0
    cat = unicodedata.category(ch)
    if cat.startswith("C"):
        return -5.0
    if cat == "Lo":
        return 0.1      # rare hanzi, kana, hangul: possible but suspicious
    return 0.3          # punctuation, symbols


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises UnreadableInput."""
    if not data:
        raise UnreadableInput("empty file")
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    for magic, kind in BINARY_MAGIC:
        if data.startswith(magic):
            raise UnreadableInput(f"binary file ({kind}), not text")
    if b"\x00" in data[:8192]:   # UTF-16 was handled above, by its BOM
        raise UnreadableInput("binary file (NUL bytes), not text")
    best = None
    for name in CANDIDATE_ENCODINGS:
        if name == "utf-16":
            continue  # only with a BOM: without one it "decodes" anything
        text = data.decode(name, errors="replace")
        score = plausibility(text)    # replacement characters already cost there
        if best is None or score > best[0] + 1e-9:
            best = (score, text, name)
    score, text, name = best
    if score < 0.2:
        raise UnreadableInput(f"not text in any supported encoding (best {name}, score {score:.2f})")
    return text, name


def detect_site(text: str, url: str | None = None) -> str:
    """The site by URL, else by markers in the (simplified) head and tail of the text."""
    from .normalize import to_simplified
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
    """Fill doc.text, encoding, site, title, url. Raises UnreadableInput."""
    text, encoding = decode(doc.raw)
    ext = os.path.splitext(doc.path)[1].lower()
    page_site = None
    if ext in HTML_EXTENSIONS or re.match(r"\s*(?:<!--.*?-->\s*)?(?:<!doctype html|<html)", text[:800], re.I | re.S):
        page = extract(text)
        text, doc.title, doc.url, page_site = page.text, page.title, page.url, page.site
        if not text.strip():
            raise UnreadableInput("HTML page without visible text")
    # bytes no encoding could read: out of the text, into the audit log
    for m in re.finditer(r"\ufffd+", text):
        doc.removed.append(Removed("invalid_bytes", m[0]))
    text = text.replace("\ufffd", "")
    doc.text = text.replace("\r\n", "\n").replace("\r", "\n")
    doc.encoding = encoding
    doc.site = page_site or detect_site(doc.text, doc.url)
    return doc
