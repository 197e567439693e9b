"""Page layout: furniture, chunk counters, line joining, key grids (tests/cases/layout.json)."""
import pytest
from conftest import load_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import layout

CASES = load_cases("layout.json")
STEPS = {
    "join_lines": layout.join_lines,
    "remove_furniture": lambda text: layout.remove_furniture(text)[0],
    "remove_chunk_counters": layout.remove_chunk_counters,
    "key_grids": layout.key_grids,
}
PARAMS = [(step, case) for step in STEPS for case in CASES[step]]


@pytest.mark.parametrize("step,case", PARAMS, ids=[f"{s}:{c['why'][:30]}" for s, c in PARAMS])
def test_step(step, case):
    assert STEPS[step](case["in"]) == case["out"], case["why"]


def test_furniture_is_logged():
    _, removed = layout.remove_furniture("标题行在这里\n1.甲\n第 1 页 共 2 页\n标题行在这里\n2.乙")
    assert removed == [("page_number", "第 1 页 共 2 页"), ("running_header", "标题行在这里")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("甲乙丙，。（）_ \n\f1、A第页共-") + ["第 1 页 共 2 页"]), max_size=60).map("".join))
def test_joining_keeps_every_character(text):
    """Joining only removes line breaks and spaces around them, never text (a stray "." opening a
    continuation is dropped on purpose, so the alphabet leaves it out)."""
    out = layout.join_lines(text)
    assert "".join(out.split()) == "".join(text.split())
