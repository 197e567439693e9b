"""Saved pages of each site give the same records as their text-dump twins."""
import json
import os
import shutil

import pytest
from conftest import ROOT

from pipeline.extract import extract
from pipeline.run import ingest

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "html")
SITES = {"book118": "book118", "renrendoc": "renrendoc", "docin": "docin", "doc88": "doc88", "wenku": "wenku",
         "unknown_site": "unknown"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for kind in ("html", "txt"):
        root = tmp_path_factory.mktemp(kind)
        raw = root / "raw"
        raw.mkdir()
        for name in SITES:
            shutil.copy(os.path.join(FIXTURES, f"{name}.{kind}"), raw)
        with open(os.devnull, "w") as devnull:
            manifest = ingest(str(raw), str(root / "out"), log=devnull, workers=1)
        recs = {}
        for line in (root / "out" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            recs.setdefault(r["source"]["path"].split("/")[-1].rsplit(".", 1)[0], []).append(r)
        out[kind] = (manifest, recs)
    return out


def essence(records):
    return [(r["number"], r["type"], r["stem"], r["options"], r["answer"], r["explanation"], r["answer_source"],
             [f for f in r["flags"] if f != "duplicate"]) for r in records]


@pytest.mark.parametrize("name", SITES)
def test_page_and_text_dump_give_the_same_records(runs, name):
    html, txt = runs["html"][1], runs["txt"][1]
    assert html.get(name) and essence(html[name]) == essence(txt[name])


@pytest.mark.parametrize("name,site", SITES.items())
def test_site_title_and_url(runs, name, site):
    manifest, recs = runs["html"]
    info = {i["path"].split("/")[-1]: i for i in manifest["inputs"]}[f"{name}.html"]
    assert info["site"] == site
    assert info["title"] and "文库" not in info["title"] and "豆丁" not in info["title"]
    if site != "unknown":
        assert info["url"] and recs[name][0]["source"]["url"] == info["url"]


def test_unknown_site_uses_the_generic_extractor():
    page = extract(open(os.path.join(FIXTURES, "unknown_site.html"), encoding="utf-8").read())
    assert page.site is None
    assert page.text.startswith("客户服务管理练习题\n一、单选题")
    assert "新闻" not in page.text and "课程中心" not in page.text and "地址" not in page.text


def test_preview_cut_mid_question_is_flagged(runs):
    recs = runs["html"][1]["docin"]
    assert recs[-1]["number"] == "3" and "truncated" in recs[-1]["flags"]


def test_traditional_page_with_glosses_split_over_pages(runs):
    recs = runs["html"][1]["renrendoc"]
    assert [r["stem"] for r in recs][0] == "客户服务的核心是（）"
    assert len(recs) == 3 and recs[2]["answer"]["judgement"] is False
