import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import segment

ALPHABET = list("一二三四五、.．:：()（）【】例题第答案解析参考要点ABCDEF0123456789项目章单选多判断简答论述题?。\n ")


@pytest.mark.parametrize("text,value", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("7", 7)])
def test_chinese_number(text, value):
    assert segment.chinese_number(text) == value


@pytest.mark.parametrize("line,label,value", [
    ("1.按照客户的表现", "1", 1), ("12、请简述", "12", 12), ("3．下列", "3", 3),
    ("【例题1】请简述", "例题1", 1), ("第一题:", "第一题", 1), ("第二题", "第二题", 2),
])
def test_question_number(line, label, value):
    got = segment.question_number(segment.Piece(line, 0, len(line), True))
    assert got[:2] == (label, value)


@pytest.mark.parametrize("line", ["20世纪50年代推出了", "0.5%的客户", "73855法则是指"])
def test_numbers_inside_text_are_weak(line):
    got = segment.question_number(segment.Piece(line, 0, len(line), True))
    assert got is None or got[2] == "?"


def test_headings_chapters_and_keys():
    text = "项目一客户服务概述\n一、单选题\n1.甲（）\nA.一B.二\n答案:\n一、单选题\n1.A\n项目二其他\n三、判断题:\n1.乙。（）"
    kinds = [(b.kind, b.title or b.number) for b in segment.segment(text)]
    assert kinds == [("chapter", "项目一 客户服务概述"), ("section", "单选题"), ("question", "1"),
                     ("key_start", None), ("section", "单选题"), ("key", None),
                     ("chapter", "项目二 其他"), ("section", "判断题"), ("question", "1")]


def test_option_line_is_not_a_section_heading():
    blocks = segment.segment("一、多选题\n7.常用的提问方法有（）\nA.开放式提问B.引导式提问\nC.封闭式提问D.选择性提问")
    assert [b.kind for b in blocks] == ["section", "question"]


def test_page_gap_restart_is_a_new_question():
    text = "二、多选题\n9.甲（）\nA.一B.二\n10.乙?（）\n5.丙。（）\n6.丁。（）"
    qs = [b for b in segment.segment(text) if b.kind == "question"]
    assert [(q.number, q.gap) for q in qs] == [("9", False), ("10", False), ("5", True), ("6", True)]


def test_spans_point_at_the_pieces():
    text = "一、选择题1.甲（）A.一B.二答案:A2.乙（）A.一B.二答案:B"
    for b in segment.segment(text):
        for p in b.pieces:
            assert text[p.start:p.end] == p.text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=200))
def test_segment_never_raises_and_pieces_are_exact(text):
    for b in segment.segment(text):
        for p in b.pieces:
            assert text[p.start:p.end] == p.text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET + list("客户服务的是和在")), max_size=300))
def test_every_character_is_accounted_for(text):
    """Nothing silently lost: each non-space character is in exactly one piece
    of one block, and the manifest's accounting adds up to the text."""
    blocks = segment.segment(text)
    owner = {}
    for n, b in enumerate(blocks):
        for p in b.pieces:
            for k in range(p.start, p.end):
                assert k not in owner
                owner[k] = n
    assert all(k in owner for k, ch in enumerate(text) if not ch.isspace())
    counts = segment.account(text, blocks)
    assert sum(counts.values()) == len(text) and min(counts.values()) >= 0
