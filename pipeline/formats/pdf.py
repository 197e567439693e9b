"""PDF with a text layer, through pypdfium2 (PDFium: Apache-2.0/BSD).

Per page: every character with its box → runs (characters that follow one
another on one baseline, or down one column of vertical text) → lines (runs
that share a band, left to right; sub- and superscripts share the band of
their line, so `60Co` and `cm2` stay on it, flattened) → reading order
(two columns read left then right, between lines that span both).

Taken out into `removed`, with the rule that took them:
- `pdf_running_header` / `pdf_running_footer`: lines at the top or bottom of
  many pages that are the same once digits are masked (titles, page numbers,
  site marks), and lone page numbers at the top or bottom of a page;
- `binding_margin`: text in the binding margin (vertical text at the page
  edge, text outside the body's left/right edge) and lines made of the
  margin's words (装订线, 密封线内不要答题) or only of fill-in fields
  (姓名____ 班级____).
Pages are separated by PAGE_BREAK lines. A PDF without a text layer, an
encrypted one or a broken one is unreadable, with a one-line reason.
"""
from __future__ import annotations

import ctypes
import itertools
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import regex as re

from ..model import Removed
from . import IMAGE, PAGE_BREAK, Format, Reading, UnreadableInput

# Words printed in a binding margin; a line holding one of them is margin text.
BINDING_WORDS = ["装订线", "密封线", "密封线内", "装订线内", "不要答题", "请勿答题", "不得答题", "禁止答题", "订线"]
# Fill-in fields of an exam paper's margin or head: a line made only of these is not content.
FIELD_LABELS = ["姓名", "班级", "学号", "考号", "座号", "座位号", "学校", "年级", "考场", "考场号", "准考证号",
                "专业", "系别", "院系", "得分", "评卷人", "教师"]
# Lone page numbers: 1, - 1 -, 第1页, 第 1 页 共 4 页, 1/4, Page 1
PAGE_NUMBER = re.compile(r"^(?:[-—–]?\s*\d{1,4}\s*[-—–]?|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
                         r"\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.I)
EDGE_SHARE = 0.15           # top/bottom share of the page where running headers and footers sit
EDGE_LINES = 2              # how many lines from the top or bottom can be a header or footer
REPEAT_SHARE = 0.5          # a header repeats on at least this share of pages (and on 2 or more)
IMAGE_MAX_SHARE = 0.5       # a picture larger than this share of the page is a scan or background
IMAGE_MIN_SIZE = 6.0        # points: smaller pictures are rules and specks
AUTOSPACE_GAP = 0.5         # of the text height: a smaller gap beside a Chinese character is no space
MIN_TEXT_CHARS = 10         # fewer visible characters in the whole file: no text layer

_BINDING = re.compile("|".join(sorted(map(re.escape, BINDING_WORDS), key=len, reverse=True)))
_FIELDS_ONLY = re.compile(
    rf"^(?:(?:{'|'.join(sorted(FIELD_LABELS, key=len, reverse=True))})\s*[:：]?\s*(?:_{{2,}}|＿{{2,}}|\s{{3,}}|$)\s*){{2,}}$")


@lru_cache(maxsize=1)
def _compat_map() -> dict[int, str]:
    """Kangxi radicals, CJK radical supplements and compatibility ideographs
    that PDF fonts map to instead of the unified ideograph (⼀ for 一)."""
    table = {}
    for lo, hi in ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF)):
        for cp in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if folded != chr(cp) and len(folded) == 1:
                table[cp] = folded
    return table


@dataclass
class Run:
    """Characters drawn one after another on one line (or down one column)."""
    chars: list[str] = field(default_factory=list)
    x0: float = 1e9
    x1: float = -1e9
    y0: float = 1e9      # bottom (PDF space: y grows upwards)
    y1: float = -1e9     # top
    vertical: bool = False
    last: tuple = (0.0, 0.0, 0.0, 0.0)

    @property
    def text(self) -> str:
        return "".join(self.chars)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def add(self, ch: str, box: tuple) -> None:
        self.chars.append(ch)
        x0, x1, y0, y1 = box
        self.x0, self.x1, self.y0, self.y1 = min(self.x0, x0), max(self.x1, x1), min(self.y0, y0), max(self.y1, y1)
        self.last = box


@dataclass
class Line:
    runs: list[Run]
    y0: float
    y1: float

    @property
    def text(self) -> str:
        runs = sorted(self.runs, key=lambda r: r.x0)
        out = runs[0].text
        for prev, run in itertools.pairwise(runs):
            gap = run.x0 - prev.x1
            if gap > 0.3 * max(1.0, min(prev.height, run.height)) and not out.endswith(" ") \
                    and not run.text.startswith(" "):
                out += " "
            out += run.text
        return re.sub(r"[ \t]+", " ", out).strip()

    @property
    def x0(self) -> float:
        return min(r.x0 for r in self.runs)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def page_runs(textpage, pdfium_c) -> list[Run]:
    """The page's characters, grouped into runs in drawing order."""
    n = pdfium_c.FPDFText_CountChars(textpage)
    rect = pdfium_c.FS_RECTF()
    ref = ctypes.byref(rect)
    compat = _compat_map()
    runs: list[Run] = []
    run: Run | None = None
    gap_space = False          # PDFium saw a gap here and made up a space
    for i in range(n):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if code in (0, 0xFFFE, 0xFFFF, 0x0D, 0x0A, 0x02):
            continue
        ch = compat.get(code) or chr(code)
        if ch.isspace():
            if pdfium_c.FPDFText_IsGenerated(textpage, i):
                gap_space = True
            elif run is not None and run.chars and run.chars[-1] != " ":
                run.chars.append(" ")
            continue
        pdfium_c.FPDFText_GetLooseCharBox(textpage, i, ref)
        box = (rect.left, rect.right, rect.bottom, rect.top)
        if box[1] - box[0] <= 0 and box[3] - box[2] <= 0:
            continue      # a character with no extent is not drawn
        if run is not None and _continues(run, box):
            if gap_space and run.chars[-1] != " " and not _autospace(run, ch, box):
                run.chars.append(" ")
            gap_space = False
            run.add(ch, box)
            continue
        gap_space = False
        run = Run()
        run.add(ch, box)
        runs.append(run)
    for r in runs:
        while r.chars and r.chars[-1] == " ":
            r.chars.pop()
    return [r for r in runs if r.chars]


def image_runs(page, pdfium_c, width: float, height: float) -> list[Run]:
    """An IMAGE token where each picture sits (not page-sized scans or backgrounds, not specks)."""
    out = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        x0, y0, x1, y1 = obj.get_bounds()
        if (x1 - x0) * (y1 - y0) > IMAGE_MAX_SHARE * width * height or max(x1 - x0, y1 - y0) < IMAGE_MIN_SIZE:
            continue
        if any(_overlap(x0, x1, r.x0, r.x1) * _overlap(y0, y1, r.y0, r.y1) > 0.5 * (x1 - x0) * (y1 - y0)
               for r in out):
            continue          # one picture drawn twice (an image and its mask, say)
        run = Run()
        run.add(IMAGE, (x0, x1, y0, y1))
        out.append(run)
    return out


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80       # CJK, kana, hangul, full-width forms


def _autospace(run: Run, ch: str, box: tuple) -> bool:
    """A small gap between Chinese and Latin text is the layout's spacing
    (Word's "space between Asian and Latin text"), not a space in the text."""
    gap = box[0] - run.last[1]
    height = max(run.last[3] - run.last[2], box[3] - box[2])
    return gap < AUTOSPACE_GAP * height and (_wide(run.chars[-1]) or _wide(ch))


def _continues(run: Run, box: tuple) -> bool:
    """Does a character at `box` carry on `run` (same line, moving right; or down a vertical column)?"""
    lx0, lx1, ly0, ly1 = run.last
    x0, x1, y0, y1 = box
    h = min(ly1 - ly0, y1 - y0) or 1.0
    if not run.vertical and _overlap(ly0, ly1, y0, y1) >= 0.5 * h and x0 >= lx0 - 0.5 * h \
            and x0 - lx1 < 3.0 * max(ly1 - ly0, y1 - y0):
        return True
    w = min(lx1 - lx0, x1 - x0) or 1.0
    if (run.vertical or len(run.chars) == 1) and _overlap(lx0, lx1, x0, x1) >= 0.5 * w \
            and _overlap(ly0, ly1, y0, y1) < 0.5 * h and abs((y0 + y1) - (ly0 + ly1)) / 2 < 2.5 * max(w, h):
        run.vertical = True
        return True
    return False


def group_lines(runs: list[Run]) -> list[Line]:
    """Runs → lines, top to bottom; a run joins a line whose band it shares."""
    lines: list[Line] = []
    for run in sorted(runs, key=lambda r: -(r.y0 + r.y1)):
        for line in reversed(lines[-3:]):
            if _overlap(line.y0, line.y1, run.y0, run.y1) >= 0.5 * min(line.y1 - line.y0, run.height):
                line.runs.append(run)
                if run.height > line.y1 - line.y0:       # the band of the tallest run
                    line.y0, line.y1 = run.y0, run.y1
                break
        else:
            lines.append(Line([run], run.y0, run.y1))
    return sorted(lines, key=lambda ln: -ln.y1)


def find_gutter(runs: list[Run], left: float, right: float) -> float | None:
    """The x of the gap between two columns, if the page has two."""
    width = right - left
    if width <= 0:
        return None
    narrow = [r for r in runs if r.x1 - r.x0 < 0.55 * width]
    lo, hi = int(left + 0.3 * width), int(left + 0.7 * width)
    covered = [0] * (hi - lo + 1)
    for r in narrow:
        for x in range(max(lo, int(r.x0)), min(hi, int(r.x1)) + 1):
            covered[x - lo] += 1
    best, start = (0, None), None
    for i, c in enumerate(covered + [1]):
        if c == 0 and start is None:
            start = i
        elif c and start is not None:
            if i - start > best[0]:
                best = (i - start, lo + (start + i) / 2)
            start = None
    if best[0] < 8:
        return None
    gutter = best[1]
    total = sum(len(r.chars) for r in runs) or 1
    left_runs = [r for r in runs if r.x1 <= gutter]
    right_runs = [r for r in runs if r.x0 >= gutter]
    spanning = total - sum(len(r.chars) for r in left_runs + right_runs)

    def extent(rs):
        return (max(r.y1 for r in rs) - min(r.y0 for r in rs)) if rs else 0

    def one_run_lines(rs):      # a column's lines are one run of text; a table's rows are several cells
        lines = group_lines(rs)
        return len(lines) >= 3 and sum(len(ln.runs) == 1 for ln in lines) >= 0.6 * len(lines)

    height = extent(left_runs + right_runs) or 1
    if (spanning / total < 0.25 and sum(len(r.chars) for r in left_runs) >= 0.2 * total
            and sum(len(r.chars) for r in right_runs) >= 0.2 * total
            and extent(left_runs) >= 0.4 * height and extent(right_runs) >= 0.4 * height
            and one_run_lines(left_runs) and one_run_lines(right_runs)):
        return gutter
    return None


def reading_order(runs: list[Run], left: float, right: float) -> list[Line]:
    gutter = find_gutter(runs, left, right)
    if gutter is None:
        return group_lines(runs)
    spanning = sorted((r for r in runs if r.x0 < gutter < r.x1), key=lambda r: -r.y1)
    out: list[Line] = []
    top = float("inf")
    for cut in [*spanning, None]:          # bands between lines that span both columns
        bottom = cut.y1 if cut is not None else float("-inf")
        band = [r for r in runs if not (r.x0 < gutter < r.x1) and bottom <= (r.y0 + r.y1) / 2 < top]
        out += group_lines([r for r in band if r.x1 <= gutter]) + group_lines([r for r in band if r.x0 >= gutter])
        if cut is not None:
            out += group_lines([cut])
            top = cut.y0
    return out


@dataclass
class Page:
    lines: list[Line]
    height: float


def margin_runs(runs: list[Run], page_width: float) -> tuple[list[Run], list[Run]]:
    """(body runs, binding-margin runs)."""
    horizontal = [r for r in runs if not r.vertical and len(r.text.strip()) > 1]
    if not horizontal:
        return runs, []
    lefts = sorted(r.x0 for r in horizontal)
    rights = sorted(r.x1 for r in horizontal)
    body_left, body_right = lefts[len(lefts) // 10], rights[-1 - len(rights) // 10]
    body, margin = [], []
    for r in runs:
        at_edge = r.x1 < min(body_left - 2, 0.15 * page_width) or r.x0 > max(body_right + 2, 0.85 * page_width)
        if (r.vertical and at_edge) or (at_edge and len(r.chars) > 1) or \
                (r.vertical and _BINDING.search(r.text.replace(" ", ""))):
            margin.append(r)
        else:
            body.append(r)
    return body, margin


def _key(text: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"\d+", "#", text))


def running_lines(pages: list[Page]) -> dict[tuple[int, int], str]:
    """(page, line index) → rule, for running headers and footers."""
    counts = {"top": Counter(), "bottom": Counter()}
    candidates = []
    for p, page in enumerate(pages):
        n = len(page.lines)
        for i, line in enumerate(page.lines):
            if i < EDGE_LINES and line.y0 >= page.height * (1 - EDGE_SHARE):
                where = "top"
            elif i >= n - EDGE_LINES and line.y1 <= page.height * EDGE_SHARE:
                where = "bottom"
            else:
                continue
            key = _key(line.text)
            candidates.append((p, i, where, key, line.text))
            counts[where][key] += 1
    need = max(2, int(REPEAT_SHARE * len(pages) + 0.999))
    out = {}
    for p, i, where, key, text in candidates:
        if counts[where][key] >= need or (len(pages) > 1 and PAGE_NUMBER.match(text.strip())):
            out[(p, i)] = "pdf_running_header" if where == "top" else "pdf_running_footer"
    return out


# PDFium is not thread-safe: one document at a time per process (the threaded dask scheduler)
_PDFIUM = threading.Lock()


def read(data: bytes, name: str = "") -> Reading:
    with _PDFIUM:
        return _read(data)


def _read(data: bytes) -> Reading:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise UnreadableInput("encrypted PDF (needs a password)") from None
        raise UnreadableInput(f"corrupt PDF: {str(e).splitlines()[0]}") from None
    removed: list[Removed] = []
    bodies: list[list[Run]] = []
    pages: list[Page] = []        # whole-page lines, where running headers and footers are found
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            runs = page_runs(textpage, pdfium_c) + image_runs(page, pdfium_c, width, height)
            textpage.close()
            page.close()
            body, margin = margin_runs(runs, width)
            removed += [Removed("binding_margin", r.text) for r in margin if r.text.strip()]
            bodies.append(body)
            pages.append(Page(group_lines(body), height))
    finally:
        pdf.close()
    if sum(len(r.text.replace(" ", "").replace(IMAGE, "")) for body in bodies for r in body) < MIN_TEXT_CHARS:
        raise UnreadableInput("scanned PDF: no text layer")
    running = running_lines(pages)
    out: list[str] = []
    for p, (page, body) in enumerate(zip(pages, bodies)):
        if p:
            out.append(PAGE_BREAK)
        dropped = set()
        for i, line in enumerate(page.lines):
            if (p, i) in running:
                removed.append(Removed(running[(p, i)], line.text))
                dropped.update(id(r) for r in line.runs)
        body = [r for r in body if id(r) not in dropped]
        lefts = [r.x0 for r in body] or [0.0]
        rights = [r.x1 for r in body] or [1.0]
        for line in reading_order(body, min(lefts), max(rights)):
            text = line.text
            if _BINDING.search(text.replace(" ", "")) and len(text) < 40 or _FIELDS_ONLY.match(text):
                removed.append(Removed("binding_margin", text))
            elif text:
                out.append(text)
    return Reading(text="\n".join(out) + "\n", pages=len(pages), removed=removed)


def is_pdf(data: bytes, name: str) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]


FORMAT = Format("pdf", is_pdf, read, library="pypdfium2 (PDFium)")
