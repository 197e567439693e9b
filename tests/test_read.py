import os

import pytest
from conftest import RAW, load_cases

from pipeline import read

CASES = load_cases("read.json")


@pytest.mark.parametrize("case", CASES["encodings"], ids=[c["encoding"] + ":" + c["text"][6:12] for c in CASES["encodings"]])
def test_decode_picks_the_right_encoding(case):
    data = case["text"].encode(case["encoding"])
    text, encoding = read.decode(data)
    assert text.lstrip("\ufeff") == case["text"]
    assert encoding == case["expect"]


@pytest.mark.parametrize("case", CASES["unreadable"], ids=[c["reason"] for c in CASES["unreadable"]])
def test_unreadable_inputs_raise_with_a_reason(case):
    with pytest.raises(read.UnreadableInput) as e:
        read.decode(bytes.fromhex(case["hex"]) + (b"\x00" * 64 if case["hex"] else b""))
    assert case["reason"] in str(e.value)


def test_plausibility_prefers_chinese_over_mis_decoding():
    gbk = "客户服务与管理课后习题及答案".encode("gbk")
    right = read.plausibility(gbk.decode("gb18030"))
    wrong = read.plausibility(gbk.decode("big5", errors="replace"))
    assert right > wrong


def test_utf8_with_a_few_invalid_bytes_stays_utf8():
    data = "一、单选题\n1.客户服务的核心是（）".encode() + b"\xff\xfe" + "答案:B".encode()
    text, encoding = read.decode(data)
    assert encoding == "utf-8" and "答案:B" in text


@pytest.mark.parametrize("name,site", [
    ("000_e97ffe332d484277.txt", "book118"),
    ("002_9a0e689e843728b9.txt", "renrendoc"),
    ("003_ee5e6623f686b8b9.txt", "renrendoc"),
    ("004_981568a9ee9dad33.txt", "book118"),
])
def test_site_detected_from_markers(name, site):
    doc = read.read(read.load(os.path.join(RAW, name), RAW))
    assert doc.site == site
    assert doc.path == f"raw/{name}"


def test_site_from_url_wins():
    assert read.detect_site("无标记的正文", "https://max.book118.com/html/2025/1.shtm") == "book118"


def test_html_page_becomes_text_with_title_and_url():
    html = """<html><head><title>客户服务试题</title><link rel="canonical" href="https://www.renrendoc.com/p-1.html">
    <script>var x = "1.不是题目";</script><style>.a{}</style></head>
    <body><nav>首页 登录</nav><div id="contents"><p>一、单选题</p><p>1.题干（）<br>A.甲B.乙</p></div></body></html>"""
    text, title, url = read.html_to_text(html)
    assert title == "客户服务试题"
    assert url == "https://www.renrendoc.com/p-1.html"
    assert "一、单选题\n1.题干（）\nA.甲B.乙" in text
    assert "不是题目" not in text and "首页" not in text
