import codecs
import json
import os
import re
import unicodedata
from functools import lru_cache

import pytest
from conftest import RAW, SHARED, load_cases

from pipeline import clean, mojibake, read
from pipeline.text import MARK_REPAIRED, MARK_UNCERTAIN, MARK_UNREPAIRED, strip_glosses, take_marks, to_simplified

CASES = load_cases("mojibake.json")

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


@lru_cache(maxsize=None)
def repaired_seed(name):
    """A seed's cleaned text, and that text repaired (marks and glosses out)."""
    text = seed_text(name)
    fixed, _ = take_marks(mojibake.repair(text)[0])
    return text, strip_glosses(fixed)


@pytest.mark.parametrize("case", CASES["seed_runs"], ids=[c["raw"][:8] for c in CASES["seed_runs"]])
def test_seed_runs_are_repaired(case):
    assert_seed_run_repaired(case, *repaired_seed(case["doc"]))


def assert_seed_run_repaired(case, text, fixed):
    """The run `raw` of a seed reads `repaired` in the repaired text, after what stood before it."""
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


GOLD_PAIR = re.compile(r"mojibake '(.*?)' -> '(.*?)'")


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", to_simplified(s or "")))


def test_repairs_standing_as_repaired_agree_with_the_gold(seed_run):
    """Every record flagged mojibake_repaired (and not mojibake_uncertain) holds
    the gold's repaired text of every raw → repaired pair its gold notes list;
    at most 2 may not (the rest are uncertain, or flagged without gold pairs)."""
    gold_path = os.path.join(SHARED, "gold", "seeds.jsonl")
    if not os.path.exists(gold_path):
        pytest.skip("../shared/gold not present")
    with open(gold_path, encoding="utf-8") as f:
        gold = {(g["doc"], g["chapter"], g["section"], g["number"]): g for g in map(json.loads, f)}
    out, _ = seed_run
    repaired = wrong = uncertain = 0
    for line in (out / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        uncertain += "mojibake_uncertain" in r["flags"]
        if "mojibake_repaired" not in r["flags"] or "mojibake_uncertain" in r["flags"]:
            continue
        repaired += 1
        g = gold.get((r["source"]["path"].rsplit("/", 1)[-1], r["chapter"], r["section"], r["number"]))
        pairs = GOLD_PAIR.findall(g["notes"]) if g else []
        text = _norm("".join([r["stem"], *(o["text"] for o in r["options"]), r["answer"]["text"] or "",
                              r["explanation"] or ""]))
        wrong += not pairs or any(_norm(fixed).lstrip("。") not in text for _, fixed in pairs)
    assert repaired >= 10 and uncertain, (repaired, uncertain)
    assert wrong <= 2, wrong


def test_confidence_from_the_margin_and_the_evidence():
    model = mojibake.CharModel(CONTEXT)
    # a clear winner whose characters the context ties together
    assert mojibake.repair_confidence("客戶服務", 6.0, "。", "郵", model) > mojibake.CONFIDENT
    # a close rival: an even chance, whatever the characters
    assert mojibake.repair_confidence("客戶服務", 0.0, "。", "郵", model) == 0.5
    # a character nothing puts next to its neighbours: at most an even chance
    assert mojibake.repair_confidence("客戶舴務", 9.0, "。", "郵", model) <= 0.5


def test_an_uncertain_repair_flags_its_record_not_as_repaired():
    from pipeline import link, segment
    from pipeline.model import Document, MojibakeRun, StageStats
    doc = Document(path="raw/x.txt", doc_id="0" * 16, sha256="0" * 64)
    doc.text = "一、单选题\n1.客户服务邮箱适合（）\nA.紧急咨询B.非紧急咨询\n答案:B\n2.投诉记录（）\nA.要B.不要\n答案:A\n"
    at, other = doc.text.index("服务邮箱"), doc.text.index("投诉记录")
    doc.mojibake_runs = [MojibakeRun("蛻舴?wù)", "服务", 0.5, True, at, at + 2),
                         MojibakeRun("蛻敉对V", "投诉", 0.99, False, other, other + 2)]
    doc.uncertain_spans, doc.repaired_spans = [(at, at + 2)], [(other, other + 2)]     # as normalize sets them
    records = link.build_records(doc, segment.segment(doc.text), StageStats("link"))
    assert [r.flags for r in records] == [["mojibake_uncertain"], ["mojibake_repaired"]]


def test_a_run_longer_than_the_bound_is_cut_and_says_so():
    """The decoder's cost per run is bounded by MAX_RUN characters: a longer
    garbled stretch is cut there, and the run says it was."""
    from pipeline.model import Document
    from pipeline.normalize import normalize_text
    long_run = "??" + "蛻舴鍪湟猜嵘" * 10 + "。"       # rare glyphs, as shifted GBK shows them
    assert len(long_run) > mojibake.MAX_RUN
    runs = mojibake.find_runs(CONTEXT + "。" + long_run)
    assert runs and runs[0][2] and runs[0][1] - runs[0][0] == mojibake.MAX_RUN
    doc = Document(path="raw/x.txt", doc_id="0" * 16, sha256="0" * 64)
    normalize_text(CONTEXT + "。" + long_run, doc)
    assert doc.mojibake_runs[0].cut and doc.mojibake_runs[0].to_dict()["cut"] is True
