"""The input-format registry and its readers, on documents made here
(tests/formats_make.py): what each reader gives, what each gives after the
whole pipeline, and what is quarantined with which one-line reason."""
import io
import json
import os
import shutil
import zipfile

import formats_make as make
import pytest
from conftest import Log

from pipeline import formats, normalize, run
from pipeline.formats import IMAGE, PAGE_BREAK, UnreadableInput, numbering, pairs, tables
from pipeline.run import ingest


def lines(text: str) -> list[str]:
    return text.split("\n")


@pytest.fixture(scope="module")
def bank():
    return make.docx_bank()


@pytest.fixture(scope="module")
def paper():
    return make.pdf_paper()


# --- the registry -------------------------------------------------------------

@pytest.mark.parametrize("maker,name,expect", [
    (make.pdf_paper, "paper.txt", "pdf"),                 # the content decides, not the name
    (make.docx_bank, "bank.bin", "docx"),
    (make.rtf_paper, "paper.doc", "rtf"),
    (make.word_html, "paper.doc", "word-html"),
    (make.mht, "paper.doc", "mht"),
    (lambda: "<!DOCTYPE html><html><body><p>1.题目</p></body></html>".encode(), "page", "html"),
    (lambda: "一、单选题\n1.题目（）".encode("gbk"), "bank.doc", "text"),
])
def test_formats_are_sniffed_by_content(maker, name, expect):
    assert formats.sniff(maker(), name).name == expect


@pytest.mark.parametrize("data,reason", [
    (make.png(), "binary file (PNG image), not a supported format"),
    (b"PK\x03\x04" + b"\x00" * 40 + b"data.csv", "binary file (ZIP archive), not a supported format"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "Workbook".encode("utf-16-le"), "binary file (Office file that"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le"), "encrypted Office document"),
    (b"\x00\x01\x02\x03" * 10, "binary file (NUL bytes), not text"),
    (b"", "empty file"),
])
def test_what_no_format_claims_gets_a_reason(data, reason):
    with pytest.raises(UnreadableInput) as e:
        formats.read(data, "x.bin")
    assert str(e.value).startswith(reason) and "\n" not in str(e.value)


def test_every_format_names_its_library():
    assert all(f.name and f.library for f in formats.registry())
    assert formats.registry()[-1].name == "text"      # the fallback comes last


# --- Word numbering and tables ----------------------------------------------------

@pytest.mark.parametrize("n,chinese", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (105, "一百零五")])
def test_chinese_counting(n, chinese):
    assert numbering.chinese(n) == chinese


def test_number_formats():
    assert [numbering.FORMATS["upperLetter"](n) for n in (1, 4, 27)] == ["A", "D", "AA"]
    assert numbering.FORMATS["lowerRoman"](4) == "iv"
    assert numbering.FORMATS["decimalEnclosedCircle"](3) == "③"
    assert numbering.FORMATS["ideographTraditional"](2) == "乙"


def test_numbering_counters_restart_and_continue():
    from lxml import etree
    root = etree.fromstring(f'<w:numbering xmlns:w="{make.W}">{make.NUMBERING}'
                            f'<w:num w:numId="1"><w:abstractNumId w:val="90"/></w:num>'
                            f'<w:num w:numId="2"><w:abstractNumId w:val="90"/></w:num>'
                            f'<w:num w:numId="3"><w:abstractNumId w:val="90"/><w:lvlOverride w:ilvl="0">'
                            f'<w:startOverride w:val="1"/></w:lvlOverride></w:num></w:numbering>')
    n = numbering.Numbering(root)
    got = [n.label("1", 0), n.label("1", 1), n.label("1", 1), n.label("1", 0), n.label("1", 1),
           n.label("2", 0),      # same abstract list, no override: the count goes on
           n.label("3", 0)]      # startOverride: a list of its own, from 1
    assert got == ["1.", "A.", "B.", "2.", "A.", "3.", "1."]


@pytest.mark.parametrize("rows,expect", [
    ([["题号", "1", "2", "3"], ["答案", "B", "C", "AD"]], ["答案：1.B 2.C 3.AD"]),
    ([["1", "2", "3"], ["√", "×", "√"]], ["答案：1.√ 2.× 3.√"]),
    ([["题号", "答案"], ["1", "A"], ["2", "D"]], ["答案：1.A 2.D"]),
    ([["1-5", "6-10"], ["BCDAB", "ACDBA"]], ["答案：1-5 BCDAB 6-10 ACDBA"]),
    ([["姓名", "班级"], ["", ""]], ["姓名  班级"]),                        # not a key
    ([["A．计划", "B．组织"], ["C．领导", "D．控制"]], ["A．计划  B．组织", "C．领导  D．控制"]),
])
def test_tables_render_keys_and_rows(rows, expect):
    assert tables.render(rows) == expect


# --- DOCX -------------------------------------------------------------------------

def test_docx_reads_like_the_page(bank):
    reading = formats.read(bank, "bank.docx")
    text = lines(reading.text)
    assert reading.format == "docx"
    # numbering from numbering.xml: headings 一、二、, questions 1. 2. …, options A. B. …
    assert text[1] == "一、单项选择题" and "二、判断题" in text
    assert text[2:7] == ["1.管理的首要职能是（ ）", "A.计划", "B.组织", "C.领导", "D.控制"]
    assert "1.计划是管理的首要职能。（ ）" in text          # the second list restarts at 1
    # answers marked by highlight and by a sparing colour: inline answer lines after the options
    assert text[7] == "答案：A" and text.count("答案：B") == 1 and text.count("答案：A") == 2
    # image options, the text box after its anchor, the footnote at the foot of its page
    assert [f"{k}.{IMAGE}" for k in "ABCD"] == text[text.index("4.下列图形中表示禁止标志的是（ ）") + 1:][:4]
    assert text[text.index("阅读下面的材料。") + 1] == "材料：某公司实行扁平化管理。"
    assert "5.扁平化管理的主要优点是（ ）[注1]" in text
    assert text.index("[注1] 本题选自企业管理教材第二章。") == text.index(PAGE_BREAK) - 1
    # the page break, and the key table as a key line
    assert text.count(PAGE_BREAK) == 1 and reading.pages == 2
    assert "答案：1.√ 2.× 3.×" in text


def test_docx_records(bank):
    result = run.process_document("raw/bank.docx", bank)
    assert result.doc.error is None and not result.doc.rejected
    by = {(r.section, r.number): r for r in result.doc.records}
    assert by[("单项选择题", "1")].answer["labels"] == ["A"]
    assert by[("单项选择题", "2")].answer["labels"] == ["B"]
    assert by[("单项选择题", "1")].answer_source == "inline"
    judged = [by[("判断题", n)] for n in "123"]
    assert [r.answer["judgement"] for r in judged] == [True, False, False]
    assert {r.answer_source for r in judged} == {"answer_key"}
    assert {r.source["format"] for r in result.doc.records} == {"docx"}
    assert by[("单项选择题", "1")].source["page"] == 1 and judged[0].source["page"] == 2


def test_corrupt_docx_is_unreadable_with_a_reason(bank):
    for damaged in (bank[: len(bank) // 2], bank.replace(b"word/document.xml", b"word/documenX.xml")):
        with pytest.raises(UnreadableInput) as e:
            formats.read(damaged, "bank.docx")
        assert str(e.value).startswith("corrupt DOCX: ") and "\n" not in str(e.value)


def test_marked_answers_typed_options():
    paragraphs = [
        [("1.安全色中表示禁止的是（ ）", "")],
        [("A．红色 ", ""), ("B．", ""), ("黄色 ", ""), ("C", "underline"), ("．蓝色 D．绿色", "")],   # the letter alone
        [("2.下列属于个人防护用品的有（ ）", "")],
        [("A．安全帽", "FF0000")], [("B．安全带", "FF0000")], [("C．灭火器", "")], [("D．警示牌", "")],
        [("答案：AB", "")],              # the page prints the answer too: no second answer line
        [("3.本题的选项都是红色（ ）", "")],
        [("A．甲", "FF0000")], [("B．乙", "FF0000")],
    ]
    text = lines(formats.read(make.docx_runs(paragraphs), "m.docx").text)
    assert text[2] == "答案：C"
    assert text.count("答案：AB") == 1
    assert not any(t == "答案：AB" for t in text[text.index("3.本题的选项都是红色（ ）"):])   # all marked: no answer


def test_docx_without_numbering_or_marks_is_plain():
    text = formats.read(make.docx_paragraphs(["1.题目一（ ）", "A.甲 B.乙", "答案：A"]), "p.docx").text
    assert text == "1.题目一（ ）\nA.甲 B.乙\n答案：A\n"


# --- PDF --------------------------------------------------------------------------

def test_pdf_reading_order_headers_margins_and_scripts(paper):
    reading = formats.read(paper, "paper.pdf")
    text = lines(reading.text)
    rules = {(r.rule, r.text) for r in reading.removed}
    assert reading.pages == 3 and text.count(PAGE_BREAK) == 2
    # running title and page footer: out of the text, into removed, on every page
    assert ("pdf_running_header", "2024年企业安全知识考试试卷") in rules
    assert {("pdf_running_footer", f"第 {n} 页 共 3 页") for n in (1, 2, 3)} <= rules
    assert not any("考试试卷" in ln or "共 3 页" in ln for ln in text)
    # binding margin: rotated text and the name/class field column
    assert ("binding_margin", "装订线内不要答题") in rules
    assert not any("装订线" in ln or "姓名" in ln for ln in text)
    # superscript and subscript stay on their line, flattened
    assert "A．Bq/cm2 B．H2O" in text
    # two columns: the left column (6–10) before the right one (11–15)
    numbers = [ln.split("．")[0] for ln in text if ln.endswith("下列做法正确的有（ ）")]
    assert numbers == [str(n) for n in range(6, 16)]


def test_pdf_records_carry_format_and_page(paper):
    result = run.process_document("raw/paper.pdf", paper)
    assert result.doc.error is None and len(result.doc.records) == 15
    assert [r.answer["labels"] for r in result.doc.records[:5]] == [["A"], ["B"], ["C"], ["D"], ["A"]]
    assert all(r.answer["labels"] == ["A", "C", "D"] for r in result.doc.records[5:])
    assert [r.source["page"] for r in result.doc.records] == [1] * 5 + [2] * 10
    assert {r.source["format"] for r in result.doc.records} == {"pdf"}
    assert result.doc.text.count(PAGE_BREAK) == 2          # the cleaned text keeps the page breaks


@pytest.mark.parametrize("maker,reason", [
    (make.pdf_scanned, "scanned PDF: no text layer"),
    (make.pdf_encrypted, "encrypted PDF (needs a password)"),
    (lambda: make.pdf_paper()[:300], "corrupt PDF: "),
])
def test_unreadable_pdfs(maker, reason):
    with pytest.raises(UnreadableInput) as e:
        formats.read(maker(), "x.pdf")
    assert str(e.value).startswith(reason)


def test_pdf_kangxi_radicals_become_ideographs():
    from pipeline.formats.pdf import _compat_map
    assert _compat_map()[0x2F00] == "一" and _compat_map()[0x2F06] == "二"


# --- RTF, Word-HTML, MHTML, Word 97 -----------------------------------------------

@pytest.mark.parametrize("maker,fmt", [(make.rtf_paper, "rtf"), (make.word_html, "word-html"), (make.mht, "mht-word")])
def test_legacy_doc_formats_give_records(maker, fmt):
    result = run.process_document("raw/paper.doc", maker())
    assert result.doc.error is None and result.doc.format == fmt
    assert [(r.number, r.answer["labels"], r.answer_source) for r in result.doc.records] == \
        [("1", ["A"], "answer_key"), ("2", ["A"], "answer_key")]
    assert result.doc.text.count(PAGE_BREAK) == 1


def test_rtf_decodes_gbk_and_unicode_escapes():
    text = formats.read(make.rtf_paper(), "paper.rtf").text
    assert "1. 安全生产的方针是（ ）" in text and "温度单位℃" in text


def test_word_html_keeps_word_list_numbers_and_title():
    reading = formats.read(make.word_html(), "paper.doc")
    assert reading.title == "安全知识测验" and reading.text.startswith("一、单项选择题\n1. 安全帽的作用是（ ）\n")


@pytest.fixture(scope="module")
def word97():
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        if os.environ.get("TIKU_SKIP_OFFICE"):
            pytest.skip("TIKU_SKIP_OFFICE is set")
        pytest.fail("LibreOffice is not installed: run `make test` (it installs it) or set TIKU_SKIP_OFFICE=1")
    return make.word97()


def test_word97_doc_keeps_word_numbering(word97):
    assert formats.sniff(word97, "bank.doc").name == "doc97"
    reading = formats.read(word97, "bank.doc")
    text = lines(reading.text)
    assert reading.format == "doc97"
    assert text[1:6] == ["1.第1道题：安全生产中应当坚持的做法是（ ）", "A.遵守操作规程", "B.违章指挥", "C.冒险作业", "D.酒后上岗"]
    assert "答案：1.A 2.A 3.A 4.A 5.A 6.A" in text


def test_word97_records(word97):
    result = run.process_document("raw/bank.doc", word97)
    assert len(result.doc.records) == 6 and all(r.answer["labels"] == ["A"] for r in result.doc.records)
    assert {r.answer_source for r in result.doc.records} == {"answer_key"}


def test_damaged_word97_is_unreadable(word97):
    damaged = word97[:512] + b"\x00" * 4096 + word97[4608:]      # the header sectors wiped
    with pytest.raises(UnreadableInput) as e:
        formats.read(damaged, "bank.doc")
    assert str(e.value) == "corrupt or encrypted Word 97 document: LibreOffice could not convert it"


# --- page breaks through normalize --------------------------------------------------

def test_normalize_keeps_a_page_break_as_its_own_line():
    text = "1.题干很长的一行文字在这里被分页\n\f\n截断了（ ）\nA.甲\n"
    out = normalize.normalize_text(text)
    assert out.split("\n")[1] == PAGE_BREAK


def test_page_of_counts_breaks():
    assert [formats.page_of("a\n\f\nb\n\f\nc", i) for i in (0, 3, 9)] == [1, 2, 3]


# --- a paper and its answer file --------------------------------------------------

PAPER = ["一、单项选择题", "1.安全生产的方针是（ ）", "A.安全第一 B.效益优先", "2.发生火灾应拨打（ ）", "A.110 B.119",
         "二、判断题", "1.安全帽可以不系下颏带。（ ）"]


@pytest.mark.parametrize("paper_name,answer_name", [
    ("2024A卷.docx", "2024A卷参考答案.pdf"), ("期末试题.docx", "期末（答案）.docx"),
    ("模拟卷 (原卷版).docx", "模拟卷(答案解析).docx"),
])
def test_pairs_by_name(paper_name, answer_name):
    tasks = [run.Task(f"/x/{n}", f"raw/{n}", 1) for n in (paper_name, answer_name, "另一份.docx")]
    grouped = pairs.group(tasks)
    assert grouped[0].pair == ("paper", f"/x/{answer_name}", f"raw/{answer_name}")
    assert grouped[1].pair == ("answers", f"/x/{paper_name}", f"raw/{paper_name}")
    assert grouped[2].pair is None


def test_no_pair_across_folders_or_when_ambiguous():
    names = ["a/卷一.docx", "b/卷一答案.docx", "c/卷二.docx", "c/卷二答案.docx", "c/卷二答案.pdf"]
    assert all(t.pair is None for t in pairs.group([run.Task(n, "raw/" + n, 1) for n in names]))


def _jsonl(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _entries(manifest):
    return {os.path.basename(e["path"]): e for e in manifest["inputs"]}


def test_paper_and_answer_file_are_read_together(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "2024A卷.docx").write_bytes(make.docx_paragraphs(PAPER))
    (raw / "2024A卷参考答案.pdf").write_bytes(make.pdf_pages([["参考答案", "一、单项选择题", "1.A 2.B", "二、判断题", "1.×"]]))
    manifest = ingest(str(raw), str(tmp_path / "out"), log=Log())
    records = _jsonl(tmp_path / "out" / "questions.jsonl")
    assert [(r["section"], r["number"], r["answer"]["labels"] or r["answer"]["judgement"], r["answer_source"])
            for r in records] == [("单项选择题", "1", ["A"], "answer_key"), ("单项选择题", "2", ["B"], "answer_key"),
                                  ("判断题", "1", False, "answer_key")]
    assert {r["source"]["path"] for r in records} == {"raw/2024A卷.docx"}    # none from the answer file
    entries = _entries(manifest)
    assert entries["2024A卷.docx"]["pair"] == {"role": "paper", "with": "raw/2024A卷参考答案.pdf", "status": "paired"}
    assert entries["2024A卷参考答案.pdf"]["pair"]["status"] == "paired"
    assert entries["2024A卷参考答案.pdf"]["records"] == 0 and entries["2024A卷参考答案.pdf"]["status"] == "ok"


def test_a_pair_that_does_not_match_keeps_both_files(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "卷二.docx").write_bytes(make.docx_paragraphs(PAPER))
    (raw / "卷二答案.docx").write_bytes(make.docx_paragraphs(["本卷答案请见课程网站。"]))
    manifest = ingest(str(raw), str(tmp_path / "out"), log=Log())
    entries = _entries(manifest)
    assert entries["卷二.docx"]["records"] == 3
    for name in ("卷二.docx", "卷二答案.docx"):
        assert entries[name]["pair"]["status"].startswith("not matched: ")


# --- the whole run: bad files quarantined, nothing else lost -----------------------

def test_unreadable_documents_are_quarantined_and_the_rest_read(tmp_path, bank, paper):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "bank.docx").write_bytes(bank)
    (raw / "paper.pdf").write_bytes(paper)
    (raw / "scan.pdf").write_bytes(make.pdf_scanned())
    (raw / "locked.pdf").write_bytes(make.pdf_encrypted())
    (raw / "broken.docx").write_bytes(bank[: len(bank) // 3])
    (raw / "paper.doc").write_bytes(make.rtf_paper())
    manifest = ingest(str(raw), str(tmp_path / "out"), log=Log())
    quarantine = _jsonl(tmp_path / "out" / "quarantine.jsonl")
    reasons = {os.path.basename(q["path"]): q["reason"] for q in quarantine}
    assert reasons["scan.pdf"] == "scanned PDF: no text layer"
    assert reasons["locked.pdf"] == "encrypted PDF (needs a password)"
    assert reasons["broken.docx"].startswith("corrupt DOCX: ")
    assert set(reasons) == {"scan.pdf", "locked.pdf", "broken.docx"}
    entries = _entries(manifest)
    assert {n: entries[n]["format"] for n in ("bank.docx", "paper.pdf", "paper.doc")} == \
        {"bank.docx": "docx", "paper.pdf": "pdf", "paper.doc": "rtf"}
    assert entries["paper.pdf"]["pages"] == 3
    assert manifest["documents"] == {"total": 6, "ok": 3, "quarantined": 3, "internal_errors": 0,
                                     "without_records": {"quarantined": 3}}
    removed = _jsonl(tmp_path / "out" / "removed.jsonl")
    assert {"pdf_running_header", "pdf_running_footer", "binding_margin"} <= {r["rule"] for r in removed}
    # the cleaned text keeps the page breaks the spans and pages are counted on
    doc_id = entries["paper.pdf"]["doc_id"]
    assert (tmp_path / "out" / "docs" / f"{doc_id}.txt").read_text(encoding="utf-8").count(PAGE_BREAK) == 2


def test_docx_zip_without_word_parts_is_not_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("data.csv", "a,b\n")
    with pytest.raises(UnreadableInput) as e:
        formats.read(out.getvalue(), "x.docx")
    assert "ZIP archive" in str(e.value)


# --- the two real documents in ../shared/dev (read there, never copied) ------------

DEV_RAW = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "dev", "raw")


def _dev(prefix: str) -> bytes:
    names = [n for n in os.listdir(DEV_RAW) if n.startswith(prefix)] if os.path.isdir(DEV_RAW) else []
    if not names:
        pytest.skip("../shared/dev is not there")
    with open(os.path.join(DEV_RAW, names[0]), "rb") as f:
        return f.read()


def test_real_pdf_reads_page_by_page():
    import regex as re
    reading = formats.read(_dev("71_"), "71.pdf")
    text = lines(reading.text)
    assert reading.pages == 53 and text.count(PAGE_BREAK) == 52
    # page numbers taken out as running lines, none left as text
    assert sum(r.rule.startswith("pdf_running") for r in reading.removed) >= 45
    assert not any(re.fullmatch(r"\d{1,2}", ln) for ln in text)
    # no Kangxi radicals left from the fonts; question numbers and option lines in order
    assert not re.search(r"[\u2F00-\u2FDF]", reading.text)
    numbers = [int(m[1]) for ln in text if (m := re.match(r"(\d+)、", ln))]
    assert numbers[:80] == list(range(1, 81))
    # the key pages: rows of six entries, each row one line
    key_rows = [ln for ln in text if re.fullmatch(r"(?:\d+\.[A-E](?:,[A-E])*\s*){6}", ln)]
    assert len(key_rows) >= 40


def test_real_docx_reads_with_its_numbering():
    import regex as re
    reading = formats.read(_dev("72_"), "72.docx")
    text = lines(reading.text)
    numbered = [int(m[1]) for ln in text if (m := re.match(r"(\d+)\.\S", ln))]
    assert numbered[:20] == list(range(1, 21))
    assert len(numbered) > 400          # Word list numbering rendered, not lost
