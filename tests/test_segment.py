"""Segmentation: headings, keys, the chain of question numbers, unnumbered items."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import segment

ALPHABET = list("一二三四五、.．:：()（）【】例题第答案解析参考要点ABCDEF0123456789项目章单选多判断简答论述题?。\n ")


def questions(text):
    return [(b.number, b.section) for b in segment.segment(text) if b.kind == "question"]


@pytest.mark.parametrize("text,numbers", [
    ("一、单选题\n1.2025年起施行的规定是（）\nA.甲B.乙\n2.下列正确的是（）\nA.甲B.乙", ["1", "2"]),
    ("一、单选题\n3.0.5 MPa的压力属于（）\nA.甲B.乙\n4.下列正确的是（）", ["3", "4"]),
    ("一、单选题\n1.依据第28条，3人以上参加时（）\nA.甲B.乙\n2.约1.6万台电脑中0.5%出故障（）", ["1", "2"]),
    ("一、名词解释1 罪数2 继续犯3 (2008 年 4 月)想象竞合犯4 法条竞合", ["1", "2", "3", "4"]),
    ("7.甲属于（）\nA.甲B.乙\n8.乙属于（）\nA.甲B.乙", ["7", "8"]),
    ("16从所给的选项中选择一个\n参考答案:A\n17从所给的选项中选择一个\n参考答案:B", ["16", "17"]),
    ("一、判断题1.甲是乙。[答案]对2.丙是丁。[答案]错3.戊是己。[答案]对", ["1", "2", "3"]),
    ("第1题 甲是什么？\n第2题 乙是什么？", ["第1题", "第2题"]),
    ("【例题1】甲是什么？\n【参考答案】\n1.第一点\n2.第二点\n【例题2】乙是什么？", ["例题1", "例题2"]),
    ("题库说明：错误请发邮件至tiku@163.com反映。\n一、单选题\n1.甲属于（）\nA.甲B.乙", ["1"]),
    ("应每4小时松解一次的是（）\n1甲属于（）\n2乙属于（）\n3丙应每4小时松解一次（）", ["1", "2", "3"]),
])
def test_question_numbers(text, numbers):
    assert [n for n, _ in questions(text)] == numbers


def test_headings_on_lines_and_glued():
    text = "专题一 毛泽东思想一、判断题1.甲。[答案]对二、单项选择题2.乙？[答案]丙"
    blocks = segment.segment(text)
    assert [(b.kind, b.title) for b in blocks if b.kind != "question"] == [
        ("chapter", "专题一 毛泽东思想"), ("section", "判断题"), ("section", "单项选择题")]
    assert [(b.number, b.section) for b in blocks if b.kind == "question"] == [("1", "判断题"), ("2", "单项选择题")]


def test_module_heading_names_no_type():
    blocks = segment.segment("第四部分 判断推理(图形推理)\n16从所给的选项中选择一个\n参考答案:A")
    assert [(b.kind, b.section_type) for b in blocks][:2] == [("section", None), ("question", None)]


def test_key_at_the_end_restarts_per_chapter_and_section():
    text = ("第一章 甲\n一、单选题\n1.甲（）\nA.一B.二\n第二章 乙\n一、单选题\n1.乙（）\nA.一B.二\n"
            "参考答案\n第一章 甲\n一、单选题\n1-1 A\n第二章 乙\n一、单选题\n1.B")
    blocks = segment.segment(text)
    assert [b.kind for b in blocks].count("question") == 2
    keys = [(b.chapter_label, b.section, b.text.strip()) for b in blocks if b.kind == "key"]
    assert keys == [("第1章", "单选题", "1-1 A"), ("第2章", "单选题", "1.B")]


def test_a_title_that_promises_answers_is_no_key():
    blocks = segment.segment("安全知识试题及参考答案\n一、单选题\n1.甲（）\nA.一B.二\n答案:\n1.A")
    assert [b.kind for b in blocks] == ["text", "section", "question", "key_heading", "key"]


def test_a_bare_answer_marker_with_text_is_the_question_s_own():
    blocks = segment.segment("二、简答题\n1.简述甲。\n参考答案：\n甲是乙。\n2.简述丙。\n参考答案：\n丙是丁。")
    assert [b.kind for b in blocks] == ["section", "question", "question"]


def test_numbered_answers_after_a_bare_marker_answer_the_section():
    blocks = segment.segment("二、简答题\n1.简述甲。\n2.简述乙。\n答案要点：\n1.甲是乙。\n2.乙是丙。")
    assert [b.kind for b in blocks] == ["section", "question", "question", "key_heading", "key"]


def test_a_case_s_own_answer_points_are_no_key():
    text = ("六、案例分析题\n案例背景：某公司连年亏损，部门职责不清。问题：\n1.分析该公司的问题。\n2.提出改进方案。\n"
            "答案要点：\n1.主要问题：职责不清。\n2.改进方案：理顺职责。")
    blocks = segment.segment(text)
    assert not [b for b in blocks if b.kind in ("key", "key_heading")]
    assert any("主要问题" in b.text for b in blocks if b.kind == "question")


def test_answer_points_are_no_questions():
    text = "简答题\n1、请简述甲。\n答案要点:\n1.第一点\n2.第二点\n2、请简述乙。"
    assert questions(text) == [("1", "简答题"), ("2", "简答题")]


def test_unnumbered_items_cut_at_paragraphs():
    text = ("试题 第1卷\n\n甲是（）。\n\nA.一\nB.二\n\n答案:A\n解析:\n因为一。\n\n"
            "乙是（）。\n\nA.一\nB.二\n\n答案:B\n\n丙是（）。\nⅠ.一\nⅡ.二")
    blocks = [b for b in segment.segment(text) if b.kind == "question"]
    assert [b.text.split("\n")[0] for b in blocks] == ["甲是（）。", "乙是（）。", "丙是（）。"]


def test_a_case_whose_material_comes_first_is_one_item():
    text = ("五、案例分析题\n患者，女，58岁，因反复咳嗽十年入院，查体发现口唇发绀，诊断为慢性阻塞性肺疾病。"
            "\n问题：\n（1）护理诊断有哪些？\n（2）如何氧疗？")
    blocks = [b for b in segment.segment(text) if b.kind == "question"]
    assert len(blocks) == 1 and blocks[0].number is None and "（2）如何氧疗？" in blocks[0].text


def test_a_cut_right_after_the_next_number():
    blocks = segment.segment("1.甲？[答案]对2.乙？[答案]错3")
    assert [b.kind for b in blocks] == ["question", "question", "text"]


def test_spans_point_at_the_text():
    text = "一、选择题1.甲（）A.一B.二答案:A2.乙（）A.一B.二答案:B"
    for b in segment.segment(text):
        assert text[b.start:b.end] == b.text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=200))
def test_segment_never_raises_and_blocks_are_exact(text):
    for b in segment.segment(text):
        assert text[b.start:b.end] == b.text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET + list("客户服务的是和在")), max_size=300))
def test_every_character_is_accounted_for(text):
    """Nothing silently lost: blocks do not overlap, every non-space character
    is in one, and the manifest's accounting adds up to the text."""
    blocks = segment.segment(text)
    owner = {}
    for n, b in enumerate(blocks):
        for k in range(b.start, b.end):
            assert k not in owner
            owner[k] = n
    assert all(k in owner for k, ch in enumerate(text) if not ch.isspace())
    counts = segment.account(text, blocks)
    assert sum(counts.values()) == len(text) and min(counts.values()) >= 0
