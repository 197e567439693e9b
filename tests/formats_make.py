"""Documents made in the tests, in the styles people download: DOCX with
Word numbering, PDF pages with running headers and columns, RTF, Word-HTML
and MHTML `.doc`, Word 97 (converted by LibreOffice from a flat ODT).
Every text here is our own."""
from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def png(width: int = 40, height: int = 20) -> bytes:
    """A small grey PNG."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# --- DOCX -------------------------------------------------------------------

NUMBERING = f"""<w:abstractNum xmlns:w="{W}" w:abstractNumId="90">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%2."/></w:lvl>
</w:abstractNum>"""
HEADINGS = f"""<w:abstractNum xmlns:w="{W}" w:abstractNumId="91">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
</w:abstractNum>"""


def _numbering(document) -> None:
    """Two lists: questions (1. with A. options below) and section headings (一、)."""
    numbering = document.part.numbering_part.element
    for i, xml in enumerate((NUMBERING, HEADINGS)):
        numbering.insert(i, etree.fromstring(xml))
    for num_id, abstract in ((90, 90), (91, 91), (92, 90)):
        num = etree.fromstring(f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract}"/></w:num>')
        if num_id == 92:   # the second section's questions restart at 1
            num.append(etree.fromstring(f'<w:lvlOverride xmlns:w="{W}" w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'))
        numbering.append(num)


def _numbered(paragraph, num_id: int, ilvl: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(etree.fromstring(f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _run_xml(paragraph, xml: str) -> None:
    paragraph._p.append(etree.fromstring(xml))


def _highlight(run, colour: str = "yellow") -> None:
    run._r.get_or_add_rPr().append(etree.fromstring(f'<w:highlight xmlns:w="{W}" w:val="{colour}"/>'))


def _colour(run, hex_colour: str) -> None:
    run._r.get_or_add_rPr().append(etree.fromstring(f'<w:color xmlns:w="{W}" w:val="{hex_colour}"/>'))


def docx_bank() -> bytes:
    """A Word question bank: numbered questions and options (numbering.xml),
    answers marked by highlight / colour, an image-only option set, a text
    box, a footnote, a page break, and a true/false section keyed by a
    题号/答案 table."""
    import docx
    from docx.shared import Pt
    document = docx.Document()
    _numbering(document)
    document.add_paragraph("企业管理题库（自编）")
    heading = document.add_paragraph("单项选择题")
    _numbered(heading, 91, 0)
    questions = [
        ("管理的首要职能是（ ）", ["计划", "组织", "领导", "控制"], 0, "highlight"),
        ("组织结构中管理幅度与管理层次成（ ）关系", ["正比", "反比", "无关", "等比"], 1, "colour"),
        ("下列属于激励理论的是（ ）", ["需要层次理论", "科学管理理论", "一般管理理论", "行政组织理论"], 0, "highlight"),
    ]
    for stem, options, answer, how in questions:
        _numbered(document.add_paragraph(stem), 90, 0)
        for k, text in enumerate(options):
            p = document.add_paragraph()
            _numbered(p, 90, 1)
            run = p.add_run(text)
            if k == answer:
                (_highlight(run) if how == "highlight" else _colour(run, "FF0000"))
    # a question whose options are pictures
    _numbered(document.add_paragraph("下列图形中表示禁止标志的是（ ）"), 90, 0)
    for _ in range(4):
        p = document.add_paragraph()
        _numbered(p, 90, 1)
        p.add_run().add_picture(io.BytesIO(png()), width=Pt(30))
    # a text box anchored in a paragraph, and a footnote on a stem
    anchor = document.add_paragraph("阅读下面的材料。")
    _run_xml(anchor, f'<w:r xmlns:w="{W}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
                     f'<w:txbxContent><w:p><w:r><w:t>材料：某公司实行扁平化管理。</w:t></w:r></w:p></w:txbxContent>'
                     f'</v:textbox></v:shape></w:pict></w:r>')
    footnoted = document.add_paragraph("扁平化管理的主要优点是（ ）")
    _numbered(footnoted, 90, 0)
    _run_xml(footnoted, f'<w:r xmlns:w="{W}"><w:footnoteReference w:id="1"/></w:r>')
    for text in ("信息传递快", "管理幅度小", "层级多", "成本高"):
        p = document.add_paragraph(text)
        _numbered(p, 90, 1)
    # a new page: the true/false section and its key table
    document.add_page_break()
    heading = document.add_paragraph("判断题")
    _numbered(heading, 91, 0)
    for stem in ("计划是管理的首要职能。（ ）", "管理幅度越大管理层次越多。（ ）", "激励就是奖励。（ ）"):
        _numbered(document.add_paragraph(stem), 92, 0)
    document.add_paragraph("参考答案")
    table = document.add_table(rows=2, cols=4)
    for col, (number, answer) in enumerate((("题号", "答案"), ("1", "√"), ("2", "×"), ("3", "×"))):
        table.cell(0, col).text = number
        table.cell(1, col).text = answer
    out = io.BytesIO()
    document.save(out)
    return _with_footnotes(out.getvalue(), {"1": "本题选自企业管理教材第二章。"})


def _with_footnotes(data: bytes, notes: dict[str, str]) -> bytes:
    """Add a footnotes part (python-docx writes none) to a saved DOCX."""
    body = "".join(f'<w:footnote w:id="{k}"><w:p><w:r><w:t>{v}</w:t></w:r></w:p></w:footnote>' for k, v in notes.items())
    part = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W}">{body}</w:footnotes>'
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            blob = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                blob = blob.replace(b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>')
            elif item.filename == "word/_rels/document.xml.rels":
                blob = blob.replace(b"</Relationships>", b'<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
            target.writestr(item, blob)
        target.writestr("word/footnotes.xml", part)
    return out.getvalue()


def docx_paragraphs(lines: list[str]) -> bytes:
    """A plain DOCX, one paragraph a line."""
    import docx
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_runs(paragraphs: list[list[tuple[str, str]]]) -> bytes:
    """A DOCX whose paragraphs are runs (text, mark): mark "" plain, "highlight",
    "underline", or a hex colour."""
    import docx
    document = docx.Document()
    for runs in paragraphs:
        p = document.add_paragraph()
        for text, mark in runs:
            run = p.add_run(text)
            if mark == "highlight":
                _highlight(run)
            elif mark == "underline":
                run.underline = True
            elif mark:
                _colour(run, mark)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_key_table(rows: list[list[str]], heading: str = "参考答案") -> bytes:
    import docx
    document = docx.Document()
    document.add_paragraph(heading)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------

FONT = "STSong-Light"


def _canvas(buffer, **kwargs):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(buffer, pagesize=(595, 842), **kwargs)


def pdf_paper(pages: int = 3) -> bytes:
    """An exam paper: a running title and `第 n 页 共 m 页` footer on every page,
    a binding margin (rotated 装订线 text and a vertical name field), a page in
    two columns, sub- and superscripts, and an answer key on the last page."""
    buffer = io.BytesIO()
    c = _canvas(buffer)
    number = 0
    for page in range(1, pages + 1):
        c.setFont(FONT, 9)
        c.drawCentredString(297, 810, "2024年企业安全知识考试试卷")
        c.drawCentredString(297, 30, f"第 {page} 页 共 {pages} 页")
        c.saveState()
        c.translate(28, 250)
        c.rotate(90)
        c.drawString(0, 0, "装订线内不要答题")
        c.drawString(200, 0, "姓名________ 班级________")
        c.restoreState()
        c.setFont(FONT, 11)
        y = 770
        if page == 1:
            c.drawString(70, y, "一、单项选择题")
            y -= 22
        if page == 2:      # two columns: five questions left, five right
            c.drawString(70, y, "二、多项选择题")
            y -= 22
            for col, x in enumerate((70, 320)):
                yy = y
                for _ in range(5):
                    number += 1
                    c.drawString(x, yy, f"{number}．下列做法正确的有（ ）")
                    c.drawString(x, yy - 16, "A．佩戴安全帽 B．酒后作业")
                    c.drawString(x, yy - 32, "C．系安全带 D．设置警示")
                    yy -= 56
            c.showPage()
            continue
        if page == pages:
            c.drawString(70, y, "参考答案")
            c.drawString(70, y - 18, "一、单项选择题")
            c.drawString(70, y - 36, "1.A 2.B 3.C 4.D 5.A")
            c.drawString(70, y - 54, "二、多项选择题")
            c.drawString(70, y - 72, "6.ACD 7.ACD 8.ACD 9.ACD 10.ACD 11.ACD 12.ACD 13.ACD 14.ACD 15.ACD")
            c.showPage()
            continue
        for _ in range(5):
            number += 1
            c.drawString(70, y, f"{number}．工作场所的表面污染控制水平单位是（ ）")
            c.drawString(80, y - 18, "A．Bq/cm")
            c.setFont(FONT, 7)
            c.drawString(80 + c.stringWidth("A．Bq/cm", FONT, 11), y - 14, "2")
            c.setFont(FONT, 11)
            c.drawString(200, y - 18, "B．H")
            c.setFont(FONT, 7)
            c.drawString(200 + c.stringWidth("B．H", FONT, 11), y - 21, "2")
            c.setFont(FONT, 11)
            c.drawString(200 + c.stringWidth("B．H", FONT, 11) + 4, y - 18, "O")
            c.drawString(80, y - 36, "C．Ci/m")
            c.drawString(200, y - 36, "D．Sv")
            y -= 70
        c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_pages(pages: list[list[str]]) -> bytes:
    """Plain pages of lines."""
    buffer = io.BytesIO()
    c = _canvas(buffer)
    for lines in pages:
        c.setFont(FONT, 11)
        y = 780
        for line in lines:
            c.drawString(70, y, line)
            y -= 18
        c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_scanned() -> bytes:
    """A page that is only a picture (what a scan gives)."""
    from reportlab.lib.utils import ImageReader
    buffer = io.BytesIO()
    c = _canvas(buffer)
    c.drawImage(ImageReader(io.BytesIO(png(200, 300))), 40, 40, width=515, height=760)
    c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_encrypted() -> bytes:
    buffer = io.BytesIO()
    c = _canvas(buffer, encrypt="secret-password")
    c.setFont(FONT, 11)
    c.drawString(70, 780, "1．加密文件中的题目（ ）")
    c.showPage()
    c.save()
    return buffer.getvalue()


# --- RTF, Word-HTML, MHTML --------------------------------------------------

def rtf_escape(text: str) -> str:
    """Chinese as GBK \\'xx bytes (as Word writes with \\ansicpg936)."""
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append("\\" + ch if ch in "\\{}" else ch)
        else:
            out.append("".join(f"\\'{b:02x}" for b in ch.encode("gbk")))
    return "".join(out)


def rtf_paper() -> bytes:
    """Word-style RTF: GBK text, \\listtext numbers, a \\uN character, a page break, a key table."""
    par = []
    par.append(rtf_escape("一、单项选择题") + "\\par")
    stems = ["安全生产的方针是（ ）", "发生火灾应拨打（ ）"]
    options = [["安全第一", "效益优先"], ["119", "110"]]
    for i, (stem, opts) in enumerate(zip(stems, options), 1):
        par.append("{\\listtext\\pard\\plain " + f"{i}.\\tab" + "}" + rtf_escape(stem) + "\\par")
        for label, opt in zip("AB", opts):
            par.append(f"{label}." + rtf_escape(opt) + "\\par")
    par.append(rtf_escape("温度单位") + "\\u8451?" + "\\par")
    par.append("\\page")
    par.append(rtf_escape("参考答案") + "\\par")
    par.append("\\trowd\\cellx1000\\cellx2000\\cellx3000 " + rtf_escape("题号") + "\\cell 1\\cell 2\\cell\\row")
    par.append("\\trowd\\cellx1000\\cellx2000\\cellx3000 " + rtf_escape("答案") + "\\cell A\\cell A\\cell\\row")
    body = "\n".join(par)
    doc = ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}"
           "{\\*\\generator Microsoft Word;}\\viewkind4\\uc1\\pard\\f0\\fs21\n" + body + "\n}")
    return doc.encode("ascii")


WORD_HTML = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312">
<meta name=Generator content="Microsoft Word 11"><title>安全知识测验</title>
<style><!-- p.MsoNormal {mso-style-parent:""} --></style></head>
<body lang=ZH-CN><div class=Section1>
<p class=MsoNormal>一、单项选择题</p>
<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]><span style='mso-list:Ignore'>1.<span>&nbsp;&nbsp;</span></span><![endif]>安全帽的作用是（ ）</p>
<p class=MsoNormal>A．防止头部受伤 B．装饰</p>
<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]><span style='mso-list:Ignore'>2.<span>&nbsp;&nbsp;</span></span><![endif]>灭火器应放在（ ）</p>
<p class=MsoNormal>A．显眼易取处 B．锁着的柜子里</p>
<br clear=all style='page-break-before:always'>
<p class=MsoNormal>参考答案</p>
<table class=MsoTableGrid border=1><tr><td>题号</td><td>1</td><td>2</td></tr><tr><td>答案</td><td>A</td><td>A</td></tr></table>
</div></body></html>"""  # noqa: E501  (Word's own long lines)


def word_html() -> bytes:
    return WORD_HTML.encode("gbk")


def mht(html: str = WORD_HTML) -> bytes:
    import quopri
    body = quopri.encodestring(html.encode("utf-8")).decode("ascii")
    return ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart_01\"\r\n\r\n"
            "------=_NextPart_01\r\nContent-Location: file:///C:/exam.htm\r\nContent-Transfer-Encoding: quoted-printable\r\n"
            "Content-Type: text/html; charset=\"utf-8\"\r\n\r\n" + body.replace("\n", "\r\n") +
            "\r\n------=_NextPart_01--\r\n").encode("ascii")


# --- Word 97 ----------------------------------------------------------------

FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles><text:list-style style:name="L1">
<text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1"/>
<text:list-level-style-number text:level="2" style:num-suffix="." style:num-format="A"/>
</text:list-style></office:automatic-styles>
<office:body><office:text>
<text:p>一、单项选择题</text:p>
<text:list text:style-name="L1">{items}</text:list>
<text:p>参考答案</text:p>
<table:table><table:table-column table:number-columns-repeated="{columns}"/>
<table:table-row>{numbers}</table:table-row><table:table-row>{answers}</table:table-row></table:table>
</office:text></office:body></office:document>"""


def word97(questions: int = 6) -> bytes:
    """A Word 97 `.doc` whose question numbers and option letters are Word
    list numbering: written as flat ODT here and converted by LibreOffice."""
    options = ["遵守操作规程", "违章指挥", "冒险作业", "酒后上岗"]
    items = "".join(
        f"<text:list-item><text:p>第{i}道题：安全生产中应当坚持的做法是（ ）</text:p><text:list>"
        + "".join(f"<text:list-item><text:p>{o}</text:p></text:list-item>" for o in options)
        + "</text:list></text:list-item>" for i in range(1, questions + 1))
    cell = "<table:table-cell><text:p>{}</text:p></table:table-cell>"
    numbers = cell.format("题号") + "".join(cell.format(i) for i in range(1, questions + 1))
    answers = cell.format("答案") + "".join(cell.format("A") for _ in range(questions))
    fodt = FODT.format(items=items, numbers=numbers, answers=answers, columns=questions + 1)
    program = shutil.which("soffice") or shutil.which("libreoffice")
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, "bank.fodt")
        with open(source, "w", encoding="utf-8") as f:
            f.write(fodt)
        subprocess.run([program, "--headless", "--norestore", f"-env:UserInstallation=file://{work}/profile",
                        "--convert-to", "doc:MS Word 97", "--outdir", work, source],
                       capture_output=True, timeout=180, check=True)
        with open(os.path.join(work, "bank.doc"), "rb") as f:
            return f.read()
