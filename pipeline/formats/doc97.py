"""Word 97-2003 binary `.doc`: LibreOffice headless converts it to DOCX,
which the DOCX reader reads (numbering, tables, images, notes and all).

Why LibreOffice and not antiword: antiword 0.37 (Debian's) drops Word's
automatic list numbering, so questions and options numbered by Word come
out without their numbers and cannot be cut apart; it also refuses short
documents ("text stream too small"). LibreOffice (MPL) runs as a separate
program; `make` installs Debian's `libreoffice-writer-nogui`. Each worker
process keeps its own LibreOffice profile, so parallel workers never wait
on one another's lock.
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile

from . import Format, Reading, UnreadableInput, docx

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_STREAM = "WordDocument".encode("utf-16-le")
OFFICE_PROGRAMS = ["soffice", "libreoffice"]
TIMEOUT_SECONDS = 180
_profiles: dict[int, str] = {}


def is_doc97(data: bytes, name: str) -> bool:
    return data.startswith(OLE_MAGIC) and WORD_STREAM in data


def office() -> str | None:
    return next((p for p in map(shutil.which, OFFICE_PROGRAMS) if p), None)


def _profile() -> str:
    """This process's LibreOffice user profile (made on first use, removed at exit)."""
    pid = os.getpid()
    if pid not in _profiles:
        _profiles[pid] = tempfile.mkdtemp(prefix="tiku-office-")
        atexit.register(shutil.rmtree, _profiles[pid], True)
    return _profiles[pid]


def to_docx(data: bytes) -> bytes:
    """The document converted to DOCX by LibreOffice. Raises UnreadableInput."""
    program = office()
    if program is None:
        raise UnreadableInput("Word 97 document: LibreOffice is not installed (`make` installs it)")
    with tempfile.TemporaryDirectory(prefix="tiku-doc-") as work:
        source = os.path.join(work, "input.doc")
        with open(source, "wb") as f:
            f.write(data)
        command = [program, "--headless", "--norestore", "--nolockcheck", "--nologo",
                   f"-env:UserInstallation=file://{_profile()}", "--convert-to", "docx", "--outdir", work, source]
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise UnreadableInput(f"Word 97 document: LibreOffice took longer than {TIMEOUT_SECONDS}s") from None
        target = os.path.join(work, "input.docx")
        if not os.path.exists(target) or os.path.getsize(target) == 0:
            raise UnreadableInput("corrupt or encrypted Word 97 document: LibreOffice could not convert it")
        with open(target, "rb") as f:
            return f.read()


def read(data: bytes, name: str = "") -> Reading:
    return docx.read(to_docx(data), name)


FORMAT = Format("doc97", is_doc97, read, library="LibreOffice headless (→ DOCX, then python-docx)")
