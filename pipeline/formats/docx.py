"""DOCX (Word 2007+), opened with python-docx, read from its XML.

- paragraphs in order, automatic numbering rendered (numbering.py);
- tables row by row through tables.render (answer-key tables → key lines);
  a one-column table (a layout frame around text) gives its paragraphs;
- images, embedded objects (equation editors) → IMAGE; Office Math → its text;
- text boxes: their paragraphs after the paragraph that anchors them;
- footnotes and endnotes: `[注N]` where the reference stands, and the note
  as a line `[注N] …` at the foot of its page (before the next page break);
- page breaks: Word's own record of where pages began when the file was
  last laid out (lastRenderedPageBreak) when the file has it, else explicit
  page and section breaks; each a PAGE_BREAK line;
- answers marked by formatting: in a run of option lines, the options whose
  text is highlighted, shaded, underlined or in a colour the document uses
  sparingly (while the others are not) are the answer; the reader writes
  the inline answer line `答案：B` after the options.
"""
from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import regex as re

from ..vocab import ANSWER_LINE, OPTION_LABEL
from . import IMAGE, PAGE_BREAK, Format, Reading, UnreadableInput, tables
from .numbering import Numbering, w

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
V = "urn:schemas-microsoft-com:vml"

# Symbol / Wingdings private-use characters (w:sym) that exam documents use for marks and maths
SYMBOLS = {"F0B4": "×", "F0D6": "√", "F0FC": "√", "F0FB": "×", "F0FE": "☑", "F0A8": "□", "F0B0": "°",
           "F0B1": "±", "F0A3": "≤", "F0B3": "≥", "F0B9": "≠", "F0BB": "≈", "F0AE": "→", "F0DE": "⇒",
           "F061": "α", "F062": "β", "F067": "γ", "F064": "δ", "F06C": "λ", "F06D": "μ", "F070": "π",
           "F073": "σ", "F057": "Ω", "F044": "Δ", "F0A5": "∞"}
# Run formatting that marks an answer. A colour counts only when the document
# uses it for less than this share of its characters (else it is the body colour).
MARK_COLOUR_SHARE = 0.25
MARKED_SHARE = 0.6          # of an option's characters, for the option to count as marked
_OPTION = re.compile(rf"(?:^|(?<=[\s\u3000）)。？?：:;；]))(?P<opt>{OPTION_LABEL})")
_CONTENT = re.compile(r"[^\s\u3000_＿\-—.．、]")

TRANSPARENT = {w(t) for t in ("hyperlink", "ins", "smartTag", "fldSimple", "customXml", "dir", "bdo", "moveTo")}


def _near_black(hex_colour: str) -> bool:
    try:
        rgb = bytes.fromhex(hex_colour)
    except ValueError:
        return True
    return len(rgb) != 3 or max(rgb) < 0x50


@dataclass
class Line:
    """One output line and, per character, the formatting that may mark an answer ("" = none)."""
    text: str = ""
    marks: list[str] = field(default_factory=list)

    def add(self, text: str, mark: str = "") -> None:
        self.text += text
        self.marks.extend([mark] * len(text))


class DocxReader:
    def __init__(self, document):
        part = document.part
        self.body = document.element.body
        try:
            numbering_el = part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            numbering_el = None
        self.numbering = Numbering(numbering_el, part.styles.element)
        self.notes = self._notes(part)
        self.note_numbers: dict[tuple[str, str], int] = {}
        self.page_notes: list[Line] = []      # footnotes of the current page, printed at its foot
        self.rendered_breaks = next(self.body.iter(w("lastRenderedPageBreak")), None) is not None
        self.colours: Counter = Counter()

    @staticmethod
    def _notes(part) -> dict[tuple[str, str], object]:
        """Footnotes and endnotes by (kind, id)."""
        from lxml import etree
        notes = {}
        for rel in part.rels.values():
            kind = rel.reltype.rsplit("/", 1)[-1]
            if kind in ("footnotes", "endnotes") and not rel.is_external:
                root = etree.fromstring(rel.target_part.blob)
                for note in root.iter(w(kind[:-1])):
                    notes[(kind[:-1], note.get(w("id")))] = note
        return notes

    # --- the body -------------------------------------------------------

    def lines(self) -> list[Line]:
        """The body's lines, footnotes at the foot of their page (before the next page break)."""
        body: list[Line] = []
        self._blocks(self.body, body)
        return body + self.page_notes

    def _blocks(self, container, out: list[Line]) -> None:
        for el in container:
            if el.tag == w("p"):
                self._paragraph(el, out)
            elif el.tag == w("tbl"):
                self._table(el, out)
            elif el.tag == w("sdt"):
                content = el.find(w("sdtContent"))
                if content is not None:
                    self._blocks(content, out)
            elif el.tag in (w("customXml"), f"{{{MC}}}AlternateContent"):
                self._blocks(self._choice(el), out)

    @staticmethod
    def _choice(el):
        """The content of mc:AlternateContent's first choice (its fallback repeats it)."""
        if el.tag == f"{{{MC}}}AlternateContent":
            for branch in ("Choice", "Fallback"):
                found = el.find(f"{{{MC}}}{branch}")
                if found is not None:
                    return found
            return []
        return el

    def _paragraph(self, p, out: list[Line]) -> None:
        ppr = p.find(w("pPr"))
        line = Line()
        lines = [line]
        after: list[Line] = []
        if not self.rendered_breaks and ppr is not None and ppr.find(w("pageBreakBefore")) is not None \
                and ppr.find(w("pageBreakBefore")).get(w("val"), "1") not in ("0", "false"):
            self._page_break(out)
        numbered = self.numbering.paragraph_numbering(ppr)
        if numbered:      # the number wears the paragraph mark's formatting
            line.add(self.numbering.label(*numbered), self._mark(ppr.find(w("rPr"))))
        state = {"chars": 0, "break_before": 0, "break_after": 0}
        self._inline(p, lines, after, state)
        for _ in range(state["break_before"]):
            self._page_break(out)
        for ln in lines:
            if ln.text == PAGE_BREAK:
                self._page_break(out)
            elif ln.text.strip():
                out.append(ln)
        out.extend(after)
        for _ in range(state["break_after"]):
            self._page_break(out)
        sect = ppr.find(w("sectPr")) if ppr is not None else None
        if sect is not None and not self.rendered_breaks and (sect.find(w("type")) is None or
                                                                sect.find(w("type")).get(w("val")) != "continuous"):
            self._page_break(out)

    def _page_break(self, out: list[Line]) -> None:
        """The page's footnotes, then the break."""
        out.extend(self.page_notes)
        self.page_notes = []
        out.append(Line(PAGE_BREAK))

    def _inline(self, el, lines: list[Line], after: list[Line], state: dict) -> None:
        for child in el:
            tag = child.tag
            if tag == w("r"):
                self._run(child, lines, after, state)
            elif tag in TRANSPARENT:
                self._inline(child, lines, after, state)
            elif tag == w("sdt"):
                content = child.find(w("sdtContent"))
                if content is not None:
                    self._inline(content, lines, after, state)
            elif tag == f"{{{MC}}}AlternateContent":
                self._inline(self._choice(child), lines, after, state)
            elif tag in (f"{{{M}}}oMath", f"{{{M}}}oMathPara"):
                lines[-1].add("".join(t.text or "" for t in child.iter(f"{{{M}}}t")))

    def _mark(self, rpr) -> str:
        if rpr is None:
            return ""
        highlight = rpr.find(w("highlight"))
        if highlight is not None and highlight.get(w("val"), "none") != "none":
            return "highlight"
        shd = rpr.find(w("shd"))
        if shd is not None and (shd.get(w("fill")) or "auto").upper() not in ("AUTO", "FFFFFF"):
            return "shading"
        u = rpr.find(w("u"))
        if u is not None and u.get(w("val"), "single") != "none":
            return "underline"
        colour = rpr.find(w("color"))
        value = (colour.get(w("val")) or "auto").upper() if colour is not None else "AUTO"
        if value != "AUTO" and not _near_black(value):
            return "colour:" + value
        return ""

    def _run(self, r, lines: list[Line], after: list[Line], state: dict) -> None:
        mark = self._mark(r.find(w("rPr")))
        for child in r:
            tag = child.tag
            if tag == w("t"):
                text = child.text or ""
                lines[-1].add(text, mark)
                state["chars"] += len(text)
                if mark.startswith("colour:"):
                    self.colours[mark] += len(text)
                self.colours["all"] += len(text)
            elif tag in (w("tab"), w("ptab")):
                lines[-1].add(" ")
            elif tag == w("br"):
                if child.get(w("type")) == "page":
                    if not self.rendered_breaks:
                        lines.append(Line(PAGE_BREAK))
                        lines.append(Line())
                elif child.get(w("type")) != "column":
                    lines.append(Line())
            elif tag == w("cr"):
                lines.append(Line())
            elif tag == w("noBreakHyphen"):
                lines[-1].add("-")
            elif tag == w("sym"):
                code = (child.get(w("char")) or "").upper()
                lines[-1].add(SYMBOLS.get(code, ""), mark)
            elif tag in (w("drawing"), w("pict"), w("object")):
                self._graphic(child, lines, after)
            elif tag == f"{{{MC}}}AlternateContent":
                choice = self._choice(child)
                for g in choice:
                    self._graphic(g, lines, after)
            elif tag in (w("footnoteReference"), w("endnoteReference")):
                self._note_reference(child, tag == w("footnoteReference"), lines, after)
            elif tag == w("lastRenderedPageBreak"):
                # where Word last began a page: before this paragraph, or (mid-paragraph) after it
                state["break_after" if state["chars"] else "break_before"] += 1

    def _graphic(self, el, lines: list[Line], after: list[Line]) -> None:
        boxes = list(el.iter(w("txbxContent")))
        for box in boxes:
            self._blocks(box, after)
        pictures = any(True for _ in el.iter(f"{{{A}}}blip")) or any(True for _ in el.iter(f"{{{V}}}imagedata")) \
            or el.tag == w("object")
        if pictures or not boxes:
            lines[-1].add(IMAGE)

    def _note_reference(self, ref, footnote: bool, lines: list[Line], after: list[Line]) -> None:
        kind = "footnote" if footnote else "endnote"
        note = self.notes.get((kind, ref.get(w("id"))))
        if note is None:
            return
        number = self.note_numbers.setdefault((kind, ref.get(w("id"))), len(self.note_numbers) + 1)
        label = f"[注{number}]"
        lines[-1].add(label)
        note_lines: list[Line] = []
        self._blocks(note, note_lines)
        text = " ".join(ln.text.strip() for ln in note_lines if ln.text.strip() and ln.text != PAGE_BREAK)
        self.page_notes.append(Line(f"{label} {text}"))

    def _table(self, tbl, out: list[Line]) -> None:
        rows: list[list[list[Line]]] = []
        for tr in tbl.iter(w("tr")):
            if tr.getparent() is not tbl and tr.getparent().tag != w("sdtContent"):
                continue      # rows of nested tables are read with their cell
            cells = []
            for tc in tr.iter(w("tc")):
                if tc.getparent() is not tr:
                    continue
                cell_lines: list[Line] = []
                self._blocks(tc, cell_lines)
                cells.append([ln for ln in cell_lines if ln.text != PAGE_BREAK])
            rows.append(cells)
        if all(sum(1 for c in row if any(ln.text.strip() for ln in c)) <= 1 for row in rows):
            for row in rows:          # a frame around text: its paragraphs as they are
                for cell in row:
                    out.extend(cell)
            return
        texts = [[" ".join(ln.text.strip() for ln in cell if ln.text.strip()) for cell in row] for row in rows]
        out.extend(Line(t) for t in tables.render(texts))

    # --- answers marked by formatting -----------------------------------

    def answer_marks(self, lines: list[Line]) -> list[Line]:
        """Lines with an inline answer line after each run of options some of which are marked."""
        total = self.colours["all"] or 1
        sparing = {k for k, n in self.colours.items() if k != "all" and n / total < MARK_COLOUR_SHARE}

        def is_mark(m: str) -> bool:
            return bool(m) and (not m.startswith("colour:") or m in sparing)

        out: list[Line] = []
        group: list[tuple[str, bool]] = []      # (letter, marked) of the current run of options

        def close(next_line: Line | None) -> None:
            letters = [g[0] for g in group]
            marked = sorted({g[0] for g in group if g[1]})
            if len(letters) >= 2 and len(set(letters)) == len(letters) and 0 < len(marked) < len(letters) \
                    and not (next_line is not None and ANSWER_LINE.match(next_line.text)):
                out.append(Line("答案：" + "".join(marked)))
            group.clear()

        for line in lines:
            found = list(_OPTION.finditer(line.text))
            starts_with_option = bool(found) and found[0].start() == len(line.text) - len(line.text.lstrip())
            if found and (starts_with_option or len(found) >= 2 or group):
                if not starts_with_option and group:
                    close(line)
                for i, m in enumerate(found):
                    end = found[i + 1].start() if i + 1 < len(found) else len(line.text)
                    chars = [k for k in range(m.end(), end) if _CONTENT.match(line.text[k])]
                    share = sum(is_mark(line.marks[k]) for k in chars if k < len(line.marks)) / len(chars) if chars else 0
                    letter = re.search("[A-F]", m["opt"])
                    label_marked = is_mark(line.marks[m.start("opt") + letter.start()])     # the letter alone marked
                    group.append((letter[0], share >= MARKED_SHARE or label_marked))
                out.append(line)
                continue
            if group:
                close(line)
            out.append(line)
        if group:
            close(None)
        return out


def is_docx(data: bytes, name: str) -> bool:
    return data.startswith(b"PK\x03\x04") and b"word/" in data     # its parts live under word/


def read(data: bytes, name: str = "") -> Reading:
    import docx
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise UnreadableInput(f"corrupt DOCX: {e}") from None
    except KeyError as e:
        raise UnreadableInput(f"corrupt DOCX: missing part {e}") from None
    except Exception as e:  # noqa: BLE001  (python-docx / lxml errors on damaged packages)
        raise UnreadableInput(f"corrupt DOCX: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
    reader = DocxReader(document)
    lines = reader.answer_marks(reader.lines())
    text_lines = [re.sub(r"[ \t\u3000\xa0]+$", "", ln.text) for ln in lines]
    # no page break at the very start or end, none doubled
    kept: list[str] = []
    for t in text_lines:
        if t == PAGE_BREAK and (not kept or kept[-1] == PAGE_BREAK):
            continue
        kept.append(t)
    while kept and kept[-1] == PAGE_BREAK:
        kept.pop()
    if not any(t.strip() for t in kept):
        raise UnreadableInput("DOCX document without text")
    title = (document.core_properties.title or "").strip() or None
    breaks = kept.count(PAGE_BREAK)      # no break recorded: the pages are unknown, not one
    return Reading(text="\n".join(kept) + "\n", title=title, pages=breaks + 1 if breaks else None)


FORMAT = Format("docx", is_docx, read, library="python-docx")
