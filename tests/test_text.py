"""The text toolkit, case by case (tests/cases/text.json), and its tables."""
import re

import opencc
import pytest
import regex
from conftest import load_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import text

CASES = load_cases("text.json")
STEPS = {"strip_glosses": text.strip_glosses, "to_simplified": text.to_simplified, "fold_width": text.fold_width}
PARAMS = [(step, case) for step in STEPS for case in CASES[step]]


@pytest.mark.parametrize("step,case", PARAMS, ids=[f"{s}:{c['in'][:16]}" for s, c in PARAMS])
def test_step(step, case):
    assert STEPS[step](case["in"]) == case["out"], case.get("why")


def test_simplified_output_is_stable_under_opencc():
    sample = "隨著科學技術的不斷發展,意味著客戶服務與管理(微課版)著裝規範"
    once = text.to_simplified(sample)
    assert text.to_simplified(once) == once


def test_probe_keeps_lines_and_matches_the_steps():
    sample = "版權(quán)說明\n\n客戶服務ＡＢＣ１２３\n（）"
    got = text.probe(sample)
    assert got.split("\n") == [text.fold_width(text.to_simplified(text.strip_glosses(ln))) for ln in sample.split("\n")]
    assert got == "版权说明\n\n客户服务ABC123\n（）"


def test_han_class_is_regex_han_script():
    """HAN_RANGES must be exactly the regex module's \\p{Han}: a pinned regex
    release with new Unicode data fails here, not silently in a pattern."""
    ours = re.compile(f"[{text.HAN}]")
    theirs = regex.compile(r"\p{Han}")
    block = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert [m.start() for m in ours.finditer(block)] == [m.start() for m in theirs.finditer(block)]


def test_common_han_table_is_gb2312_level1_with_traditional_forms(tmp_path, monkeypatch):
    table = text.common_han()
    assert len(table) > 3755 and {"客", "戶", "户", "爲", "為"} <= table and "舴" not in table
    monkeypatch.setenv("TIKU_TABLES", str(tmp_path))
    assert text.stored("common-han", text._build_common_han, text.__file__) == table
    assert list(tmp_path.iterdir()), "built once, then kept in the tables folder"
    assert text.stored("common-han", lambda: pytest.fail("built again"), text.__file__) == table


def test_unwritable_tables_folder_only_means_building_again(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TIKU_TABLES", str(blocker))
    assert text.stored("t", lambda: {"a": 1}, text.__file__) == {"a": 1}


def test_corrupt_table_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKU_TABLES", str(tmp_path))
    text.stored("t", lambda: [1, 2], text.__file__)
    for f in tmp_path.iterdir():
        f.write_bytes(b"not a pickle")
    assert text.stored("t", lambda: [3], text.__file__) == [3]


def test_gbk_tables_round_trip():
    pairs = text.gbk_pairs()
    assert pairs[(0xBF, 0xCD)] == "客" and text.gbk_bytes("客") == [0xBF, 0xCD]
    assert text.gbk_bytes("€") == [0x80] and text.gbk_bytes("😀") is None


def test_take_marks_reports_spans_in_the_clean_text():
    marked = ("甲" + text.MARK_REPAIRED + "乙丙" + text.MARK_END + "丁" + text.MARK_UNREPAIRED + text.MARK_END
              + "戊" + text.MARK_UNCERTAIN + "己" + text.MARK_END)
    clean, spans = text.take_marks(marked)
    assert clean == "甲乙丙丁戊己"
    assert spans == {text.MARK_REPAIRED: [(1, 3)], text.MARK_UNREPAIRED: [(4, 4)], text.MARK_UNCERTAIN: [(5, 6)]}
    assert text.take_marks("没有标记") == ("没有标记", {text.MARK_REPAIRED: [], text.MARK_UNCERTAIN: [],
                                                   text.MARK_UNREPAIRED: []})


def test_glosses_follow_a_repaired_run():
    assert text.strip_glosses("服務" + text.MARK_END + "(wù)郵箱") == "服務" + text.MARK_END + "郵箱"


def test_the_toolkit_is_a_leaf():
    """It imports no stage: every stage may import it."""
    import ast
    tree = ast.parse(open(text.__file__, encoding="utf-8").read())
    local = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]
    assert not local, [ast.dump(n) for n in local]
    assert isinstance(text.converter("t2s"), opencc.OpenCC)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("azhngioueāáǎàüǘvxmḿń(（)）客。A ")), max_size=40))
def test_strip_glosses_is_the_gloss_pattern_with_the_syllable_check(sample):
    """The fast path (a bracket holding a toned syllable, then the character
    before it checked) removes exactly what GLOSS finds and is_pinyin accepts."""
    reference = text.GLOSS.sub(lambda m: "" if text.is_pinyin(m["py"]) else m[0], sample)
    assert text.strip_glosses(sample) == reference
