"""Command line: `python -m pipeline ingest|validate`."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline", description="tiku: scraped exam documents → question datasets")
    sub = ap.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="process raw/ into cleaned/")
    ing.add_argument("--raw", default="raw", help="input folder (default raw)")
    ing.add_argument("--out", default="cleaned", help="output folder (default cleaned)")
    ing.add_argument("--strict", action="store_true", help="exit 1 when anything was quarantined")
    ing.add_argument("--cache", default=".tiku-cache", metavar="DIR",
                     help="per-document result cache (default .tiku-cache)")
    ing.add_argument("--no-cache", action="store_true", help="ignore the cache: a cold run")
    ing.add_argument("--workers", type=int, default=0, metavar="N",
                     help="worker processes (default: all cores; 1 = in this process)")
    ing.add_argument("--near-duplicates", type=float, default=0.8, metavar="JACCARD",
                     help="flag near duplicates at this 5-gram Jaccard similarity (default 0.8; 1 = exact only)")
    val = sub.add_parser("validate", help="check a questions.jsonl / .parquet (or a cleaned/ folder) against the schema")
    val.add_argument("path")
    args = ap.parse_args(argv)

    if args.command == "ingest":
        import os
        from .run import ingest
        if not os.path.isdir(args.raw):
            print(f"ingest: {args.raw}: no such folder", file=sys.stderr)
            return 2
        manifest = ingest(args.raw, args.out, near_threshold=args.near_duplicates,
                          cache_dir=None if args.no_cache else args.cache, workers=args.workers or None)
        return 1 if args.strict and manifest["documents"]["quarantined"] else 0
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
