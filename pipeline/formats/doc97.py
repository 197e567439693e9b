"""Word 97-2003 binary `.doc`: LibreOffice headless converts it to DOCX,
which the DOCX reader reads (numbering, tables, images, notes and all).

Why LibreOffice and not antiword: antiword 0.37 (Debian's) drops Word's
automatic list numbering, so questions and options numbered by Word come
out without their numbers and cannot be cut apart; it also refuses short
documents ("text stream too small"). LibreOffice (MPL) runs as a separate
program; `make` installs Debian's `libreoffice-writer-nogui`. Each worker
process (and thread) keeps its own LibreOffice profile, so parallel workers
never wait on one another's lock; a conversion that hangs is killed with its
whole process group.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading

from . import Format, Reading, UnreadableInput, docx

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_STREAM = "WordDocument".encode("utf-16-le")
OFFICE_PROGRAMS = ["soffice", "libreoffice"]
TIMEOUT_SECONDS = 180
_profiles: dict[tuple[int, int], str] = {}


def is_doc97(data: bytes, name: str) -> bool:
    return data.startswith(OLE_MAGIC) and WORD_STREAM in data


def office() -> str | None:
    return next((p for p in map(shutil.which, OFFICE_PROGRAMS) if p), None)


def _profile() -> str:
    """This process's (and thread's) LibreOffice user profile, made on first use, removed at exit:
    two LibreOffice instances on one profile would wait on its lock."""
    key = (os.getpid(), threading.get_ident())
    if key not in _profiles:
        _profiles[key] = tempfile.mkdtemp(prefix="tiku-office-")
        atexit.register(shutil.rmtree, _profiles[key], True)
    return _profiles[key]


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
        # its own process group: on a time-out the whole of LibreOffice goes, not just its launcher
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise UnreadableInput(f"Word 97 document: LibreOffice took longer than {TIMEOUT_SECONDS}s") from None
        target = os.path.join(work, "input.docx")
        if not os.path.exists(target) or os.path.getsize(target) == 0:
            raise UnreadableInput("corrupt or encrypted Word 97 document: LibreOffice could not convert it")
        with open(target, "rb") as f:
            return f.read()


def read(data: bytes, name: str = "") -> Reading:
    return docx.read(to_docx(data), name)


FORMAT = Format("doc97", is_doc97, read, library="LibreOffice headless (→ DOCX, then python-docx)")
