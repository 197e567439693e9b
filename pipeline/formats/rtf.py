"""RTF (often shared as `.doc`): striprtf, a small pure-Python reader.

It decodes `\\'xx` bytes in the font's or document's code page (GBK for
`\\fcharset134` / `\\ansicpg936`) and `\\uN` characters, keeps Word's
rendered list numbers (`\\listtext`), and drops headers, footers, footnotes
and pictures (no image placeholder: a limitation, see the README).
"""
from __future__ import annotations

import regex as re
from striprtf.striprtf import rtf_to_text

from . import PAGE_BREAK, Format, Reading, UnreadableInput, tables

_PAGE = re.compile(r"\\page(?![a-z])")
_CELL = re.compile(r"\\(?:nest)?cell(?![a-z])")
CELL_MARK = "\ue000"       # a private-use character striprtf passes through, then split on


def is_rtf(data: bytes, name: str) -> bool:
    return data.lstrip()[:5] == b"{\\rtf"


def read(data: bytes, name: str = "") -> Reading:
    source = data.decode("latin-1")      # RTF is 7-bit; \\'xx escapes carry the bytes
    # a page break: striprtf has no word for it, so a marker it passes through
    source = _PAGE.sub(r"\\par \\u12?\\par ", source)
    source = _CELL.sub(r"\\u57344?", source)
    try:
        text = rtf_to_text(source, errors="replace")
    except Exception as e:  # noqa: BLE001  (striprtf's own errors on broken files)
        raise UnreadableInput(f"corrupt RTF: {type(e).__name__}: {e}") from None
    text = text.replace("\x0c", PAGE_BREAK).replace("\t", " ")
    lines, rows = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if CELL_MARK in line:           # a table row: its cells, then the table when it ends
            rows.append(line.rstrip().rstrip(CELL_MARK).split(CELL_MARK))
            continue
        if rows and line.strip():
            lines += tables.render(rows)
            rows = []
        if line.strip():
            lines.append(line.strip())
        elif PAGE_BREAK in line and lines and lines[-1] != PAGE_BREAK:
            lines.append(PAGE_BREAK)
    lines += tables.render(rows) if rows else []
    while lines and lines[-1] == PAGE_BREAK:
        lines.pop()
    if not lines:
        raise UnreadableInput("RTF document without text")
    return Reading(text="\n".join(lines) + "\n")


FORMAT = Format("rtf", is_rtf, read, library="striprtf")
