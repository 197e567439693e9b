"""Command line: `python -m pipeline ingest|fetch|export|validate`."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline", description="tiku: scraped exam documents → question datasets")
    sub = ap.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="process raw/ into cleaned/")
    ing.add_argument("--raw", default="raw", help="input folder or fsspec URL (default raw)")
    ing.add_argument("--out", default="cleaned", help="output folder or fsspec URL (default cleaned)")
    ing.add_argument("--strict", action="store_true", help="exit 1 when anything was quarantined")
    ing.add_argument("--cache", default=".tiku-cache", metavar="DIR",
                     help="per-document result cache (default .tiku-cache)")
    ing.add_argument("--no-cache", action="store_true", help="ignore the cache: a cold run")
    ing.add_argument("--workers", type=int, default=0, metavar="N",
                     help="worker processes (default: all cores; 1 = in this process)")
    ing.add_argument("--engine", choices=["local", "dask"], default="local",
                     help="local: process pool on this machine (default); dask: tasks on dask.distributed")
    ing.add_argument("--scheduler", metavar="ADDRESS",
                     help="with --engine dask: join this cluster (tcp://HOST:8786) instead of starting a LocalCluster")
    ing.add_argument("--near-duplicates", type=float, default=0.8, metavar="JACCARD",
                     help="flag near duplicates at this 5-gram Jaccard similarity (default 0.8; 1 = exact only)")
    fet = sub.add_parser("fetch", help="download the pages listed in a file (one URL a line) into raw/")
    fet.add_argument("urls", help="a text file with one URL per line (# comments allowed)")
    fet.add_argument("--raw", default="raw", help="where pages are saved (default raw)")
    fet.add_argument("--rate", type=float, default=1.0, help="requests per second per host (default 1)")
    fet.add_argument("--max-bytes", type=int, default=20_000_000, help="largest page accepted (default 20 MB)")
    fet.add_argument("--retries", type=int, default=4)
    fet.add_argument("--timeout", type=float, default=30.0)
    fet.add_argument("--ignore-robots", action="store_true", help="do not read robots.txt (only for your own sites)")
    exp = sub.add_parser("export", help="write cleaned/ in an evaluation format (ceval, cmmlu, opencompass, hf)")
    exp.add_argument("--format", required=True, choices=["ceval", "cmmlu", "opencompass", "hf"])
    exp.add_argument("--out", required=True, help="folder to write the export in")
    exp.add_argument("--cleaned", default="cleaned", help="the ingest output to read (default cleaned)")
    exp.add_argument("--drop-duplicates", action="store_true", help="leave out records flagged as duplicates")
    exp.add_argument("--types", nargs="+", metavar="TYPE", help="only these question types (e.g. single_choice)")
    exp.add_argument("--name", default="tiku", help="dataset name used in file names (default tiku)")
    val = sub.add_parser("validate", help="check a questions.jsonl / .parquet (or a cleaned/ folder) against the schema")
    val.add_argument("path")
    args = ap.parse_args(argv)

    if args.command == "ingest":
        from .run import ingest
        from .storage import exists_folder
        if args.scheduler and args.engine != "dask":
            print("ingest: --scheduler needs --engine dask", file=sys.stderr)
            return 2
        try:
            found = exists_folder(args.raw)
        except (ImportError, ValueError, OSError) as e:
            print(f"ingest: {args.raw}: cannot open: {e}", file=sys.stderr)
            return 2
        if not found:
            print(f"ingest: {args.raw}: no such folder", file=sys.stderr)
            return 2
        manifest = ingest(args.raw, args.out, near_threshold=args.near_duplicates,
                          cache_dir=None if args.no_cache else args.cache, workers=args.workers or None,
                          engine=args.engine, scheduler=args.scheduler, with_inputs=False)
        return 1 if args.strict and manifest["documents"]["quarantined"] else 0
    if args.command == "fetch":
        from .fetch import FetchSettings, fetch_all, read_url_list
        try:
            urls = read_url_list(args.urls)
        except OSError as e:
            print(f"fetch: {args.urls}: {e.strerror}", file=sys.stderr)
            return 2
        settings = FetchSettings(rate=args.rate, max_bytes=args.max_bytes, retries=args.retries, timeout=args.timeout,
                                 respect_robots=not args.ignore_robots)
        counts = fetch_all(urls, args.raw, settings, log=sys.stderr)
        print("fetch: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)
        return 0
    if args.command == "export":
        import os
        from .export import export
        if not os.path.exists(os.path.join(args.cleaned, "questions.parquet")):
            print(f"export: {args.cleaned}: no questions.parquet (run ingest first)", file=sys.stderr)
            return 2
        report = export(args.cleaned, args.format, args.out, types=args.types, drop_duplicates=args.drop_duplicates,
                        name=args.name)
        print(report.summary(), file=sys.stderr)
        return 0
    if args.command == "validate":
        import os
        from .schema import validate_path
        if not os.path.exists(args.path):
            print(f"validate: {args.path}: no such file", file=sys.stderr)
            return 2
        try:
            problems = validate_path(args.path)
        except Exception as e:
            print(f"validate: {args.path}: cannot read: {e}", file=sys.stderr)
            return 2
        for p in problems:
            print(f"{args.path}: {p}")
        if problems:
            print(f"validate: {len(problems)} problem(s)", file=sys.stderr)
            return 1
        print(f"validate: {args.path}: all records valid", file=sys.stderr)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
