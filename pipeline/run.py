"""Orchestration: per-document stages, then the corpus-wide steps.

    read → clean → normalize → segment → link → validate   (per document, pure)
    dedupe → write                                           (whole corpus)

Every input ends as records or in quarantine.jsonl with a one-line reason;
an exception in one document never stops the run.
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from . import clean, link, normalize, read, schema, segment, write
from .dedupe import DEFAULT_THRESHOLD, dedupe
from .cache import DocCache, code_fingerprint
from .progress import Progress
from .model import PIPELINE_VERSION, SCHEMA_VERSION, Document, QuestionRecord, StageStats

STAGES = ["read", "clean", "normalize", "segment", "link", "validate", "dedupe"]
SKIP_NAMES = {"fetch-log.jsonl"}


@dataclass
class DocResult:
    doc: Document
    records: list[QuestionRecord] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)     # records that failed validation
    stats: dict[str, StageStats] = field(default_factory=dict)
    characters: dict = field(default_factory=dict)   # where the cleaned text went, by kind


def discover(root: str) -> tuple[list[str], list[dict]]:
    """Input files under root (sorted, symlink loops and unreadable dirs reported)."""
    files, problems = [], []
    seen_dirs = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=lambda e: problems.append(
            {"path": e.filename, "reason": f"cannot list folder: {e.strerror}"})):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            dirnames[:] = []
            problems.append({"path": dirpath, "reason": "symlink loop, folder skipped"})
            continue
        seen_dirs.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name in SKIP_NAMES:
                continue
            files.append(os.path.join(dirpath, name))
    return sorted(files), problems


def per_document_stats() -> dict[str, StageStats]:
    return {name: StageStats(name) for name in STAGES[:-1]}   # dedupe is corpus-wide


def process_document(rel_path: str, data: bytes) -> DocResult:
    """All per-document stages: bytes in, records and stats out. Pure."""
    stats = per_document_stats()
    t = time.perf_counter()
    doc = read.document(rel_path, data)
    result = DocResult(doc, stats=stats)
    try:
        read.read(doc)
        stats["read"].kept[doc.encoding] += 1
    except read.UnreadableInput as e:
        doc.error = str(e)
        stats["read"].dropped[doc.error.split(" (")[0]] += 1
        return result
    finally:
        doc.raw = b""                  # the text is all later stages need
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

        t = time.perf_counter()
        blocks = segment.segment(doc.text)
        for b in blocks:
            stats["segment"].kept[b.kind] += 1
        result.characters = segment.account(doc.text, blocks)
        stats["segment"].seconds += time.perf_counter() - t

        t = time.perf_counter()
        records = link.build_records(doc, blocks, stats["link"])
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


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def unreadable(rel_path: str, reason: str) -> DocResult:
    return DocResult(Document(path=rel_path, doc_id="", sha256="", error=reason),
                     stats=per_document_stats())


def process_file(path: str, raw: str, cache_dir: str | None) -> tuple[DocResult, bool, int]:
    """Read one input file and run the per-document stages, or take them from
    the cache. Returns (result, taken from cache, bytes read). Runs in a worker."""
    rel = read.source_path(path, raw)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return unreadable(rel, f"cannot read file: {e.strerror or e}"), False, 0
    cache = DocCache(cache_dir)
    key = cache.key(rel, data)
    result = cache.get(key)
    if result is not None:
        return result, True, len(data)
    result = process_document(rel, data)
    cache.put(key, result)
    return result, False, len(data)


def run_documents(files: list[str], raw: str, cache_dir: str | None, workers: int, progress: Progress):
    """Per-document results in input order, on `workers` processes (1: this one)."""
    if workers <= 1 or len(files) <= 1:
        for path in files:
            got = process_file(path, raw, cache_dir)
            progress.update(got[2])
            yield got
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # map keeps input order, so the output does not depend on scheduling
        for got in pool.map(process_file, files, [raw] * len(files), [cache_dir] * len(files),
                            chunksize=max(1, min(16, len(files) // (workers * 8)))):
            progress.update(got[2])
            yield got


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


def ingest(raw: str, out: str, log=sys.stderr, near_threshold: float = DEFAULT_THRESHOLD,
           cache_dir: str | None = None, workers: int | None = None) -> dict:
    started = time.time()
    files, problems = discover(raw)
    workers = workers or os.cpu_count() or 1
    progress = Progress(len(files), sum(_size(p) for p in files), log)
    results, reused = [], 0
    for result, hit, _ in run_documents(files, raw, cache_dir, workers, progress):
        results.append(result)
        reused += hit
    progress.done()
    if cache_dir:
        print(f"ingest: {reused} of {len(files)} documents reused from the cache", file=log)

    totals = {name: StageStats(name) for name in STAGES}
    for r in results:
        for name, st in r.stats.items():
            totals[name].merge(st)
    records = [rec for r in results for rec in r.records]
    t = time.perf_counter()
    dedupe(records, totals["dedupe"], near_threshold)
    totals["dedupe"].seconds += time.perf_counter() - t
    records.sort(key=lambda rec: (rec.source["path"], rec.ordinal))

    quarantine = [{"path": p["path"], "doc_id": None, "reason": p["reason"]} for p in problems]
    inputs = []
    for r in results:
        d = r.doc
        if d.error:
            quarantine.append({"path": d.path, "doc_id": d.doc_id or None, "reason": d.error})
            print(f"quarantined: {d.path}: {d.error}", file=log)
        for rej in r.rejected:
            quarantine.append({"path": d.path, "doc_id": d.doc_id, "reason": f"record rejected: {rej['reason']}",
                               "record": rej["record"]})
        counts_by_type: dict[str, int] = {}
        flags: dict[str, int] = {}
        for rec in r.records:
            counts_by_type[rec.type] = counts_by_type.get(rec.type, 0) + 1
            for f in rec.flags:
                flags[f] = flags.get(f, 0) + 1
        inputs.append({
            "path": d.path, "doc_id": d.doc_id or None, "sha256": d.sha256 or None,
            "status": "quarantined" if d.error else "ok", "reason": d.error,
            "encoding": d.encoding, "site": d.site, "title": d.title, "url": d.url,
            "records": len(r.records), "records_rejected": len(r.rejected),
            "by_type": dict(sorted(counts_by_type.items())), "flags": dict(sorted(flags.items())),
            "removed_spans": len(d.removed), "removed_chars": sum(len(x.text) for x in d.removed),
            "characters": r.characters,
            "mojibake_runs": d.notes.get("mojibake", []),
            "orphan_answers": d.notes.get("orphan_answers", []),
        })

    write_started = time.perf_counter()
    write.remove_stale_temps(out)
    rows = [rec.to_dict() for rec in records]
    write.write_parquet(os.path.join(out, "questions.parquet"), rows)
    write.write_jsonl(os.path.join(out, "questions.jsonl"), rows)
    write.write_docs(os.path.join(out, "docs"), {r.doc.doc_id: r.doc.text for r in results if not r.doc.error})
    write.write_jsonl(os.path.join(out, "removed.jsonl"),
                      ({"doc_id": r.doc.doc_id, "path": r.doc.path, "rule": x.rule, "text": x.text}
                       for r in results for x in r.doc.removed))
    write.write_jsonl(os.path.join(out, "quarantine.jsonl"), quarantine)

    by_type: dict[str, int] = {}
    by_flag: dict[str, int] = {}
    for rec in records:
        by_type[rec.type] = by_type.get(rec.type, 0) + 1
        for f in rec.flags:
            by_flag[f] = by_flag.get(f, 0) + 1
    manifest = {
        "pipeline_version": PIPELINE_VERSION,
        "code_fingerprint": code_fingerprint(),
        "schema_version": SCHEMA_VERSION,
        "input_root": os.path.basename(os.path.abspath(raw)),
        "documents": {"total": len(results) + len(problems),
                      "ok": sum(1 for r in results if not r.doc.error),
                      "quarantined": sum(1 for r in results if r.doc.error) + len(problems)},
        "records": {"total": len(records), "by_type": dict(sorted(by_type.items())),
                    "by_flag": dict(sorted(by_flag.items())),
                    "duplicates": sum(1 for r in records if r.duplicate_of),
                    "rejected": sum(len(r.rejected) for r in results)},
        "stages": {name: st.to_dict() for name, st in totals.items()},
        "inputs": inputs,
        "timings": {**{name: round(st.seconds, 4) for name, st in totals.items()},
                    "write": round(time.perf_counter() - write_started, 4),
                    "total": round(time.time() - started, 4)},
    }
    # written last, with the checksum of every file it describes: a run
    # killed before this point leaves the previous manifest in place
    manifest["outputs"] = write.checksums(out, ["questions.parquet", "questions.jsonl", "removed.jsonl", "quarantine.jsonl"])
    write.write_json(os.path.join(out, "manifest.json"), manifest)
    print(summary(manifest, out), file=log)
    return manifest
