import re

import pytest
from conftest import load_cases
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline import normalize

CASES = load_cases("normalize.json")


STEPS = {
    "normalize_blanks": normalize.normalize_blanks,
}
PARAMS = [(step, case) for step in STEPS for case in CASES[step]]


@pytest.mark.parametrize("step,case", PARAMS, ids=[f"{s}:{c['in'][:16]}" for s, c in PARAMS])
def test_step(step, case):
    assert STEPS[step](case["in"]) == case["out"], case.get("why")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("客戶服務(quán)權（）() \n。,?ABC.1、答案解析")), max_size=120))
def test_normalize_text_is_idempotent(text):
    # a garbled run broken over two lines is only seen once they are joined (known_failures.json)
    assume(not re.search(r"\?[a-z]*\n", text))
    once = normalize.normalize_text(text)
    assert normalize.normalize_text(once) == once
