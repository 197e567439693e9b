"""Input formats: bytes → text with structure hints.

Every format is one entry of REGISTRY: a name, `sniff(data, name)` that
claims a file by its content (magic bytes, then structure; the file name
only breaks ties), and `read(data, name)` that returns a Reading. The first
entry whose sniff claims a file reads it; a file no entry claims is
unreadable, with the reason from UNSUPPORTED (what its magic bytes say it
is). Adding a format is one module with one entry, added here.

What every reader returns (the text conventions the later stages rely on):
- one paragraph per line, in reading order; table rows are lines, their
  cells in reading order separated by two spaces; answer-key tables
  (题号 | 1 | 2 … / 答案 | B | C …) become key lines `1.B 2.C 3.D`;
- automatic list numbering as the reader sees it (`1.`, `A.`, `（一）`);
- a page break is a line holding only a form feed, PAGE_BREAK ("\\f");
  the page of a character is 1 + the page breaks before it;
- an image is IMAGE (`[图片]`), inline where it stood;
- running headers and footers, binding-margin text and the like are not
  in the text: they go to `removed` with the rule that took them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import BadInput, Removed

PAGE_BREAK = "\f"
IMAGE = "[图片]"

# What a file no reader claims is, by its first bytes: the one-line reason.
UNSUPPORTED = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"BM", "BMP image"), (b"II*\x00", "TIFF image"), (b"MM\x00*", "TIFF image"),
    (b"PK\x03\x04", "ZIP archive"), (b"Rar!", "RAR archive"), (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x1f\x8b", "gzip archive"), (b"\xd0\xcf\x11\xe0", "Office file that is not a Word document"),
]
# An Office 2007+ file saved with a password is an OLE container holding this stream.
ENCRYPTED_OFFICE = "EncryptedPackage".encode("utf-16-le")


class UnreadableInput(BadInput):
    """The file cannot become text; the message is the one-line reason."""


@dataclass
class Reading:
    """What a reader makes of one file."""
    text: str
    format: str = ""
    encoding: str | None = None     # the text encoding, for formats that have one
    title: str | None = None
    url: str | None = None
    site: str | None = None         # when the file itself names its site (a saved page)
    pages: int | None = None        # for paged formats (PDF)
    removed: list[Removed] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    name: str
    sniff: Callable[[bytes, str], bool]
    read: Callable[[bytes, str], Reading]
    library: str = ""               # what does the reading, for the README and the manifest


def _registry() -> list[Format]:
    from . import doc97, docx, html, mht, pdf, rtf, text
    # order matters: binary containers first, markup before plain text
    return [pdf.FORMAT, docx.FORMAT, doc97.FORMAT, rtf.FORMAT, mht.FORMAT, html.WORD_HTML, html.FORMAT, text.FORMAT]


REGISTRY: list[Format] = []


def registry() -> list[Format]:
    if not REGISTRY:
        REGISTRY.extend(_registry())
    return REGISTRY


def unsupported(data: bytes) -> str:
    """The reason for a file no reader claims."""
    if not data:
        return "empty file"
    if data.startswith(b"\xd0\xcf\x11\xe0") and ENCRYPTED_OFFICE in data:
        return "encrypted Office document (needs a password)"
    for magic, kind in UNSUPPORTED:
        if data.startswith(magic):
            return f"binary file ({kind}), not a supported format"
    return "binary file (NUL bytes), not text"


def sniff(data: bytes, name: str = "") -> Format:
    """The format that claims `data`. Raises UnreadableInput."""
    if not data:
        raise UnreadableInput("empty file")
    for fmt in registry():
        if fmt.sniff(data, name):
            return fmt
    raise UnreadableInput(unsupported(data))


def read(data: bytes, name: str = "") -> Reading:
    """Sniff and read. Raises UnreadableInput with a one-line reason."""
    fmt = sniff(data, name)
    reading = fmt.read(data, name)
    reading.format = reading.format or fmt.name
    return reading


def page_of(text: str, offset: int) -> int:
    """1 + the page breaks before `offset` in `text`."""
    return 1 + text.count(PAGE_BREAK, 0, offset)


def after_link(doc, records: list) -> list:
    """After linking: each record's source names the input format and, for a
    paged document, the page its span starts on; a paper read with its
    answer file keeps only the records of the paper's part (pairs.py)."""
    import bisect
    if doc.paper_breaks is not None:
        from .pairs import answer_part_start
        end = answer_part_start(doc.text, doc.paper_breaks)
        records = [r for r in records if r.span["start"] < end]
    breaks = [i for i, ch in enumerate(doc.text) if ch == PAGE_BREAK] if PAGE_BREAK in doc.text else []
    paged = bool(breaks) or bool(doc.pages)
    for rec in records:
        rec.source["format"] = doc.format
        rec.source["page"] = 1 + bisect.bisect_left(breaks, rec.span["start"]) if paged else None
    return records
