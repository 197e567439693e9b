"""Answer keys and answer tokens (tests/cases/keys.json)."""
import pytest
from conftest import load_cases

from pipeline import keys

CASES = load_cases("keys.json")


@pytest.mark.parametrize("case", CASES["parse_letters"], ids=lambda c: c["in"])
def test_parse_letters(case):
    labels, ocr = keys.parse_letters(case["in"])
    assert ("".join(labels), ocr) == (case["labels"], case["ocr"])


@pytest.mark.parametrize("case", CASES["parse_objective"], ids=lambda c: c["why"])
def test_parse_objective(case):
    got = {str(n): e.raw for n, e in keys.parse_objective(case["in"]).items()}
    assert got == case["out"]


@pytest.mark.parametrize("case", CASES["parse_open"], ids=lambda c: c["why"])
def test_parse_open(case):
    got = {str(n): e.raw for n, e in keys.parse_open(case["in"]).items()}
    assert got == case["out"]


@pytest.mark.parametrize("text,labels", [("B 解析：因为", "B"), ("ABD。", "ABD"), ("A级债券", ""), ("Access", ""),
                                         ("C项正确", "C")])
def test_leading_letters(text, labels):
    assert "".join(keys.leading_letters(text)[0]) == labels


@pytest.mark.parametrize("text,value", [("对", True), ("错误。", False), ("√", True), ("ⅹ", False), ("对于这个", None),
                                        ("True", None)])
def test_leading_judgement(text, value):
    assert keys.leading_judgement(text)[0] == value
