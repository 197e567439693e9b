"""Orchestration: per-document stages, then the corpus-wide steps.

    read → clean → normalize → segment → link → validate   (per document, pure, on an engine)
    dedupe → write                                           (whole corpus, streamed in input order)

Every input ends as records or in quarantine.jsonl with a one-line reason;
an exception in one document never stops the run.
"""
from __future__ import annotations

import os
import posixpath
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from . import clean, formats, link, normalize, read, report, schema, segment, storage, write
from .cache import CACHEDIR_SIGNATURE, DocCache, code_fingerprint
from .dedupe import DEFAULT_THRESHOLD, Deduper
from .engine import run as engine_run
from .formats import pairs
from .model import PIPELINE_VERSION, SCHEMA_VERSION, Document, QuestionRecord, StageStats
from .progress import Progress

STAGES = ["read", "clean", "normalize", "segment", "link", "validate", "dedupe"]
SKIP_NAMES = {"fetch-log.jsonl"}
# a folder holding one of these files (with this text in its first 4 KB) is
# tiku's own output, cache or export: never read as exam documents
OUTPUT_MARKERS = {"manifest.json": b'"code_fingerprint"', "export.json": b'"left_out"',
                  "CACHEDIR.TAG": CACHEDIR_SIGNATURE}

@dataclass
class DocResult:
    doc: Document
    records: list[QuestionRecord] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)     # records that failed validation
    stats: dict[str, StageStats] = field(default_factory=dict)
    characters: dict = field(default_factory=dict)   # where the cleaned text went, by kind


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


def per_document_stats() -> dict[str, StageStats]:
    return {name: StageStats(name) for name in STAGES[:-1]}   # dedupe is corpus-wide


def process_document(rel_path: str, data: bytes, answers: formats.Reading | None = None,
                     questions: bool = True) -> DocResult:
    """All per-document stages: bytes in, records and stats out. Pure.
    `answers`: the text of the paper's answer file, read with it (formats/pairs.py);
    `questions=False`: read and clean only (an answer file read with its paper)."""
    stats = per_document_stats()
    t = time.perf_counter()
    doc = read.document(rel_path, data)
    result = DocResult(doc, stats=stats)
    try:
        read.read(doc)
        stats["read"].kept[doc.encoding or doc.format] += 1
    except read.UnreadableInput as e:
        doc.error = str(e)
        stats["read"].dropped[doc.error.split(" (")[0].split(": ")[0]] += 1
        return result
    finally:
        doc.raw = b""                  # the text is all later stages need
    if answers is not None:
        pairs.append_answers(doc, answers)
    stats["read"].seconds += time.perf_counter() - t
    try:
        t = time.perf_counter()
        doc.text, removed = clean.clean_text(doc.text, doc.site)
        doc.removed.extend(removed)
        for r in removed:
            stats["clean"].dropped[r.rule] += 1
        stats["clean"].seconds += time.perf_counter() - t

        t = time.perf_counter()
        doc.text = normalize.normalize_text(doc.text, doc)
        for r in doc.notes.get("mojibake", []):
            (stats["normalize"].kept if r["repaired"] else stats["normalize"].dropped)["mojibake_run"] += 1
        stats["normalize"].seconds += time.perf_counter() - t
        if not questions:
            return result

        t = time.perf_counter()
        blocks = segment.segment(doc.text)
        for b in blocks:
            stats["segment"].kept[b.kind] += 1
        result.characters = segment.account(doc.text, blocks)
        stats["segment"].seconds += time.perf_counter() - t

        t = time.perf_counter()
        records = link.build_records(doc, blocks, stats["link"])
        records = formats.after_link(doc, records)
        stats["link"].seconds += time.perf_counter() - t

        t = time.perf_counter()
        for rec in records:
            problems = schema.check_record(rec.to_dict())
            if problems:
                result.rejected.append({"doc_id": doc.doc_id, "path": doc.path, "record": rec.to_dict(),
                                        "reason": "; ".join(f"{f}: {r}" for f, r in problems)})
                stats["validate"].dropped[problems[0][1].split(":")[0]] += 1
            else:
                result.records.append(rec)
                stats["validate"].kept["valid"] += 1
        stats["validate"].seconds += time.perf_counter() - t
    except Exception as e:  # a bug must not sink the corpus: quarantine, say why
        doc.error = f"internal error in pipeline: {type(e).__name__}: {e}"
        result.records = []
    if doc.error is None and not result.records and not result.rejected:
        stats["link"].dropped["document_without_questions"] += 1
    return result


def unreadable(rel_path: str, reason: str) -> DocResult:
    return DocResult(Document(path=rel_path, doc_id="", sha256="", error=reason),
                     stats=per_document_stats())


@dataclass(frozen=True)
class Task:
    """One input for a worker: where to read it, its name in the output, the cache."""
    url: str                 # local path or fsspec URL
    rel: str                 # source path, "raw/…"
    size: int
    cache_dir: str | None = None
    pair: tuple[str, str, str] | None = None   # ("paper" | "answers", the other file's url, its rel): formats/pairs.py


def process_input(task: Task) -> tuple[DocResult, bool, int]:
    """Read one input and run the per-document stages, or take them from the
    cache. Returns (result, taken from cache, bytes read). Runs in a worker."""
    try:
        data = storage.read_bytes(task.url)
    except OSError as e:
        return unreadable(task.rel, f"cannot read file: {e.strerror or e}"), False, 0
    except Exception as e:   # a remote store's own errors
        return unreadable(task.rel, f"cannot read file: {type(e).__name__}: {e}"), False, 0
    companion = b""
    if task.pair:           # a paper and its answer file are read together
        try:
            companion = storage.read_bytes(task.pair[1])
        except Exception as e:  # noqa: BLE001  (OSError, or a remote store's own errors)
            return unreadable(task.rel, f"cannot read the paired file {task.pair[2]}: {e}"), False, len(data)
    cache = DocCache(task.cache_dir)
    key = cache.key(task.rel, data + companion)
    result = cache.get(key)
    if result is not None:
        return result, True, len(data)
    result = pairs.process(task, data, companion, process_document) if task.pair else process_document(task.rel, data)
    cache.put(key, result)
    return result, False, len(data)


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


def summary(manifest: dict, out: str) -> str:
    """The one-screen end-of-run report."""
    docs, recs = manifest["documents"], manifest["records"]
    lines = [
        f"ingest: {docs['ok']} documents ok, {docs['quarantined']} quarantined, {recs['total']} records "
        f"({', '.join(f'{k} {v}' for k, v in recs['by_type'].items())}), {recs['duplicates']} duplicates → {out}",
    ]
    if recs["by_flag"]:
        lines.append("  flags: " + ", ".join(f"{k} {v}" for k, v in recs["by_flag"].items()))
    if recs["rejected"]:
        lines.append(f"  records rejected by the schema: {recs['rejected']} (see quarantine.jsonl)")
    t = manifest["timings"]
    lines.append(f"  time: {t['total']:.1f}s (" + ", ".join(f"{k} {v:.1f}s" for k, v in t.items() if k != "total") + ")")
    return "\n".join(lines)


def document_entry(r: DocResult) -> dict:
    """The manifest's line for one input document."""
    d = r.doc
    counts_by_type = Counter(rec.type for rec in r.records)
    flags = Counter(f for rec in r.records for f in rec.flags)
    return {
        "path": d.path, "doc_id": d.doc_id or None, "sha256": d.sha256 or None,
        "status": "quarantined" if d.error else "ok", "reason": d.error,
        "encoding": d.encoding, "format": d.format, "pages": d.pages, "site": d.site, "title": d.title, "url": d.url,
        "records": len(r.records), "records_rejected": len(r.rejected),
        "by_type": dict(sorted(counts_by_type.items())), "flags": dict(sorted(flags.items())),
        "removed_spans": len(d.removed), "removed_chars": sum(len(x.text) for x in d.removed),
        "characters": r.characters,
        "mojibake_runs": d.notes.get("mojibake", []),
        "orphan_answers": d.notes.get("orphan_answers", []),
        "checks": d.notes.get("checks"),
        "pair": d.notes.get("pair"),
    }


@dataclass
class Tally:
    """Corpus-wide counts for the manifest, kept as results stream by."""
    ok: int = 0
    quarantined: int = 0
    records: int = 0
    duplicates: int = 0
    rejected: int = 0
    reused: int = 0
    by_type: Counter = field(default_factory=Counter)
    by_flag: Counter = field(default_factory=Counter)

    def add(self, result: DocResult, from_cache: bool) -> None:
        self.reused += from_cache
        if result.doc.error:
            self.quarantined += 1
        else:
            self.ok += 1
        self.records += len(result.records)
        self.rejected += len(result.rejected)
        for rec in result.records:
            self.by_type[rec.type] += 1
            self.by_flag.update(rec.flags)
            self.duplicates += bool(rec.duplicate_of)


def emit(result: DocResult, url: str, output: write.StreamingOutput, cards: report.CardCollector, log) -> None:
    """One document's share of every output."""
    d = result.doc
    if d.error:
        print(f"quarantined: {d.path}: {d.error}", file=log)
        output.quarantine([{"path": d.path, "doc_id": d.doc_id or None, "reason": d.error}])
        cards.document(d.path, url, d.error)
    else:
        output.doc(d.doc_id, d.text)
    for rej in result.rejected:
        reason = f"record rejected: {rej['reason']}"
        output.quarantine([{"path": d.path, "doc_id": d.doc_id, "reason": reason, "record": rej["record"]}])
        cards.document(d.path, url, reason)
    rows = [rec.to_dict() for rec in result.records]
    for row in rows:
        cards.record(row, url, d)
    output.records(rows)
    output.removed({"doc_id": d.doc_id, "path": d.path, "rule": x.rule, "text": x.text} for x in d.removed)


def ingest(raw: str, out: str, log=sys.stderr, near_threshold: float = DEFAULT_THRESHOLD,
           cache_dir: str | None = None, workers: int | None = None, engine: str = "local",
           scheduler: str | None = None, batch_rows: int = 5_000, with_inputs: bool = True) -> dict:
    """raw/ → out/. Documents are processed by the engine and streamed, in
    input order, through deduplication into the outputs: memory holds one
    window of results and the deduplication index, not the corpus. The
    manifest's per-document entries go through a staging file too; the
    returned manifest carries them only `with_inputs` (the CLI does not)."""
    started = time.time()
    tasks, problems = list_inputs(raw, cache_dir, out, log)
    progress = Progress(len(tasks), sum(t.size for t in tasks), log)
    totals = {name: StageStats(name) for name in STAGES}
    deduper = Deduper(totals["dedupe"], near_threshold)
    tally = Tally(quarantined=len(problems))
    cards = report.CardCollector()
    write_seconds = 0.0
    with storage.output_folder(out) as folder:
        output = write.StreamingOutput(folder, batch_rows)
        try:
            for p in problems:
                print(f"quarantined: {p['path']}: {p['reason']}", file=log)
                output.quarantine([{"path": p["path"], "doc_id": None, "reason": p["reason"]}])
            # engines yield in input order: result i belongs to task i
            for task, (result, hit, nbytes) in zip(tasks, engine_run(engine, process_input, tasks, workers, scheduler)):
                progress.update(nbytes)
                for name, st in result.stats.items():
                    totals[name].merge(st)
                t = time.perf_counter()
                for rec in result.records:            # documents in path order, records in ordinal order
                    deduper.mark(rec)
                totals["dedupe"].seconds += time.perf_counter() - t
                tally.add(result, hit)
                t = time.perf_counter()
                emit(result, task.url, output, cards, log)
                write_seconds += time.perf_counter() - t
                output.document_entry(document_entry(result))
            progress.done()
            if cache_dir:
                print(f"ingest: {tally.reused} of {len(tasks)} documents reused from the cache", file=log)
            t = time.perf_counter()
            names = output.commit()
            write_seconds += time.perf_counter() - t
        except BaseException:
            output.abort()
            raise

        manifest: dict = {
            "pipeline_version": PIPELINE_VERSION,
            "code_fingerprint": code_fingerprint(),
            "schema_version": SCHEMA_VERSION,
            "input_root": storage.basename(raw),
            "documents": {"total": len(tasks) + len(problems), "ok": tally.ok, "quarantined": tally.quarantined},
            "records": {"total": tally.records, "by_type": dict(sorted(tally.by_type.items())),
                        "by_flag": dict(sorted(tally.by_flag.items())),
                        "duplicates": tally.duplicates, "rejected": tally.rejected},
            "stages": {name: st.to_dict() for name, st in totals.items()},
            "inputs": None,          # streamed from the staging file when written
            "timings": {**{name: round(st.seconds, 4) for name, st in totals.items()},
                        "write": round(write_seconds, 4), "total": 0.0},
        }
        t = time.perf_counter()
        # staged like everything else: a run killed from here on leaves one staging folder behind
        report.write_report(os.path.join(folder, "report.html"), manifest, cards,
                            output.document_entries(report.MAX_ROWS), output.document_count, tmp_dir=output.staging)
        manifest["timings"]["report"] = round(time.perf_counter() - t, 4)
        manifest["timings"]["total"] = round(time.time() - started, 4)
        # written last, with the checksum of every file it describes: a run
        # killed before this point leaves the previous manifest in place
        manifest["outputs"] = write.checksums(folder, [*names, "report.html"])
        write.write_manifest(os.path.join(folder, "manifest.json"), manifest, output.document_entries(),
                             tmp_dir=output.staging)
        if with_inputs:
            manifest["inputs"] = list(output.document_entries())
        output.finish()
    print(summary(manifest, out), file=log)
    return manifest
