"""Segmentation and linking, case by case (tests/cases/link.json)."""
import pytest
from conftest import load_cases
from generator import answer_of

from pipeline import link, normalize, segment
from pipeline.model import Document, StageStats

CASES = load_cases("link.json")


def records_for(text: str):
    doc = Document(path="raw/case.txt", doc_id="0" * 16, sha256="0" * 64)
    doc.text = normalize.normalize_text(text, doc)
    return link.build_records(doc, segment.segment(doc.text), StageStats("link")), doc


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


def test_orphan_answers_are_reported_not_recorded():
    records, doc = records_for("一、单选题\n1.甲()\nA.一B.二\n答案:\n一、单选题\n1.A2.B3.A")
    assert len(records) == 1
    assert [o["number"] for o in doc.orphan_answers] == ["2", "3"]
