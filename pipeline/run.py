"""The runner: per-document stages on an engine, results streamed through
the corpus-side sinks.

    read → clean → normalize → segment → link → validate → fingerprint   (stages.STAGES, per document, on an engine)
    dedupe → manifest → report → write                                     (sinks, in input order, then commit)

The runner times every stage and sink, counts what each kept and dropped,
and handles errors in one place: bad input (model.BadInput) quarantines the
document with a one-line reason; any other exception is a bug in the
pipeline, reported as an internal error with its traceback in
internal-errors.log. Either way the run goes on with the other documents.
"""
from __future__ import annotations

import os
import posixpath
import sys
import time
import traceback
from dataclasses import dataclass

from . import formats, read, report, storage, write
from .cache import CACHEDIR_SIGNATURE, DocCache
from .dedupe import DEFAULT_THRESHOLD, Deduper
from .engine import run as engine_run
from .formats import pairs
from .manifest import Manifest
from .model import BadInput, DocResult, Document, StageStats
from .progress import Progress
from .stages import STAGES, TEXT_STAGES

SKIP_NAMES = {"fetch-log.jsonl"}
# a folder holding one of these files (with this text in its first 4 KB) is
# tiku's own output, cache or export: never read as exam documents
OUTPUT_MARKERS = {"manifest.json": b'"code_fingerprint"', "export.json": b'"left_out"',
                  "CACHEDIR.TAG": CACHEDIR_SIGNATURE}


def written_by_tiku(folder: str) -> str | None:
    """The marker file that makes `folder` tiku's own output, or None."""
    for name, mark in OUTPUT_MARKERS.items():
        try:
            with open(os.path.join(folder, name), "rb") as f:
                if mark in f.read(4096):
                    return name
        except OSError:
            continue
    return None


def discover(root: str, skip: dict[str, str] | None = None, log=None) -> tuple[list[str], list[dict]]:
    """Input files under root (sorted, symlink loops and unreadable dirs
    reported). Folders in `skip` (this run's output and cache, each with
    what it is) and folders tiku wrote are left out, each said once on `log`."""
    files, problems = [], []
    seen_dirs = set()
    skip_real = {os.path.realpath(p): what for p, what in (skip or {}).items()}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=lambda e: problems.append(
            {"path": e.filename, "reason": f"cannot list folder: {e.strerror}"})):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            dirnames[:] = []
            problems.append({"path": dirpath, "reason": "symlink loop, folder skipped"})
            continue
        seen_dirs.add(real)
        if dirpath != root:
            marker = written_by_tiku(dirpath)
            why = skip_real.get(real) or (marker and f"tiku's own output ({marker})")
            if why:
                dirnames[:] = []
                if log is not None:
                    print(f"ingest: skipped {storage.relative(dirpath, root)}/: {why}", file=log)
                continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name in SKIP_NAMES:
                continue
            files.append(os.path.join(dirpath, name))
    return sorted(files), problems


def one_line(text: str) -> str:
    return " ".join(text.split())


def process_document(rel_path: str, data: bytes, answers: formats.Reading | None = None,
                     questions: bool = True) -> DocResult:
    """Every per-document stage over one input: bytes in, records and stats out. Pure.
    `answers`: the text of the paper's answer file, read with it (formats/pairs.py);
    `questions=False`: the text stages only (an answer file read with its paper)."""
    doc = read.document(rel_path, data)
    doc.answers = answers
    stages = STAGES if questions else TEXT_STAGES
    stats = {stage.name: StageStats(stage.name) for stage in stages}
    for stage in stages:
        st = stats[stage.name]
        started = time.perf_counter()
        try:
            stage(doc, st)
        except BadInput as e:                 # the input's fault: quarantined, with the reason
            doc.error = one_line(str(e))
            st.dropped[doc.error.split(" (")[0].split(": ")[0]] += 1
        except Exception as e:                # a bug: reported apart, with its traceback
            doc.error = one_line(f"internal error in pipeline ({stage.name}): {type(e).__name__}: {e}")
            doc.internal_error = traceback.format_exc()
            doc.records = []
            st.dropped["internal_error"] += 1
        finally:
            st.seconds += time.perf_counter() - started
        if doc.error:
            break
    doc.release()
    return DocResult(doc, stats)


def unreadable(rel_path: str, reason: str) -> DocResult:
    return DocResult(Document(path=rel_path, doc_id="", sha256="", error=reason),
                     stats={stage.name: StageStats(stage.name) for stage in STAGES})


@dataclass(frozen=True)
class Task:
    """One input for a worker: where to read it, its name in the output, the cache."""
    url: str                 # local path or fsspec URL
    rel: str                 # source path, "raw/…"
    size: int
    cache_dir: str | None = None
    pair: tuple[str, str, str] | None = None   # ("paper" | "answers", the other file's url, its rel): formats/pairs.py


def process_input(task: Task) -> DocResult:
    """Read one input and run the per-document stages, or take their result
    from the cache. Runs in a worker."""
    try:
        data = storage.read_bytes(task.url)
    except OSError as e:
        result = unreadable(task.rel, f"cannot read file: {one_line(str(e.strerror or e))}")
    except Exception as e:   # a remote store's own errors
        result = unreadable(task.rel, f"cannot read file: {type(e).__name__}: {one_line(str(e))}")
    else:
        result = _process(task, data)
        result.size = len(data)
    result.url = task.url
    return result


def _process(task: Task, data: bytes) -> DocResult:
    """One input's result: from the cache, or the stages (a paper with its answer file: pairs.py)."""
    companion = b""
    if task.pair:           # a paper and its answer file are read together
        try:
            companion = storage.read_bytes(task.pair[1])
        except Exception as e:  # noqa: BLE001  (OSError, or a remote store's own errors)
            return unreadable(task.rel, f"cannot read the paired file {task.pair[2]}: {one_line(str(e))}")
    cache = DocCache(task.cache_dir)
    key = cache.key(task.rel, data + companion)
    result = cache.get(key)
    if result is not None:
        result.from_cache = True
        return result
    result = pairs.process(task, data, companion, process_document) if task.pair else process_document(task.rel, data)
    if not result.doc.internal_error:     # a bug's result is not kept: the next run tries again
        cache.put(key, result)
    return result


def list_inputs(raw: str, cache_dir: str | None, out: str | None = None, log=None) -> tuple[list[Task], list[dict]]:
    """The inputs under `raw` (a folder, one file, or an fsspec URL of either)
    in corpus order, and folder problems. The output folder and the cache
    are never inputs, even inside `raw`."""
    if storage.kind(raw) == "file":       # one document: named as it would be in its folder
        parent = storage.parent(raw)
        if storage.is_local(raw):
            path = os.path.abspath(storage.local_path(raw))
            return [Task(path, storage.relative(path, parent), _size(path), cache_dir)], []
        return [Task(raw, storage.relative(raw, parent), 0, cache_dir)], []
    if storage.is_local(raw):
        root = storage.local_path(raw)
        own = {storage.local_path(p): what for p, what in ((out, "this run's output"), (cache_dir, "the cache"))
               if p and storage.is_local(p)}
        files, problems = discover(root, own, log)
        # absolute: a Dask worker started in another folder reads the same file
        tasks = [Task(os.path.abspath(p), storage.relative(p, root), _size(p), cache_dir) for p in files]
    else:
        problems = []
        own = tuple(p.rstrip("/") + "/" for p in (out,) if p and not storage.is_local(p))
        tasks = [Task(url, storage.relative(url, raw), size, cache_dir) for url, size in storage.list_remote(raw)
                 if posixpath.basename(url) not in SKIP_NAMES and not url.startswith(own)]
    tasks.sort(key=lambda t: t.rel)     # corpus order = source path order, as deduplication expects
    return pairs.group(tasks), problems


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def ingest(raw: str, out: str, log=sys.stderr, near_threshold: float = DEFAULT_THRESHOLD,
           cache_dir: str | None = None, workers: int | None = None, engine: str = "local",
           scheduler: str | None = None, batch_rows: int = 5_000, with_inputs: bool = True) -> dict:
    """raw/ → out/; returns the manifest. Documents are processed by the
    engine and streamed, in input order, through the sinks: memory holds one
    window of results and the deduplication index, not the corpus. The
    returned manifest carries the per-document entries only `with_inputs`
    (the CLI does not ask: a corpus has millions)."""
    started = time.time()
    tasks, problems = list_inputs(raw, cache_dir, out, log)
    progress = Progress(len(tasks), sum(t.size for t in tasks), log)
    stats = {stage.name: StageStats(stage.name) for stage in STAGES}
    with storage.output_folder(out) as folder:
        writer = write.StreamingOutput(folder, batch_rows)
        manifest = Manifest(writer.staging)
        dedupe = Deduper(StageStats("dedupe"), near_threshold)
        cards = report.CardCollector()
        sinks = (dedupe, manifest, cards, writer)     # dedupe first: every later sink sees the duplicate flags
        timings = dict.fromkeys((sink.name for sink in sinks), 0.0)
        try:
            for p in problems:
                print(f"quarantined: {p['path']}: {p['reason']}", file=log)
                writer.quarantine([{"path": p["path"], "doc_id": None, "reason": p["reason"]}])
                manifest.problem(p)
            # engines yield in input order: corpus order, as deduplication expects
            for result in engine_run(engine, process_input, tasks, workers, scheduler):
                progress.update(result.size)
                for name, st in result.stats.items():   # a cached result's time was spent by an earlier run
                    stats[name].merge(st, with_time=not result.from_cache)
                d = result.doc
                if d.error:
                    kind = "internal error" if d.internal_error else "quarantined"
                    print(f"{kind}: {d.path}: {d.error}", file=log)
                for sink in sinks:
                    t = time.perf_counter()
                    sink.add(result)
                    timings[sink.name] += time.perf_counter() - t
            progress.done()
            if cache_dir:
                print(f"ingest: {manifest.reused} of {len(tasks)} documents reused from the cache", file=log)
            t = time.perf_counter()
            names = writer.commit()
            timings["write"] += time.perf_counter() - t
        except BaseException:
            manifest.close()
            writer.abort()
            raise
        stats["dedupe"] = dedupe.stats
        summary = manifest.summary(storage.basename(raw), stats, {
            **{name: st.seconds for name, st in stats.items() if name != "dedupe"}, **timings, "total": 0.0})
        t = time.perf_counter()
        # staged like everything else: a run killed from here on leaves one staging folder behind
        report.write_report(os.path.join(folder, "report.html"), summary, cards,
                            manifest.entries(report.MAX_ROWS), manifest.documents, tmp_dir=writer.staging)
        summary["timings"]["report"] = round(summary["timings"]["report"] + time.perf_counter() - t, 4)
        summary["timings"]["total"] = round(time.time() - started, 4)
        manifest.commit(folder, summary, [*names, "report.html"], tmp_dir=writer.staging)
        if with_inputs:
            summary["inputs"] = list(manifest.entries())
        writer.finish()
    if summary["documents"]["internal_errors"]:
        print(f"ingest: {summary['documents']['internal_errors']} internal error(s): tracebacks in "
              f"{posixpath.join(out, write.StreamingOutput.INTERNAL_ERRORS)}", file=log)
    return summary
