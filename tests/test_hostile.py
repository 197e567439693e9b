"""A corpus of hostile inputs, generated here: every file ends as records or in
quarantine with a one-line reason, and the run never crashes."""
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from pipeline import run as run_module
from pipeline import storage

EXAM = ("一、单选题\n1.客户服务管理中,“首问负责制”的核心是（）\nA.将问题推给其他部门B.第一个接到问题的人负责到底\n"
        "C.尽量减少咨询D.使用简洁的语言\n答案:B\n解析:第一个接到问题的人负责到底。\n"
        "二、判断题\n1.客户服务知识库一旦建立就不需要更新。（）\n答案:错误\n")
EXAM_TRAD = ("一、單選題\n1.客戶服務管理中,“首問負責制”的核心是（）\nA.將問題推給其他部門B.第一個接到問題的人負責到底\n"
             "C.盡量減少諮詢D.使用簡潔的語言\n答案:B\n解析:第一個接到問題的人負責到底。\n"
             "二、判斷題\n1.客戶服務知識庫一旦建立就不需要更新。（）\n答案:錯誤\n")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    (raw / "nested" / "deeper").mkdir(parents=True)
    files = {
        "empty.txt": b"",
        "picture.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        "exam_utf8.txt": EXAM.encode("utf-8"),
        "exam_gbk.txt": EXAM.encode("gbk"),
        "exam_trad_utf8.txt": EXAM_TRAD.encode("utf-8"),
        "exam_big5.txt": EXAM_TRAD.replace("“", "「").replace("”", "」").encode("big5"),
        "exam_big5_twin.txt": EXAM_TRAD.replace("“", "「").replace("”", "」").encode("utf-8"),
        "exam_utf16.txt": EXAM.encode("utf-16"),
        "bad_utf8.txt": EXAM.encode("utf-8").replace("答案:B".encode(), b"\xff\xfe\xfd\xe4\xb8" + "答案:B".encode()),
        "scripts_only.html": b"<html><head><script>var a=1;</script><style>p{}</style></head>"
                             b"<body><script>x()</script></body></html>",
        "no_questions.txt": "这是一篇没有任何试题的说明文字。\n只是介绍课程安排。\n".encode(),
        "nested/deeper/exam.md": ("# 练习\n\n" + EXAM).encode(),
        "page.htm": ("<html><body><div id='contents'><p>" + EXAM.replace("\n", "<br>") + "</p></div></body></html>").encode(),
        "data.json": json.dumps({"title": "不是试卷", "items": [1, 2]}).encode(),
        "locked.txt": EXAM.encode(),
        "huge_line.txt": ("客户服务是企业的核心工作,需要耐心倾听客户的诉求并及时回应。" * 600_000).encode(),
    }
    for name, data in files.items():
        (raw / name).write_bytes(data)
    assert (raw / "huge_line.txt").stat().st_size >= 50_000_000
    os.symlink("..", raw / "nested" / "loop")               # a folder loop
    os.symlink("b.lnk", raw / "a.lnk")                      # a file loop
    os.symlink("a.lnk", raw / "b.lnk")
    os.chmod(raw / "locked.txt", 0)
    out = root / "out"
    real_open = open

    def no_permission(path, *args, **kwargs):   # root ignores chmod 0: refuse as the OS would
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    storage.open = no_permission     # where inputs are read
    try:
        log = open(root / "log.txt", "w")
        manifest = run_module.ingest(str(raw), str(out), log=log, workers=1)   # the patch lives in this process
        log.close()
    finally:
        del storage.open
    return raw, out, manifest, (root / "log.txt").read_text(encoding="utf-8")


def records_by_file(out):
    by = {}
    for line in (out / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        by.setdefault(r["source"]["path"].split("/", 1)[1], []).append(r)
    return by


def essence(records):
    return [(r["type"], r["stem"], r["options"], r["answer"], r["explanation"]) for r in records]


def test_every_input_is_accounted_for(hostile):
    raw, out, manifest, log = hostile
    inputs = {i["path"].split("/", 1)[1]: i for i in manifest["inputs"]}
    quarantine = [json.loads(line) for line in (out / "quarantine.jsonl").read_text(encoding="utf-8").splitlines()]
    quarantined = {q["path"].split("/", 1)[1] for q in quarantine}
    on_disk = set()
    for base, dirs, names in os.walk(raw):
        dirs[:] = [d for d in dirs if d != "loop"]
        on_disk |= {os.path.relpath(os.path.join(base, n), raw) for n in names}
    assert on_disk <= set(inputs) | quarantined
    for q in quarantine:
        assert q["reason"] and "\n" not in q["reason"]
    assert "Traceback" not in log


@pytest.mark.parametrize("name,reason", [
    ("empty.txt", "empty file"), ("picture.png", "binary"), ("scripts_only.html", "without visible text"),
    ("locked.txt", "Permission denied"), ("a.lnk", "cannot read file"),
])
def test_bad_inputs_are_quarantined_with_a_reason(hostile, name, reason):
    _, out, _, log = hostile
    quarantine = {json.loads(line)["path"].split("/", 1)[1]: json.loads(line)["reason"]
                  for line in (out / "quarantine.jsonl").read_text(encoding="utf-8").splitlines()}
    assert reason in quarantine[name]
    assert f"quarantined: raw/{name}: " in log


def test_folder_loop_is_reported(hostile):
    _, out, _, _ = hostile
    text = (out / "quarantine.jsonl").read_text(encoding="utf-8")
    assert "symlink loop" in text


@pytest.mark.parametrize("name,twin", [
    ("exam_gbk.txt", "exam_utf8.txt"), ("exam_utf16.txt", "exam_utf8.txt"), ("nested/deeper/exam.md", "exam_utf8.txt"),
    ("page.htm", "exam_utf8.txt"), ("exam_big5.txt", "exam_big5_twin.txt"), ("exam_trad_utf8.txt", "exam_utf8.txt"),
    ("bad_utf8.txt", "exam_utf8.txt"),
])
def test_encodings_and_formats_give_the_same_records(hostile, name, twin):
    _, out, _, _ = hostile
    by = records_by_file(out)
    assert len(by[name]) == 2
    assert essence(by[name]) == essence(by[twin])


def test_invalid_bytes_are_logged_not_kept(hostile):
    _, out, _, _ = hostile
    removed = [json.loads(line) for line in (out / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r["rule"] == "invalid_bytes" and r["path"].endswith("bad_utf8.txt") for r in removed)
    assert "\ufffd" not in (out / "questions.jsonl").read_text(encoding="utf-8")


def test_encodings_are_recorded(hostile):
    _, _, manifest, _ = hostile
    enc = {i["path"].split("/", 1)[1]: i["encoding"] for i in manifest["inputs"]}
    assert enc["exam_gbk.txt"] == "gb18030" and enc["exam_big5.txt"] == "big5" and enc["exam_utf16.txt"] == "utf-16"


def test_documents_without_questions_are_ok_with_no_records(hostile):
    _, _, manifest, _ = hostile
    inputs = {i["path"].split("/", 1)[1]: i for i in manifest["inputs"]}
    for name in ("no_questions.txt", "data.json", "huge_line.txt"):
        assert inputs[name]["status"] == "ok" and inputs[name]["records"] == 0


def test_cli_exit_status_and_summary(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_bytes(b"")
    (raw / "exam.txt").write_text(EXAM, encoding="utf-8")
    base = [sys.executable, "-m", "pipeline", "ingest", "--raw", str(raw), "--no-cache"]
    ok = subprocess.run(base + ["--out", str(tmp_path / "o1")], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and "1 documents ok, 1 quarantined" in ok.stderr
    strict = subprocess.run(base + ["--out", str(tmp_path / "o2"), "--strict"], cwd=ROOT, capture_output=True, text=True)
    assert strict.returncode == 1
