import pytest
from hypothesis import given, settings, strategies as st

from conftest import load_cases
from pipeline import normalize

CASES = load_cases("normalize.json")


def ids(cases):
    return [c["in"][:20] for c in cases]


@pytest.mark.parametrize("case", CASES["strip_glosses"], ids=ids(CASES["strip_glosses"]))
def test_strip_glosses(case):
    assert normalize.strip_glosses(case["in"]) == case["out"]


@pytest.mark.parametrize("case", CASES["to_simplified"], ids=ids(CASES["to_simplified"]))
def test_to_simplified(case):
    assert normalize.to_simplified(case["in"]) == case["out"]


@pytest.mark.parametrize("case", CASES["fold_width"], ids=ids(CASES["fold_width"]))
def test_fold_width(case):
    assert normalize.fold_width(case["in"]) == case["out"]


@pytest.mark.parametrize("case", CASES["normalize_blanks"], ids=ids(CASES["normalize_blanks"]))
def test_normalize_blanks(case):
    assert normalize.normalize_blanks(case["in"]) == case["out"]


@pytest.mark.parametrize("case", CASES["join_layout_lines"], ids=ids(CASES["join_layout_lines"]))
def test_join_layout_lines(case):
    assert normalize.join_layout_lines(case["in"]) == case["out"]


def test_simplified_output_is_stable_under_opencc():
    text = "隨著科學技術的不斷發展,意味著客戶服務與管理(微課版)著裝規範"
    once = normalize.to_simplified(text)
    assert normalize.to_simplified(once) == once


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("客戶服務(quán)權（）() \n。,?ABC.1、答案解析")), max_size=120))
def test_normalize_text_is_idempotent(text):
    once = normalize.normalize_text(text)
    assert normalize.normalize_text(once) == once
