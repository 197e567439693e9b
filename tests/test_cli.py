"""The command line as a user meets it: mistakes are one line
(`tiku: WHAT: WHY`, exit 2) found before any work, Ctrl-C is one line and
exit 130, the previous output survives both, and tiku never reads its own
output as input."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import RAW, ROOT, digests

from pipeline.cli import main
from pipeline.model import PIPELINE_VERSION

EXAM = """一、单项选择题
1.{topic}工作的第一步是（）
A.了解需求 B.降低成本 C.扩大规模 D.减少人员
答案：A
二、判断题
2.{topic}只需要关注价格。（）
答案：×
"""


def write_exams(folder, topics=("客户服务", "市场营销")):
    os.makedirs(folder, exist_ok=True)
    for i, topic in enumerate(topics):
        with open(os.path.join(folder, f"exam{i}.txt"), "w", encoding="utf-8") as f:
            f.write(EXAM.format(topic=topic))


def tiku(*args, cwd=ROOT, **kw):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          **kw)


def one_line_error(capsys, argv, *expected):
    """main(argv) refuses with exit 2 and one line `tiku: …` naming what and why."""
    assert main(list(map(str, argv))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tiku: "), err
    for piece in expected:
        assert piece in err, err
    return err


@pytest.fixture
def exams(tmp_path):
    write_exams(tmp_path / "raw")
    return tmp_path / "raw"


@pytest.fixture
def ingested(exams, tmp_path):
    out = tmp_path / "cleaned"
    assert main(["ingest", "--raw", str(exams), "--out", str(out), "--workers", "1", "--no-cache"]) == 0
    return out


def test_version():
    res = tiku("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"tiku {PIPELINE_VERSION}"


@pytest.mark.parametrize("argv,expected", [
    (["ingest", "--workers", "-1"], ["--workers -1", "0 (all cores) or more"]),
    (["ingest", "--workers", "many"], ["--workers", "invalid int value"]),
    (["ingest", "--near-duplicates", "5"], ["--near-duplicates 5", "from 0.6 to 1"]),
    (["ingest", "--near-duplicates", "0"], ["--near-duplicates 0"]),
    (["ingest", "--engine", "spark"], ["--engine", "invalid choice"]),
    (["ingest", "--scheduler", "tcp://127.0.0.1:8786"], ["--scheduler", "needs --engine dask"]),
    (["export", "--format", "ceval", "--out", "x", "--types", "single_choise"],
     ["--types single_choise", "not a question type", "single_choice"]),
    (["export", "--format", "ceval", "--out", "x", "--name", "../../x"], ["--name ../../x", "plain name"]),
    (["export", "--format", "ceval", "--out", "x", "--name", ".hidden"], ["--name .hidden"]),
    (["export", "--format", "parquet", "--out", "x"], ["--format", "invalid choice"]),
    (["export", "--out", "x"], ["export", "required: --format"]),
    (["fetch", "urls.txt", "--rate", "0"], ["--rate 0", "more than 0"]),
    (["fetch", "urls.txt", "--retries", "-2"], ["--retries -2"]),
    (["fetch", "urls.txt", "--max-bytes", "-5"], ["--max-bytes -5"]),
    ([], ["required: command"]),
    (["frobnicate"], ["invalid choice: 'frobnicate'"]),
])
def test_bad_option_values_are_refused_in_one_line(capsys, argv, expected):
    one_line_error(capsys, argv, *expected)


def test_bad_places_are_refused_in_one_line_and_leave_the_output_alone(capsys, exams, ingested, tmp_path):
    capsys.readouterr()
    before = digests(ingested)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    cases = [
        (["ingest", "--raw", tmp_path / "nowhere", "--out", ingested], ["--raw", "no such file or folder"]),
        (["ingest", "--raw", exams, "--out", a_file], ["--out", "is a file, not a folder"]),
        (["ingest", "--raw", exams, "--out", a_file / "sub"], ["--out", "is a file, not a folder"]),
        (["ingest", "--raw", exams, "--out", exams], ["--out", "is the input folder"]),
        (["ingest", "--raw", ingested, "--out", tmp_path / "o"], ["--raw", "tiku's own output (manifest.json)"]),
        (["ingest", "--raw", exams, "--out", "s3://tiku-test-bucket/cleaned"], ["--out s3://", "s3fs"]),
        (["ingest", "--raw", exams, "--out", "nosuchprotocol://x/y"], ["--out nosuchprotocol://x/y"]),
        (["ingest", "--raw", "memory://nowhere/raw", "--out", "memory://nowhere/out"],
         ["--raw memory://nowhere/raw", "no such file or folder"]),
        (["ingest", "--raw", exams, "--out", tmp_path / "o", "--cache", a_file], ["--cache", "is a file"]),
        (["export", "--cleaned", ingested, "--format", "hf", "--out", a_file], ["--out", "is a file, not a folder"]),
        (["export", "--cleaned", tmp_path / "nothing", "--format", "hf", "--out", tmp_path / "e"],
         ["--cleaned", "run tiku ingest first"]),
        (["fetch", tmp_path / "nourls.txt", "--raw", exams], ["nourls.txt", "no such file"]),
        (["fetch", a_file, "--raw", a_file], ["--raw", "is a file, not a folder"]),
        (["validate", tmp_path / "nothing.jsonl"], ["no such file or folder"]),
    ]
    for argv, expected in cases:
        one_line_error(capsys, argv, *expected)
    assert digests(ingested) == before
    assert not (tmp_path / "o").exists() and not (tmp_path / "e").exists()


def test_an_output_folder_that_cannot_be_written_is_refused(capsys, exams, tmp_path):
    if os.geteuid() == 0:          # root writes through permission bits: use a read-only filesystem instead
        target = "/sys/tiku-test-out"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out"
    one_line_error(capsys, ["ingest", "--raw", exams, "--out", target], "--out", "cannot write in")


def test_an_unreachable_scheduler_is_one_line_without_waiting_for_dask(capsys, exams, tmp_path):
    import socket
    with socket.socket() as s:           # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    one_line_error(capsys, ["ingest", "--raw", exams, "--out", tmp_path / "o", "--engine", "dask", "--scheduler",
                            f"tcp://127.0.0.1:{port}"], "--scheduler", "cannot connect")
    one_line_error(capsys, ["ingest", "--raw", exams, "--out", tmp_path / "o", "--engine", "dask", "--scheduler",
                            "no-port-here"], "--scheduler", "tcp://HOST:PORT")


def test_a_single_file_as_raw_is_ingested_as_it_would_be_in_its_folder(exams, ingested, tmp_path):
    out = tmp_path / "one"
    assert main(["ingest", "--raw", str(exams / "exam1.txt"), "--out", str(out), "--workers", "1", "--no-cache"]) == 0
    alone = (out / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    in_folder = [line for line in (ingested / "questions.jsonl").read_text(encoding="utf-8").splitlines()
                 if json.loads(line)["source"]["path"] == "raw/exam1.txt"]
    assert alone and alone == in_folder


def test_outputs_and_caches_inside_the_input_folder_are_never_inputs(exams, tmp_path):
    args = ["ingest", "--raw", exams, "--out", exams / "out", "--cache", exams / "cache", "--workers", "1"]
    runs = [tiku(*args), tiku(*args)]
    for res in runs:
        assert res.returncode == 0, res.stderr
    assert "skipped raw/out/: this run's output" in runs[1].stderr
    assert "skipped raw/cache/: the cache" in runs[1].stderr
    first = digests(exams / "out")
    # an earlier output and an export moved aside, under other names: still tiku's, still skipped
    shutil.copytree(exams / "out", exams / "old-run")
    assert main(["export", "--cleaned", str(exams / "out"), "--format", "hf", "--out", str(exams / "hf")]) == 0
    third = tiku(*args[:-2], "--no-cache")
    assert third.returncode == 0, third.stderr
    assert "skipped raw/old-run/: tiku's own output (manifest.json)" in third.stderr
    assert "skipped raw/hf/: tiku's own output (export.json)" in third.stderr
    assert digests(exams / "out") == first
    paths = {json.loads(line)["source"]["path"] for line in (exams / "out" / "questions.jsonl").read_text().splitlines()}
    assert paths == {"raw/exam0.txt", "raw/exam1.txt"}
    assert os.path.exists(exams / "cache" / "CACHEDIR.TAG")


@pytest.mark.slow
def test_ctrl_c_is_one_line_exit_130_and_leaves_the_previous_output(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for copy in range(4):       # long enough to be interrupted in the middle
        for name in sorted(os.listdir(RAW)):
            shutil.copy(os.path.join(RAW, name), raw / f"{copy}_{name}")
    out = tmp_path / "cleaned"
    write_exams(tmp_path / "small")
    assert tiku("ingest", "--raw", tmp_path / "small", "--out", out, "--no-cache").returncode == 0
    before = digests(out)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "ingest", "--raw", str(raw), "--out", str(out),
                             "--no-cache", "--workers", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not [n for n in os.listdir(out) if n.startswith(".staging.")] and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)                  # documents in flight in the workers
    os.killpg(proc.pid, signal.SIGINT)    # what a terminal's Ctrl-C does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last == "tiku: ingest: interrupted; the previous output is left as it was", err
    assert digests(out) == before
    assert not [n for n in os.listdir(out) if n.startswith(".")], "no staging folder or temp file left"
