"""Segmentation and linking, case by case (tests/cases/link.json)."""
import pytest
from conftest import load_cases

from pipeline import link, normalize, segment
from pipeline.model import Document, StageStats

CASES = load_cases("link.json")


def records_for(text: str):
    doc = Document(path="raw/case.txt", doc_id="0" * 16, sha256="0" * 64)
    doc.text = normalize.normalize_text(text, doc)
    return link.build_records(doc, segment.segment(doc.text), StageStats("link")), doc


def answer_of(rec):
    if rec.type == "true_false":
        return rec.answer["judgement"]
    if rec.type in ("single_choice", "multiple_choice"):
        return "".join(rec.answer["labels"]) or None
    return None


def check(rec, want):
    got = {
        "number": rec.number, "section": rec.section, "chapter": rec.chapter, "type": rec.type, "stem": rec.stem,
        "options": {o["label"]: o["text"] for o in rec.options}, "answer": answer_of(rec),
        "answer_text": rec.answer["text"], "answer_source": rec.answer_source, "flags": rec.flags,
        "explanation": rec.explanation,
    }
    diff = {k: (got[k], v) for k, v in want.items() if got[k] != v}
    assert not diff, diff


@pytest.mark.parametrize("case", CASES, ids=[c["name"][:40] for c in CASES])
def test_layout(case):
    records, _ = records_for(case["text"])
    assert len(records) == len(case["expect"]), [(r.number, r.stem[:20]) for r in records]
    for rec, want in zip(records, case["expect"]):
        check(rec, want)


@pytest.mark.parametrize("token,labels,ocr", [
    ("ABCD", ["A", "B", "C", "D"], False), ("DBA", ["A", "B", "D"], False), ("0", ["D"], True),
    ("ABODE", ["A", "B", "C", "D", "E"], True), ("A, C", ["A", "C"], False), ("?", [], False),
])
def test_parse_choice_answer(token, labels, ocr):
    assert link.parse_choice_answer(token) == (labels, ocr)


@pytest.mark.parametrize("key,expected", [
    ("1.02.C3.C4.B5.A", {1: "0", 2: "C", 3: "C", 4: "B", 5: "A"}),
    ("6.X7.X8.X9710.J", {6: "X", 7: "X", 8: "X", 9: "7", 10: "J"}),
    ("l.C2.D3.A", {1: "C", 2: "D", 3: "A"}),
    ("1.X2.J3.X4.5.", {1: "X", 2: "J", 3: "X", 4: "", 5: ""}),
    ("11.ABCDEF12.AB13.ABCDE", {11: "ABCDEF", 12: "AB", 13: "ABCDE"}),
    ("1-5 ABCDA", {1: "A", 2: "B", 3: "C", 4: "D", 5: "A"}),
    ("1～3：√×√", {1: "√", 2: "×", 3: "√"}),
])
def test_parse_objective_key(key, expected):
    first = int(key.split(".")[0].split("-")[0].split("～")[0].replace("l", "1"))
    got = {n: e.raw for n, e in link.parse_objective_key(key, first).items()}
    assert got == expected


def test_orphan_answers_are_reported_not_recorded():
    records, doc = records_for("一、单选题\n1.甲()\nA.一B.二\n答案:\n一、单选题\n1.A2.B3.A")
    assert len(records) == 1
    assert [o["number"] for o in doc.orphan_answers] == ["2", "3"]
