import codecs
import os

import pytest
from conftest import RAW, known_failures, load_cases

from pipeline import clean, mojibake, read
from pipeline.text import MARK_REPAIRED, MARK_UNCERTAIN, MARK_UNREPAIRED, strip_glosses, take_marks

CASES = load_cases("mojibake.json")
KNOWN = {c["input"] for c in known_failures("mojibake")}

# Clean text about the same things the garbled sentences talk about: the
# repair leans on it, as it leans on the rest of a real document.
CONTEXT = ("客戶服務是企業的核心工作。客戶服務人員應該耐心傾聽客戶的訴求,了解客戶的需求。"
           "處理客戶投訴時,客服人員要保持冷靜,快速查找信息,並提出解決方案。"
           "客戶投訴記錄分析可以幫助企業改進服務。客戶服務郵箱適合非緊急的諮詢。") * 3


def garble(text: str, start: int) -> str:
    """What the scrapes show: from text[start] on, the GBK bytes lose one byte,
    are decoded out of step until an ASCII byte, and full width is folded."""
    codecs.register_error("lost_byte", lambda e: ("?", e.start + 1))
    head, tail = text[:start], text[start:]
    data = tail.encode("gbk")[1:]
    shifted = data.decode("gbk", errors="lost_byte")
    return head + "?" + shifted.translate({0xFF1F: "?", 0xFF08: "(", 0xFF09: ")", 0xFF0C: ",", 0xFF1B: ";"})


def seed_text(name):
    doc = read.read(read.load(os.path.join(RAW, name), RAW))
    return clean.clean_text(doc.text, doc.site)[0]


@pytest.fixture(scope="module")
def seed_repairs():
    out = {}
    for name in sorted({c["doc"] for c in CASES["seed_runs"]}):
        text = seed_text(name)
        fixed, _ = take_marks(mojibake.repair(text)[0])
        out[name] = (text, strip_glosses(fixed))
    return out


@pytest.mark.parametrize("case", CASES["seed_runs"], ids=[c["raw"][:8] for c in CASES["seed_runs"]])
def test_seed_runs_are_repaired(case, seed_repairs):
    text, fixed = seed_repairs[case["doc"]]
    at = text.index(case["raw"])
    before = strip_glosses(text[at - 12:at])[-3:]
    assert before + case["repaired"] in fixed


@pytest.mark.parametrize("text", CASES["untouched"])
def test_real_question_marks_are_left_alone(text):
    repaired, reports = mojibake.repair(CONTEXT + text)
    assert repaired == CONTEXT + text and reports == []


@pytest.mark.parametrize("sentence,start", [
    ("客戶服務郵箱(D)適合非緊急的諮詢。", 0),
    ("處理客戶投訴時,客服人員要快速查找信息(C)並解決。", 13),
])
def test_simulated_shift_is_undone(sentence, start):
    garbled = garble(sentence, start)
    assert garbled != sentence
    text = CONTEXT + "。" + garbled
    if text in KNOWN:
        pytest.xfail("known failure")
    repaired, reports = mojibake.repair(text)
    fixed, spans = take_marks(repaired)
    assert fixed == CONTEXT + "。" + sentence, reports
    assert spans[MARK_REPAIRED] + spans[MARK_UNCERTAIN] and not spans[MARK_UNREPAIRED]


def test_unrepairable_run_is_removed_and_reported():
    text = CONTEXT + "這是??蛻舴?wù)\ue848\ue848\ue848?xyz)鬧鬧。下一句。"
    repaired, reports = mojibake.repair(text)
    fixed, spans = take_marks(repaired)
    assert "??" not in fixed and "\ue848" not in fixed
    assert fixed.endswith("下一句。")
    assert reports and any(spans.values())
