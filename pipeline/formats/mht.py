"""MHTML: Word's "single file web page", often shared as a `.doc`, and
browsers' saved pages. The HTML part is read as Word-HTML or as a page."""
from __future__ import annotations

import email
import email.policy

import regex as re

from . import Format, Reading, UnreadableInput, html

_MIME = re.compile(r"^(?:[\w-]+:[^\n]*\n)*?MIME-Version:\s*1\.0", re.I)


def is_mht(data: bytes, name: str) -> bool:
    start = html.head(data, 2048)
    return bool(_MIME.match(start.replace("\r\n", "\n"))) and "multipart/related" in start.lower()


def read(data: bytes, name: str = "") -> Reading:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            body = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            if charset:       # re-encode as UTF-8 with a BOM so decoding cannot guess wrong
                try:
                    body = b"\xef\xbb\xbf" + body.decode(charset).encode("utf-8")
                except (LookupError, UnicodeDecodeError):
                    pass
            if html.is_word_html(body, name):
                reading = html.read_word_html(body, name)
                reading.format = "mht-word"
            else:
                reading = html.read_page(body, name)
                reading.format = "mht"
            return reading
    raise UnreadableInput("MHTML file without an HTML part")


FORMAT = Format("mht", is_mht, read, library="email (standard library) + the HTML readers")
