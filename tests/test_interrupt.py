"""SIGKILL at any moment leaves the previous cleaned/ readable and valid."""
import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
from conftest import RAW, ROOT

from pipeline.schema import validate_path


def run(out, wait=True):
    cmd = [sys.executable, "-m", "pipeline", "ingest", "--raw", RAW, "--out", str(out), "--no-cache"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait:
        assert proc.wait() == 0
    return proc


def check_readable(out):
    assert not validate_path(str(out / "questions.jsonl"))
    assert pq.read_table(out / "questions.parquet").num_rows > 0
    json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in ("removed.jsonl", "quarantine.jsonl"):
        for line in (out / name).read_text(encoding="utf-8").splitlines():
            json.loads(line)


def processes_writing_to(out) -> list[int]:
    """Live processes whose command line names `out` (a killed run's orphaned workers)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(out).encode() in cmd and state != "Z":
            found.append(int(pid))
    return found


def test_killed_runs_leave_the_previous_output_valid(tmp_path):
    out = tmp_path / "cleaned"
    run(out)
    check_readable(out)
    started = time.perf_counter()
    run(tmp_path / "timing")
    full = time.perf_counter() - started
    # kill at spread-out moments of a run, including during the writes at the end
    for fraction in (0.2, 0.5, 0.8, 0.9, 0.95, 0.99):
        proc = run(out, wait=False)
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        check_readable(out)
        deadline = time.perf_counter() + 10
        while processes_writing_to(out) and time.perf_counter() < deadline:
            time.sleep(0.1)
        assert not processes_writing_to(out), "a killed run left worker processes behind"
        leftovers = [n for n in os.listdir(out) if n.endswith(".tmp") or n.startswith(".staging.")]
        assert len(leftovers) <= 1     # at most the one staging folder or file being written at the kill
    run(out)
    check_readable(out)
    assert not [n for n in os.listdir(out) if n.endswith(".tmp") or n.startswith(".staging.")]
