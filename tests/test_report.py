"""cleaned/report.html: self-contained, and working in a real headless Chromium."""
import json
import os
import re
import shutil

import pytest

from conftest import RAW
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


def test_every_flagged_record_has_a_card_with_its_source(seed_run):
    cleaned, _ = seed_run
    page = (cleaned / "report.html").read_text(encoding="utf-8")
    flagged = [json.loads(line) for line in (cleaned / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    flagged = [r for r in flagged if r["flags"]]
    assert page.count('<article class="card"') == len(flagged)
    assert page.count("(not found in the source text)") <= len(flagged) // 10


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


def take_screenshot(report: str, png: str, viewport=(1280, 900), card_png: str | None = None) -> dict:
    """Open the report in headless Chromium; return what the checks need."""
    from playwright.sync_api import sync_playwright
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: problems.append("network: " + r.url) if not r.url.startswith("file:") else None)
            page.goto("file://" + os.path.abspath(report))
            rows = page.locator("#documents tbody tr").count()
            cards = page.locator(".card:not(.hidden)").count()
            page.screenshot(path=png)
            if card_png:     # one repaired record beside its garbled source
                page.locator(".card:has(.flag.mojibake_repaired)").nth(2).screenshot(path=card_png)
            first_id = page.locator(".card").first.get_attribute("id")
            page.fill("#filter", first_id)
            narrowed = page.locator(".card:not(.hidden)").count()
            shown = page.locator("#shown").inner_text()
            page.fill("#filter", "no record has this text 没有这段文字")
            none = page.locator(".card:not(.hidden)").count()
            page.fill("#filter", "")
            restored = page.locator(".card:not(.hidden)").count()
        finally:
            browser.close()
    return {"problems": problems, "rows": rows, "cards": cards, "narrowed": narrowed, "shown": shown, "none": none,
            "restored": restored}


def test_report_in_headless_chromium(seed_run, tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("TIKU_SKIP_BROWSER"):
            pytest.skip("TIKU_SKIP_BROWSER is set")
        pytest.fail("chromium is not installed: `make test` installs it (Debian package chromium), "
                    "or set TIKU_SKIP_BROWSER=1 to skip this test")
    cleaned, manifest = seed_run
    png = tmp_path / "report.png"
    got = take_screenshot(str(cleaned / "report.html"), str(png))
    assert got["problems"] == []
    assert got["rows"] == len(manifest["inputs"])
    assert got["cards"] > 1 and got["narrowed"] == 1 and got["shown"] == "1"
    assert got["none"] == 0 and got["restored"] == got["cards"]
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


if __name__ == "__main__":   # refresh the README's screenshot: python tests/test_report.py
    import sys
    sys.exit(print(take_screenshot(os.path.join("cleaned", "report.html"), os.path.join("docs", "report.png"),
                                   card_png=os.path.join("docs", "report-card.png"))))
