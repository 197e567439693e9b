"""Lint is part of the build: ruff, pinned in the test lock, with rules E, F,
W and I over the code and tests, run by CI and here."""
import os
import subprocess
import sys
import tomllib

from conftest import ROOT


def test_ruff_is_pinned_selects_e_f_w_i_and_ci_runs_it():
    with open(os.path.join(ROOT, "requirements-test.lock"), encoding="utf-8") as f:
        pins = dict(line.strip().split("==") for line in f if "==" in line)
    assert "ruff" in pins
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        selected = tomllib.load(f)["tool"]["ruff"]["lint"]["select"]
    assert {"E", "F", "W", "I"} <= set(selected)
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        assert "make lint" in f.read()
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        assert "ruff check pipeline tests bench" in f.read()


def test_ruff_check_passes():
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "pipeline", "tests", "bench"], cwd=ROOT,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:]
