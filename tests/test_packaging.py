"""The project as a user gets it: a wheel, installed in a fresh environment
outside the repository, run from another folder, by the driver and by the
Dask scheduler and worker alike.

To stay fast the fresh venv has no pip and installs no dependencies: the
wheel goes in with this venv's pip (`pip --python`), and a .pth line lends it
the project venv's site-packages for the third-party libraries. The
project's own editable install is not lent (a .pth inside a lent folder is
not run), so `pipeline` can only come from the wheel.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile

import pytest
from conftest import ROOT, digests

from pipeline.cache import package_files
from pipeline.model import PIPELINE_VERSION

EXAM = """一、单项选择题
1.{topic}的首要任务是（）
A.了解需求 B.降低成本 C.扩大规模 D.减少人员
答案：A
2.下列属于{topic}基本原则的是（）
A.随意处理 B.以客户为中心 C.拖延回复 D.推卸责任
答案：B
二、判断题
3.{topic}只需要关注价格。（）
答案：×
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> str:
    """The wheel built from a copy of the sources (building in the checkout would leave build/ behind)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(os.path.join(ROOT, "pipeline"), src / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(os.path.join(ROOT, name), src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(tmp / "dist"), str(src)], check=True, capture_output=True)
    (found,) = (tmp / "dist").iterdir()
    return str(found)


def test_the_wheel_holds_every_file_of_the_package(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = z.read(meta).decode()
        entry_points = z.read(meta.replace("METADATA", "entry_points.txt")).decode()
    missing = [f for f in package_files() if "pipeline/" + f.replace(os.sep, "/") not in names]
    assert not missing, f"add their patterns to [tool.setuptools.package-data] in pyproject.toml: {missing}"
    assert "pipeline/schemas/question.schema.json" in names
    assert f"\nVersion: {PIPELINE_VERSION}\n" in metadata
    assert "tiku = pipeline.cli:main" in entry_points


def fresh_venv(tmp, wheel) -> str:
    """A venv outside the repository with the wheel installed; returns its bin folder."""
    venv = tmp / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps",
                    "--no-index", wheel], check=True, capture_output=True)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    lent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    with open(os.path.join(site, "project-dependencies.pth"), "w") as f:
        f.write("\n".join(sorted(lent)) + "\n")
    return str(venv / "bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port} after {seconds}s")


@pytest.mark.slow
def test_installed_wheel_ingests_and_validates_from_another_folder_and_on_a_dask_cluster(wheel, tmp_path):
    bin_dir = fresh_venv(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "exams").mkdir(parents=True)
    for i, topic in enumerate(["客户服务", "市场营销", "人力资源"]):
        (elsewhere / "exams" / f"{i}.txt").write_text(EXAM.format(topic=topic), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

    def tiku(*args):
        return subprocess.run([os.path.join(bin_dir, "tiku"), *args], cwd=elsewhere, env=env, capture_output=True,
                              text=True, timeout=300)

    where = subprocess.run([os.path.join(bin_dir, "python"), "-c", "import pipeline; print(pipeline.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(tmp_path / "venv")), where
    assert tiku("--version").stdout.strip() == f"tiku {PIPELINE_VERSION}"

    done = tiku("ingest", "--raw", "exams", "--out", "cleaned", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "quarantined:" not in done.stderr, done.stderr
    lines = (elsewhere / "cleaned" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 9 and json.loads(lines[0])["answer"]["labels"] == ["A"]
    checked = tiku("validate", "cleaned")
    assert checked.returncode == 0 and "9 records" in checked.stderr, checked.stderr

    # a scheduler and a worker started from the same install, in a folder of their own: nothing else needed
    port = free_port()
    cluster = [subprocess.Popen([os.path.join(bin_dir, "python"), "-m", f"distributed.cli.{cmd}", *args],
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for cmd, args in [("dask_scheduler", ["--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]),
                                 ("dask_worker", [f"tcp://127.0.0.1:{port}", "--nworkers", "1", "--nthreads", "1",
                                                  "--no-dashboard"])]]
    try:
        wait_for_port(port, 60)
        on_dask = tiku("ingest", "--raw", "exams", "--out", "on-dask", "--no-cache", "--engine", "dask",
                       "--scheduler", f"tcp://127.0.0.1:{port}")
    finally:
        for proc in cluster:
            proc.terminate()
        for proc in cluster:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert on_dask.returncode == 0, on_dask.stderr
    assert digests(elsewhere / "on-dask") == digests(elsewhere / "cleaned")
