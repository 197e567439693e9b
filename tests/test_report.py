"""cleaned/report.html: self-contained, and working in a real headless Chromium."""
import html
import json
import os
import re
import shutil

import pytest
from conftest import RAW

from pipeline import report
from pipeline.report import locate
from pipeline.run import ingest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_report_is_self_contained(seed_run):
    cleaned, manifest = seed_run
    page = (cleaned / "report.html").read_text(encoding="utf-8")
    # nothing fetched from anywhere: no src/href attributes, no CSS url() or @import
    assert not re.search(r"\b(?:src|href)\s*=|url\(|@import", page)
    assert page.count('<tr class="') == len(manifest["inputs"])
    assert manifest["outputs"]["report.html"]


def records(cleaned) -> list[dict]:
    return [json.loads(line) for line in (cleaned / "questions.jsonl").read_text(encoding="utf-8").splitlines()]


def card(page: str, record_id: str) -> str:
    start = page.index(f'<article class="card" id="{record_id}"')
    return page[start:page.index("</article>", start)]


def test_every_record_has_a_card_with_its_source_flagged_ones_marked(seed_run):
    cleaned, _ = seed_run
    page = (cleaned / "report.html").read_text(encoding="utf-8")
    rows = records(cleaned)
    assert page.count('<article class="card"') == len(rows)
    assert page.count('data-flagged="1"') == sum(1 for r in rows if r["flags"])
    assert page.count("(not found in the source text)") <= len(rows) // 20


def test_a_card_says_where_its_record_is_in_the_cleaned_document(seed_run):
    cleaned, _ = seed_run
    page = (cleaned / "report.html").read_text(encoding="utf-8")
    for r in records(cleaned)[::7]:
        text = (cleaned / "docs" / f"{r['doc_id']}.txt").read_text(encoding="utf-8")
        line, col = map(int, re.search(rf"docs/{r['doc_id']}\.txt:(\d+):(\d+)", card(page, r["id"])).groups())
        assert text.splitlines(keepends=True)[line - 1][col - 1:].startswith(text[r["span"]["start"]:][:10])


def test_repaired_runs_are_highlighted_beside_the_text_they_replaced(seed_run):
    cleaned, manifest = seed_run
    page = (cleaned / "report.html").read_text(encoding="utf-8")
    raw_runs = {html.escape(run["raw"]) for d in manifest["inputs"] for run in d["mojibake_runs"] if run["repaired"]}
    repaired = [r for r in records(cleaned) if "mojibake_repaired" in r["flags"]]
    assert repaired
    for r in repaired:
        body, listing = card(page, r["id"]).split("<h4>mojibake repairs")
        marked = re.findall(r'<mark class="repair"[^>]*>([^<]+)</mark>', body)
        listed = re.findall(r'<li><span class="raw">([^<]+)</span> → <mark[^>]*>([^<]+)</mark>', listing)
        assert marked and set(marked) <= {cleaned for _, cleaned in listed}, r["id"]
        assert {raw for raw, _ in listed} <= raw_runs


@pytest.mark.parametrize("number,label", [("3", "第3题"), ("三", "第三题"), ("12", "第12题"), ("例题3", "例题3"),
                                          ("第二题", "第二题"), ("(1)", "题号 (1)"), (None, "")])
def test_card_titles_name_the_question_as_printed(number, label):
    assert report.question_label(number) == label


def test_cards_for_a_page_of_records_are_capped_and_counted():
    collector = report.CardCollector(limit=2, plain_limit=3)
    for i in range(10):
        collector.document(f"raw/{i}.txt", None, "empty file")
    assert len(collector.cards) == 2 and collector.skipped == 8


def single_line_exam(chars: int) -> str:
    """Questions run together on one line, as some scrapes are."""
    out, n, size = [], 0, 0
    while size < chars:
        n += 1
        out.append(f"{n}.下列关于客户服务第{n}项要求的说法正确的是（）A.及时响应B.推诿责任C.拖延处理D.敷衍了事答案:A ")
        size += len(out[-1])
    return "一、单项选择题 " + "".join(out)


def test_aligning_a_record_costs_the_same_work_in_a_small_and_a_huge_document():
    small, huge = single_line_exam(40_000), single_line_exam(4_000_000)
    works = []
    for source in (small, huge):
        found = report.align(source, source, 0.0)           # the whole document as one record: the worst case
        assert found.excerpt.startswith("一、单项选择题")
        assert any("searched for its first 1,000" in n for n in found.notes)
        works.append(found.work)
    assert works[1] <= 1.2 * works[0]


@pytest.mark.slow
def test_a_multi_megabyte_single_line_document_goes_through_the_report(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "one-line.txt").write_text(single_line_exam(1_500_000), encoding="utf-8")
    work = []
    real_align = report.align

    def counted(*args):
        found = real_align(*args)
        work.append(found.work)
        return found
    monkeypatch.setattr(report, "align", counted)
    with open(os.devnull, "w") as quiet:
        manifest = ingest(str(raw), str(tmp_path / "out"), log=quiet, workers=1)
    assert manifest["documents"]["ok"] == 1 and work
    assert max(work) < 50 * (report.TARGET_MAX + 2 * report.SEARCH)      # bounded per card, not by the document


def test_uncertain_repairs_are_shown_as_uncertain(seed_run):
    """A record whose mojibake repair is uncertain shows raw → repaired marked uncertain."""
    cleaned, _ = seed_run
    page = (cleaned / "report.html").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in (cleaned / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    uncertain = [r for r in rows if "mojibake_uncertain" in r["flags"]]
    assert uncertain, "the seeds hold uncertain repairs"
    listed = re.findall(r'<li><span class="raw">[^<]+</span> → <mark class="repair uncertain">[^<]+</mark>'
                        r'<span class="badge">uncertain</span> <span class="muted">confidence (0\.\d\d)</span></li>', page)
    assert len(listed) >= len(uncertain) // 2
    assert all(float(c) < 0.85 for c in listed)


@pytest.mark.parametrize("source,target,expected", [
    # traditional source with pinyin glosses, simplified record: found by its simplified reading
    ("前文很多很多。\n10.在處(chǔ)理緊急客戶投訴時(shí),電子商務(wù)師應(yīng)該()A.按常規(guī)流程上報(bào)\n後文。",
     "10\n在处理紧急客户投诉时,电子商务师应该（）\nA.按常规流程上报",
     "10.在處(chǔ)理緊急客戶投訴時(shí),電子商務(wù)師應(yīng)該()A.按常規(guī)流程上報(bào)"),
    # a stray match far away does not stretch the excerpt
    ("客户" + "无关的文字。" * 200 + "\n3.客户投诉的处理步骤是什么?\n", "3\n客户投诉的处理步骤是什么?",
     "3.客户投诉的处理步骤是什么?"),
    ("完全不同的内容", "abc", ""),
])
def test_locate(source, target, expected):
    assert locate(source, target, 0.9).strip() == expected


def test_quarantined_documents_get_cards(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(os.path.join(RAW, sorted(os.listdir(RAW))[0]), raw / "exam.txt")
    (raw / "empty.txt").write_bytes(b"")
    with open(os.devnull, "w") as quiet:
        ingest(str(raw), str(tmp_path / "out"), log=quiet, workers=1)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<span class="flag quarantined">quarantined</span>raw/empty.txt' in page and "empty file" in page


def take_screenshot(report_html: str, png: str, viewport=(1280, 900), card_png: str | None = None,
                    phone_png: str | None = None) -> dict:
    """Open the report in headless Chromium, use it as a reviewer would; return what the checks need."""
    from playwright.sync_api import sync_playwright
    problems = []
    got = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: problems.append("network: " + r.url) if not r.url.startswith("file:") else None)
            page.goto("file://" + os.path.abspath(report_html))
            visible = page.locator(".card:not(.hidden)")
            got["rows"] = page.locator("#documents tbody tr").count()
            got["cards"] = visible.count()
            page.screenshot(path=png)
            if card_png:     # one repaired record beside its garbled source
                page.locator(".card:has(mark.repair)").nth(2).screenshot(path=card_png)
            first_id = visible.first.get_attribute("id")
            page.fill("#filter", first_id)
            got["narrowed"], got["shown"] = visible.count(), page.locator("#shown").inner_text()
            page.fill("#filter", "no record has this text 没有这段文字")
            got["none"] = visible.count()
            page.fill("#filter", "")
            got["restored"] = visible.count()
            page.check("#all")
            got["all"] = visible.count()
            row = page.locator("#documents tbody tr").nth(2)
            got["picked"] = row.get_attribute("data-doc")
            page.uncheck("#all")
            row.click()
            got["picked_docs"] = set(visible.evaluate_all("cs => cs.map(c => c.dataset.doc)"))
            got["picked_cards"] = visible.count()
            page.click("#picked button")
            got["unpicked"] = visible.count()
            page.set_viewport_size({"width": 390, "height": 844})      # a phone
            got["phone_overflow"] = page.evaluate("document.documentElement.scrollWidth") - 390
            if phone_png:
                page.locator(".card:has(mark.repair)").first.screenshot(path=phone_png)
        finally:
            browser.close()
    got["problems"] = problems
    return got


def test_report_in_headless_chromium(seed_run, tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("TIKU_SKIP_BROWSER"):
            pytest.skip("TIKU_SKIP_BROWSER is set")
        pytest.fail("chromium is not installed: `make test` installs it (Debian package chromium), "
                    "or set TIKU_SKIP_BROWSER=1 to skip this test")
    cleaned, manifest = seed_run
    rows = records(cleaned)
    png = tmp_path / "report.png"
    got = take_screenshot(str(cleaned / "report.html"), str(png))
    assert got["problems"] == []
    assert got["rows"] == len(manifest["inputs"])
    assert got["cards"] == sum(1 for r in rows if r["flags"]) > 1           # flagged records first
    assert got["narrowed"] == 1 and got["shown"] == "1"
    assert got["none"] == 0 and got["restored"] == got["cards"]
    assert got["all"] == len(rows)                                         # every record can be browsed
    picked = [r for r in rows if r["source"]["path"] == got["picked"]]
    assert got["picked_docs"] == {got["picked"]} and got["picked_cards"] == len(picked) > 0
    assert got["unpicked"] == len(rows)
    assert got["phone_overflow"] <= 0, "the page scrolls sideways at phone width"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


if __name__ == "__main__":   # refresh the README's screenshots: python tests/test_report.py
    import sys
    sys.exit(print(take_screenshot(os.path.join("cleaned", "report.html"), os.path.join("docs", "report.png"),
                                   card_png=os.path.join("docs", "report-card.png"),
                                   phone_png=os.path.join("docs", "report-phone.png"))))
