"""Benchmarks: `make bench`. Timings live here, never in tests.

The corpus is what users feed the pipeline: the seed documents (raw/) mixed
with the development set's text and HTML documents (../shared/dev/raw, when
present), copied until the corpus has the size asked for, each copy made
unique (questions renumbered, a window of lines shuffled, a line of its own;
a share of the simplified texts converted to traditional with pinyin glosses,
a share re-encoded to GBK). Each copy is filed by document class: clean
(simplified, no mojibake), traditional (with glosses), mojibake (bears GBK
mojibake runs) and html (saved pages).

Measured side by side on the same bytes, each ingest in its own process (so
its peak memory is its own; CPU seconds include its workers):

  opencc        a bare OpenCC t2s pass over the decoded texts
  one_process   the pipeline, --workers 1, cold (no cache)
  mojibake_free the same, on the clean, traditional and html documents only
  all_cores     the pipeline on every core, cold, filling a cache
  warm          the same again, from that cache
  by class      each document class alone, per stage, in this process
  by size       documents of 10 KB to 20 MB (concatenated copies), per stage
  memory        all cores on a corpus three times larger: peak RSS

Summary lines: ratio_pipeline_vs_opencc= (one process, wall clock),
ratio_mojibake_free=, speedup_all_cores=, warm_speedup=, cores=,
peak_rss_mb=, memory_ratio=, size_flatness= (slowest over fastest seconds
per MB across document sizes).
"""
from __future__ import annotations

import argparse
import json
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

from pipeline.formats.html import HTML_EXTENSIONS  # noqa: E402
from pipeline.read import decode  # noqa: E402
from pipeline.run import process_document  # noqa: E402
from pipeline.stages import STAGES  # noqa: E402

DEV_RAW = os.path.join(os.path.dirname(ROOT), "shared", "dev", "raw")
CLASSES = ("clean", "traditional", "mojibake", "html")
MOJIBAKE_FREE = ("clean", "traditional", "html")
SIZES = {"10kb": 10_000, "100kb": 100_000, "1mb": 1_000_000, "20mb": 20_000_000}
# A few glosses of the kind the sharing sites add after characters.
GLOSSES = {"服": "fú", "务": "wù", "权": "quán", "内": "nèi", "进": "jìn", "调": "diào", "为": "wèi", "个": "gè",
           "的": "de", "行": "xíng", "长": "zhǎng", "重": "zhòng", "说": "shuō", "应": "yīng"}
S2T = opencc.OpenCC("s2t")
T2S = opencc.OpenCC("t2s")
NUMBERED = re.compile(r"(?m)^(\d{1,3})([.、．])")


# --- the corpus -------------------------------------------------------------------

class Source:
    def __init__(self, name: str, data: bytes):
        self.name, self.data = name, data
        self.ext = os.path.splitext(name)[1].lower()
        self.text = decode(data)[0]
        result = process_document("raw/" + name, data)
        han = re.findall(r"[\u4e00-\u9fff]", self.text[:20_000])
        simplified = T2S.convert("".join(han))
        traditional = sum(a != b for a, b in zip(han, simplified)) > 0.03 * max(1, len(han))
        self.kind = ("html" if self.ext in HTML_EXTENSIONS else "mojibake" if result.doc.mojibake_runs
                     else "traditional" if traditional else "clean")


def sources() -> list[Source]:
    found = []
    for folder in (os.path.join(ROOT, "raw"), DEV_RAW):
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            ext = os.path.splitext(name)[1].lower()
            if name.startswith(".") or ext not in (".txt", ".html", ".htm"):
                continue
            with open(os.path.join(folder, name), "rb") as f:
                found.append(Source(name, f.read()))
    return found


def perturb(src: Source, k: int, rng: random.Random) -> tuple[bytes, str]:
    """Copy k of a source, made unique, and its document class."""
    if src.kind == "html":          # a page keeps its markup: one more paragraph of its own
        marker = f"<p>副本{k}</p>".encode()
        at = src.data.rfind(b"</body>")
        return (src.data[:at] + marker + src.data[at:] if at >= 0 else src.data + marker), "html"
    text = src.text
    shift = rng.randint(0, 3)        # renumbered, as another edition would be
    text = NUMBERED.sub(lambda m: f"{int(m[1]) + shift}{m[2]}", text) if shift else text
    lines = text.split("\n")
    if len(lines) > 20:              # questions in another order
        a = rng.randrange(0, len(lines) - 10)
        window = lines[a:a + 10]
        rng.shuffle(window)
        lines[a:a + 10] = window
    text = "\n".join(lines) + f"\n副本{k}\n"
    variant = k % 4
    if variant == 1 and src.kind == "clean":       # traditional with pinyin glosses
        trad = S2T.convert(text)
        for simp, py in GLOSSES.items():
            char = S2T.convert(simp)
            trad = trad.replace(char, f"{char}({py})")
        return trad.encode("utf-8"), "traditional"
    if variant == 2:                                 # GBK bytes, where GBK can say it all
        try:
            return text.encode("gbk"), src.kind
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8"), src.kind


def build_corpus(srcs: list[Source], dest: str, target_mb: float, seed: int = 1) -> dict[str, int]:
    """raw/<class>/<batch>/<name>_<k>: bytes written per class."""
    rng = random.Random(seed)
    written = dict.fromkeys(CLASSES, 0)
    total, k = 0, 0
    while total < target_mb * 1e6:
        src = srcs[k % len(srcs)]
        data, kind = perturb(src, k, rng)
        folder = os.path.join(dest, kind, f"{k // 1000:03d}")
        os.makedirs(folder, exist_ok=True)
        stem, ext = os.path.splitext(src.name)
        with open(os.path.join(folder, f"{stem}_{k:06d}{ext}"), "wb") as f:
            f.write(data)
        written[kind] += len(data)
        total += len(data)
        k += 1
    return written


def build_sizes(srcs: list[Source], dest: str, total_mb: float, max_mb: float, seed: int = 2) -> None:
    """sizes/<size>/doc_<n>.txt: text documents of one size each, made of
    copies of the text sources one after another, total_mb (at least one
    document) per size."""
    rng = random.Random(seed)
    texts = [s for s in srcs if s.kind != "html"]
    k = 0
    for label, size in SIZES.items():
        if size > max_mb * 1e6:
            continue
        folder = os.path.join(dest, label)
        os.makedirs(folder, exist_ok=True)
        written, n = 0, 0
        while written < max(size, total_mb * 1e6):
            parts, length = [], 0
            while length < size:
                data, _ = perturb(texts[k % len(texts)], k, rng)
                piece = decode(data)[0]
                parts.append(piece)
                length += len(piece.encode("utf-8"))
                k += 1
            data = "\n".join(parts).encode("utf-8")
            with open(os.path.join(folder, f"doc_{n:05d}.txt"), "wb") as f:
                f.write(data)
            written += len(data)
            n += 1


def subset(corpus: str, dest: str, classes) -> None:
    """A corpus of some classes only, by symbolic links."""
    os.makedirs(dest, exist_ok=True)
    for kind in classes:
        if os.path.isdir(os.path.join(corpus, kind)) and not os.path.exists(os.path.join(dest, kind)):
            os.symlink(os.path.join(corpus, kind), os.path.join(dest, kind))


def files_of(folder: str) -> list[str]:
    out = []
    for base, _, names in os.walk(folder, followlinks=True):
        out += [os.path.join(base, n) for n in sorted(names)]
    return sorted(out)


# --- measurements -------------------------------------------------------------------

def opencc_pass(folder: str) -> tuple[float, int]:
    """(seconds, bytes) of one OpenCC t2s pass over every decoded file (decoding not timed)."""
    texts, size = [], 0
    for path in files_of(folder):
        with open(path, "rb") as f:
            data = f.read()
        size += len(data)
        texts.append(decode(data)[0])
    started = time.perf_counter()
    for t in texts:
        T2S.convert(t)
    return time.perf_counter() - started, size


CODE = ROOT      # the checkout whose pipeline is run (--code: compare with another one)


def run_ingest(corpus: str, out: str, *extra: str) -> dict:
    """`python -m pipeline ingest` in its own process: wall and CPU seconds
    (its workers included), peak RSS (the largest process), its manifest."""
    cmd = [sys.executable, "-m", "pipeline", "ingest", "--raw", corpus, "--out", out, *extra]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=CODE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):     # 1: something quarantined under --strict, or no records: still measured
        raise SystemExit(f"bench: {' '.join(cmd)} failed with exit code {code}\n{err[-2000:]}")
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    manifest.pop("inputs", None)
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "manifest": manifest}


def in_process(paths: list[str]) -> tuple[float, dict[str, float], int, float]:
    """(seconds, seconds by stage, bytes, OpenCC seconds) of the per-document
    stages over these files in this process, after one warm-up document."""
    data = []
    for p in paths:
        with open(p, "rb") as f:
            data.append((os.path.basename(p), f.read()))
    if data:
        process_document("raw/" + data[0][0], data[0][1])
    by_stage = {stage.name: 0.0 for stage in STAGES}
    started = time.perf_counter()
    for name, blob in data:
        for stage, st in process_document("raw/" + name, blob).stats.items():
            by_stage[stage] += st.seconds
    seconds = time.perf_counter() - started
    texts = [decode(blob)[0] for _, blob in data]
    t = time.perf_counter()
    for text in texts:
        T2S.convert(text)
    return seconds, by_stage, sum(len(b) for _, b in data), time.perf_counter() - t


def say(**values) -> None:
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()), flush=True)


def stage_line(prefix: str, timings: dict[str, float], mb: float) -> None:
    """Seconds per MB for each stage or sink."""
    say(**{f"{prefix}_s_per_mb_{k}": v / mb for k, v in timings.items() if k != "total" and mb})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=100.0, help="corpus size (MB)")
    ap.add_argument("--memory-mb", type=float, default=0, help="also run all cores on a corpus this large (e.g. 300)")
    ap.add_argument("--size-mb", type=float, default=20.0,
                    help="MB of documents of each size (10 KB … 20 MB) for the linearity check; 0: skip it")
    ap.add_argument("--max-doc-mb", type=float, default=20.0, help="largest document size in the linearity check")
    ap.add_argument("--class-mb", type=float, default=5.0, help="MB of each document class timed in this process")
    ap.add_argument("--keep", help="keep the corpus and outputs in this folder (and reuse a corpus found there)")
    ap.add_argument("--code", help="run the ingests of another checkout of tiku (a before/after comparison); "
                                   "the in-process class timings are this checkout's")
    args = ap.parse_args()
    global CODE
    CODE = os.path.abspath(args.code) if args.code else ROOT
    work = args.keep or tempfile.mkdtemp(prefix="tiku-bench-")
    cores = os.cpu_count() or 1
    try:
        srcs = sources()
        say(sources=len(srcs), **{f"sources_{k}": sum(s.kind == k for s in srcs) for k in CLASSES})
        corpus = os.path.join(work, "raw")
        if not os.path.isdir(corpus):
            written = build_corpus(srcs, corpus, args.mb)
            say(**{f"corpus_mb_{k}": v / 1e6 for k, v in written.items()})
        free = os.path.join(work, "raw_mojibake_free")
        subset(corpus, free, MOJIBAKE_FREE)

        a, size = opencc_pass(corpus)
        mb = size / 1e6
        say(corpus_mb=mb, documents=len(files_of(corpus)), opencc_seconds=a, opencc_mb_per_s=mb / a)
        one = run_ingest(corpus, os.path.join(work, "one"), "--no-cache", "--workers", "1")
        say(one_process_seconds=one["seconds"], cpu_seconds=one["cpu"], mb_per_s=mb / one["seconds"],
            rss_mb=one["rss_mb"], records=one["manifest"]["records"]["total"])
        stage_line("one_process", one["manifest"]["timings"], mb)

        a_free, size_free = opencc_pass(free)
        mb_free = size_free / 1e6
        free_run = run_ingest(free, os.path.join(work, "free"), "--no-cache", "--workers", "1")
        say(mojibake_free_mb=mb_free, opencc_seconds=a_free, one_process_seconds=free_run["seconds"],
            cpu_seconds=free_run["cpu"], mb_per_s=mb_free / free_run["seconds"])

        cache = os.path.join(work, "cache")
        shutil.rmtree(cache, ignore_errors=True)
        cold = run_ingest(corpus, os.path.join(work, "all"), "--cache", cache, "--workers", str(cores))
        say(all_cores_seconds=cold["seconds"], cpu_seconds=cold["cpu"], mb_per_s=mb / cold["seconds"],
            rss_mb=cold["rss_mb"])
        warm = run_ingest(corpus, os.path.join(work, "warm"), "--cache", cache, "--workers", str(cores))
        say(warm_seconds=warm["seconds"], cpu_seconds=warm["cpu"], mb_per_s=mb / warm["seconds"], rss_mb=warm["rss_mb"])
        stage_line("warm", warm["manifest"]["timings"], mb)

        for kind in CLASSES:
            paths, taken = [], 0
            for p in files_of(os.path.join(corpus, kind)):
                if taken >= args.class_mb * 1e6:
                    break
                paths.append(p)
                taken += os.path.getsize(p)
            if not paths:
                continue
            seconds, by_stage, nbytes, occ = in_process(paths)
            say(**{"class": kind, "mb": nbytes / 1e6, "mb_per_s": nbytes / 1e6 / seconds,
                   "ratio_vs_opencc": occ / seconds})
            stage_line(f"class_{kind}", by_stage, nbytes / 1e6)

        flat = []
        if args.size_mb:
            sizes = os.path.join(work, "sizes")
            if not os.path.isdir(sizes):
                build_sizes(srcs, sizes, args.size_mb, args.max_doc_mb)
            for label in SIZES:
                folder = os.path.join(sizes, label)
                if not os.path.isdir(folder):
                    continue
                run = run_ingest(folder, os.path.join(work, f"size_{label}"), "--no-cache", "--workers", "1")
                size_mb = sum(os.path.getsize(p) for p in files_of(folder)) / 1e6
                stages = {k: v for k, v in run["manifest"]["timings"].items() if k != "total"}
                per_mb = sum(stages.values()) / size_mb
                flat.append(per_mb)
                say(size=label, documents=len(files_of(folder)), mb=size_mb, seconds=run["seconds"],
                    s_per_mb=per_mb, rss_mb=run["rss_mb"])
                stage_line(f"size_{label}", stages, size_mb)

        print(f"ratio_pipeline_vs_opencc={a / one['seconds']:.4f}")
        print(f"ratio_pipeline_vs_opencc_cpu={a / one['cpu']:.4f}")
        print(f"ratio_mojibake_free={a_free / free_run['seconds']:.4f}")
        print(f"speedup_all_cores={one['seconds'] / cold['seconds']:.2f}")
        print(f"warm_speedup={cold['seconds'] / warm['seconds']:.1f}")
        print(f"cores={cores}")
        print(f"peak_rss_mb={max(one['rss_mb'], cold['rss_mb'], warm['rss_mb']):.0f}")
        if flat:
            print(f"size_flatness={max(flat) / min(flat):.2f}")
        if args.memory_mb:
            big = os.path.join(work, "raw_big")
            if not os.path.isdir(big):
                build_corpus(srcs, big, args.memory_mb, seed=3)
            mem = run_ingest(big, os.path.join(work, "big"), "--no-cache", "--workers", str(cores))
            say(memory_check_mb=args.memory_mb, seconds=mem["seconds"], peak_rss_mb=mem["rss_mb"])
            print(f"memory_ratio={mem['rss_mb'] / cold['rss_mb']:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
