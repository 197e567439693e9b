"""Benchmarks: `make bench`. Timings live here, never in tests.

Builds a synthetic corpus from raw/ (documents replicated with
perturbations: renumbered, questions shuffled within their section, a share
converted to traditional characters with pinyin glosses, a share re-encoded
to GBK), then measures on the same bytes:

  (a) a bare OpenCC t2s pass over the decoded text,
  (b) the full pipeline in one process,
  (c) the full pipeline on all cores,
  (d) a warm incremental re-run,

and prints MB/s for each, peak RSS, and the lines
ratio_pipeline_vs_opencc=, speedup_all_cores=, cores=, peak_rss_mb=.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import opencc  # noqa: E402

from pipeline.read import decode  # noqa: E402

# A few glosses of the kind the sharing sites add after characters.
GLOSSES = {"服": "fú", "务": "wù", "权": "quán", "内": "nèi", "进": "jìn", "调": "diào", "为": "wèi", "个": "gè",
           "的": "de", "行": "xíng", "长": "zhǎng", "重": "zhòng", "说": "shuō", "应": "yīng"}
S2T = opencc.OpenCC("s2t")
NUMBERED = re.compile(r"(?m)^(\d{1,3})([.、．])")


def perturb(text: str, k: int, rng: random.Random) -> tuple[bytes, str]:
    """One variant of a document, and how it was made."""
    # renumber: shift every question number by a constant, as another edition would
    shift = rng.randint(0, 3)
    text = NUMBERED.sub(lambda m: f"{int(m[1]) + shift}{m[2]}", text) if shift else text
    # shuffle the lines inside a random window (questions in another order)
    lines = text.split("\n")
    if len(lines) > 20:
        a = rng.randrange(0, len(lines) - 10)
        window = lines[a:a + 10]
        rng.shuffle(window)
        lines[a:a + 10] = window
    text = "\n".join(lines) + f"\n副本{k}\n"
    kind = k % 4
    if kind == 1:   # traditional with pinyin glosses
        trad = S2T.convert(text)
        for simp, py in GLOSSES.items():
            char = S2T.convert(simp)
            trad = trad.replace(char, f"{char}({py})")
        return trad.encode("utf-8"), "traditional+glosses"
    if kind == 2:   # GBK bytes
        return text.encode("gbk", errors="replace"), "gbk"
    return text.encode("utf-8"), "utf-8"


def build_corpus(raw: str, dest: str, target_mb: float, seed: int = 1) -> int:
    rng = random.Random(seed)
    os.makedirs(dest, exist_ok=True)
    sources = []
    for name in sorted(os.listdir(raw)):
        if not name.startswith("."):
            with open(os.path.join(raw, name), "rb") as f:
                sources.append((name, decode(f.read())[0]))
    total, k = 0, 0
    while total < target_mb * 1e6:
        name, text = sources[k % len(sources)]
        data, _ = perturb(text, k, rng)
        stem, ext = os.path.splitext(name)
        sub = os.path.join(dest, f"{k // 1000:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"{stem}_{k:06d}{ext}"), "wb") as f:
            f.write(data)
        total += len(data)
        k += 1
    return total


def opencc_pass(corpus: str) -> tuple[float, int]:
    """(seconds, bytes) for decoding every file and one OpenCC t2s pass."""
    conv = opencc.OpenCC("t2s")
    texts, size = [], 0
    for base, _, names in os.walk(corpus):
        for n in sorted(names):
            with open(os.path.join(base, n), "rb") as f:
                data = f.read()
            size += len(data)
            texts.append(decode(data)[0])
    started = time.perf_counter()
    for t in texts:
        conv.convert(t)
    return time.perf_counter() - started, size


def run_ingest(corpus: str, out: str, *extra: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of `python -m pipeline ingest` in its own
    process, so each run's memory is measured alone (the pool's worker
    processes are its children: ru_maxrss is the largest of them all)."""
    cmd = [sys.executable, "-m", "pipeline", "ingest", "--raw", corpus, "--out", out, *extra]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"bench: {' '.join(cmd)} failed with exit code {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0, help="corpus size to generate (MB)")
    ap.add_argument("--memory-mb", type=float, default=0,
                    help="also run all cores on a corpus this large (e.g. 300) and print its peak RSS")
    ap.add_argument("--keep", help="keep the corpus and outputs in this folder")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="tiku-bench-")
    cores = os.cpu_count() or 1
    try:
        corpus = os.path.join(work, "raw")
        if not os.path.isdir(corpus):
            build_corpus(os.path.join(ROOT, "raw"), corpus, args.mb)
        a, size = opencc_pass(corpus)
        mb = size / 1e6
        print(f"corpus_mb={mb:.1f}", flush=True)
        print(f"opencc_t2s_seconds={a:.2f} opencc_mb_per_s={mb / a:.2f}", flush=True)
        cache = os.path.join(work, "cache")
        shutil.rmtree(cache, ignore_errors=True)
        b, rss_b = run_ingest(corpus, os.path.join(work, "one"), "--no-cache", "--workers", "1")
        print(f"pipeline_one_process_seconds={b:.2f} mb_per_s={mb / b:.2f} rss_mb={rss_b:.0f}", flush=True)
        c, rss_c = run_ingest(corpus, os.path.join(work, "all"), "--cache", cache, "--workers", str(cores))
        print(f"pipeline_all_cores_seconds={c:.2f} mb_per_s={mb / c:.2f} rss_mb={rss_c:.0f}", flush=True)
        d, rss_d = run_ingest(corpus, os.path.join(work, "warm"), "--cache", cache, "--workers", str(cores))
        print(f"warm_rerun_seconds={d:.2f} mb_per_s={mb / d:.2f} rss_mb={rss_d:.0f}", flush=True)
        print(f"ratio_pipeline_vs_opencc={a / b:.4f}")
        print(f"speedup_all_cores={b / c:.2f}")
        print(f"warm_speedup={c / d:.1f}")
        print(f"cores={cores}")
        print(f"peak_rss_mb={max(rss_b, rss_c, rss_d):.0f}")
        if args.memory_mb:
            big = os.path.join(work, "raw_big")
            if not os.path.isdir(big):
                build_corpus(os.path.join(ROOT, "raw"), big, args.memory_mb)
            e, rss_e = run_ingest(big, os.path.join(work, "big"), "--no-cache", "--workers", str(cores))
            print(f"memory_check_mb={args.memory_mb:.0f} seconds={e:.2f} peak_rss_mb={rss_e:.0f} "
                  f"vs_{mb:.0f}mb={rss_e / rss_c:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
