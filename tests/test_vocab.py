"""The vocabulary, walked table by table: every word the tables hold must work
in every form a page prints it, wherever the extraction meets it. Adding a
word to a table is one line; this test is what makes that line enough."""
import pytest

from pipeline import segment, vocab
from pipeline.link import build_records
from pipeline.model import Document, StageStats
from pipeline.normalize import normalize_text

BRACKETS = [f"{o}{{w}}{c}" for o, c in vocab.MARKER_BRACKETS]


def records(text):
    doc = Document(path="raw/vocab.txt", doc_id="0" * 16, sha256="0" * 64)
    doc.text = normalize_text(text, doc)
    return build_records(doc, segment.segment(doc.text), StageStats("link")), doc


def forms(words, bare=True):
    """Every way a marker word is printed: in each bracket pair, with a colon, alone on its line."""
    for w in words:
        for b in BRACKETS:
            yield w, b.format(w=w), False
        if bare and w not in vocab.BRACKET_ONLY_WORDS:
            yield w, f"{w}：", False
            yield w, f"{w}:", False
            yield w, f"{w}", True          # alone on its line


ANSWER_FORMS = list(forms(vocab.ANSWER_WORDS))


@pytest.mark.parametrize("word,marker,alone", ANSWER_FORMS, ids=[m for _, m, _ in ANSWER_FORMS])
def test_every_answer_marker_is_read_and_stripped(word, marker, alone):
    sep = "\n" if alone else ""
    recs, _ = records(f"一、单选题\n1.下列属于甲的是（）\nA.一\nB.二\n{marker}{sep}B")
    assert len(recs) == 1
    rec = recs[0]
    assert rec.answer["labels"] == ["B"], (marker, rec)
    assert word not in rec.stem and all(word not in o["text"] for o in rec.options), rec


EXPLANATION_FORMS = list(forms(vocab.EXPLANATION_WORDS))


@pytest.mark.parametrize("word,marker,alone", EXPLANATION_FORMS, ids=[m for _, m, _ in EXPLANATION_FORMS])
def test_every_explanation_marker_is_read_and_stripped(word, marker, alone):
    sep = "\n" if alone else ""
    recs, _ = records(f"一、单选题\n1.下列属于甲的是（）\nA.一\nB.二\n答案：B\n{marker}{sep}因为乙是二。")
    rec = recs[0]
    assert rec.explanation == "因为乙是二。", (marker, rec.explanation)
    assert rec.answer["labels"] == ["B"]
    assert word not in rec.stem and all(word not in o["text"] for o in rec.options)


@pytest.mark.parametrize("word", vocab.INFO_WORDS)
def test_info_labels_stay_out_of_explanations(word):
    recs, _ = records(f"一、单选题\n1.下列属于甲的是（）\nA.一\nB.二\n答案：B\n【解析】因为乙是二。【{word}】第三章")
    assert recs[0].explanation == "因为乙是二。"


@pytest.mark.parametrize("word", vocab.CONCLUSION_WORDS)
def test_every_conclusion_gives_the_answer(word):
    recs, _ = records(f"一、单选题\n1.下列属于甲的是（）\nA.一\nB.二\n解析：乙是二，{word}B。")
    assert recs[0].answer["labels"] == ["B"], word


SINGLE = [m for m in vocab.JUDGEMENTS if len(m) == 1 and m != "7"]


@pytest.mark.parametrize("mark", sorted(vocab.JUDGEMENTS))
def test_every_judgement_mark_inline(mark):
    value = vocab.JUDGEMENTS[mark][0]
    recs, _ = records(f"一、判断题\n1.甲是乙。（）\n答案：{mark}")
    assert recs[0].type == "true_false" and recs[0].answer["judgement"] is value, mark


@pytest.mark.parametrize("mark", sorted(vocab.JUDGEMENTS))
def test_every_judgement_mark_in_a_key(mark):
    value = vocab.JUDGEMENTS[mark][0]
    recs, _ = records(f"一、判断题\n1.甲是乙。（）\n2.丙是丁。（）\n答案：\n1.{mark} 2.{mark}")
    assert [r.answer["judgement"] for r in recs] == [value, value], mark


@pytest.mark.parametrize("mark", SINGLE)
def test_every_judgement_mark_in_a_range_key(mark):
    value = vocab.JUDGEMENTS[mark][0]
    recs, _ = records(f"一、判断题\n1.甲是乙。（）\n2.丙是丁。（）\n3.戊是己。（）\n答案：\n1-3 {mark}{mark}{mark}")
    assert [r.answer["judgement"] for r in recs] == [value] * 3, mark


@pytest.mark.parametrize("mark", vocab.BRACKET_JUDGEMENTS)
def test_every_bracket_judgement_after_a_stem(mark):
    value = vocab.judgement(mark)[0]
    recs, _ = records(f"一、判断题\n1.甲是乙。（{mark}）\n2.丙是丁。\n（{mark}）3.戊是己。（ {mark} ）")
    assert [r.answer["judgement"] for r in recs] == [value] * 3, mark
    assert all(r.stem.endswith("（）") for r in recs), [r.stem for r in recs]


SECTIONS = [(w, t) for w, t in vocab.SECTION_WORDS.items()]


def _expected(kind):
    return None if kind == "open" else kind


@pytest.mark.parametrize("word,kind", SECTIONS, ids=[w for w, _ in SECTIONS])
def test_every_section_word_on_its_own_line(word, kind):
    title = word if word.endswith("型") or word.endswith("题") else word + "题"
    blocks = segment.segment(f"试卷\n一、{title}\n1.甲是什么（）\n2.乙是什么（）")
    heads = [b for b in blocks if b.kind == "section"]
    assert len(heads) == 1 and heads[0].section_type == kind, (title, [(b.kind, b.title) for b in blocks])


@pytest.mark.parametrize("word,kind", SECTIONS, ids=[w for w, _ in SECTIONS])
def test_every_section_word_glued_in_a_one_line_page(word, kind):
    title = word if word.endswith("题") else word + "题"
    blocks = segment.segment(f"某某考试试题及答案一、{title}1.甲是什么（）2.乙是什么（）")
    heads = [b for b in blocks if b.kind == "section"]
    assert len(heads) == 1 and heads[0].section_type == kind, (title, [(b.kind, b.title) for b in blocks])
    assert [b.number for b in blocks if b.kind == "question"] == ["1", "2"]


@pytest.mark.parametrize("word", vocab.MODULE_WORDS)
def test_exam_modules_name_no_type(word):
    assert vocab.section_type(word) is None


@pytest.mark.parametrize("word", vocab.KEY_WORDS)
def test_every_key_heading(word):
    recs, _ = records(f"一、单选题\n1.甲属于（）\nA.一\nB.二\n2.乙属于（）\nA.一\nB.二\n{word}\n1.B 2.A")
    assert [r.answer["labels"] for r in recs] == [["B"], ["A"]], word
    assert all(r.answer_source == "answer_key" for r in recs)


@pytest.mark.parametrize("label,identity", [("第一章", "第1章"), ("专题二", "专题2"), ("项目三", "项目3"),
                                            ("模块四", "模块4"), ("单元五", "单元5"), ("第2卷", "第2卷"),
                                            ("模拟试卷（一）", "模拟试卷（1）"), ("第十二讲", "第12讲")])
def test_chapter_labels(label, identity):
    blocks = segment.segment(f"{label} 总论\n一、单选题\n1.甲属于（）\nA.一\nB.二")
    assert blocks[0].kind == "chapter" and blocks[0].chapter_label == identity, [(b.kind, b.title) for b in blocks]


@pytest.mark.parametrize("delim", vocab.OPTION_DELIMITERS)
def test_every_option_delimiter(delim):
    recs, _ = records(f"一、单选题\n1.甲属于（）\nA{delim}一  B{delim}二  C{delim}三\n答案：C")
    assert [o["text"] for o in recs[0].options] == ["一", "二", "三"] and recs[0].answer["labels"] == ["C"]
