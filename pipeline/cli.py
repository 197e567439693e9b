"""Command line: `tiku ingest|fetch|export|validate` (or `python -m pipeline …`).

A user's mistake (a missing folder, a bad option value, an output that
cannot be written) is one line on stderr, `tiku: WHAT: WHY`, and exit
status 2, found before any work is done, so the previous output is never
touched. Ctrl-C is one line too and exit status 130; ingest then leaves
the previous output as it was.
"""
from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import traceback

from .model import PIPELINE_VERSION

EXIT_USAGE = 2
EXIT_INTERNAL = 3               # a bug in tiku met a document (or stopped the run)
EXIT_INTERRUPTED = 130          # 128 + SIGINT, as shells report it
CONNECT_TIMEOUT = 5.0           # seconds to reach a Dask scheduler before giving up
NAME_CHARS_FORBIDDEN = "/\\\0"  # export --name is part of file names inside --out


class UserError(Exception):
    """`tiku: WHAT: WHY`, exit status 2."""

    def __init__(self, what: str, why: str):
        super().__init__(f"{what}: {why}" if what else why)


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        # argparse's own complaints ("argument --workers: invalid int value: 'x'") as one line
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        raise UserError(command, message.replace("argument ", "", 1))


def parser() -> Parser:
    ap = Parser(prog="tiku", description="tiku: scraped exam documents → question datasets")
    ap.add_argument("--version", action="version", version=f"tiku {PIPELINE_VERSION}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=Parser)
    ing = sub.add_parser("ingest", help="process raw/ into cleaned/")
    ing.add_argument("--raw", default="raw", help="input folder, one input file, or an fsspec URL (default raw)")
    ing.add_argument("--out", default="cleaned", help="output folder or fsspec URL (default cleaned)")
    ing.add_argument("--strict", action="store_true", help="exit 1 when anything was quarantined")
    ing.add_argument("--cache", default=".tiku-cache", metavar="DIR",
                     help="per-document result cache (default .tiku-cache)")
    ing.add_argument("--no-cache", action="store_true", help="ignore the cache: a cold run")
    ing.add_argument("--workers", type=int, default=0, metavar="N",
                     help="worker processes (default 0: all cores; 1 = in this process)")
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
    fet.add_argument("--retries", type=int, default=4, help="retries after a timeout, 429 or 5xx (default 4)")
    fet.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an answer (default 30)")
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
    return ap


# --- checks done before any work ------------------------------------------------------------

def local_output_folder(option: str, path: str) -> None:
    """`path` is, or can become, a folder this process can write in."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"{option} {path}", "is a file, not a folder")
    probe = path
    while not os.path.exists(probe):           # the nearest folder that exists is where it gets created
        parent = os.path.dirname(os.path.abspath(probe))
        if parent == os.path.abspath(probe):
            break
        probe = parent
    if not os.path.isdir(probe):
        raise UserError(f"{option} {path}", f"{probe} is a file, not a folder")
    try:
        with tempfile.TemporaryDirectory(dir=probe, prefix=".tiku-write-check."):
            pass
    except OSError as e:
        raise UserError(f"{option} {path}", f"cannot write in {probe}: {e.strerror or e}") from None


def output_location(option: str, url: str) -> None:
    from . import storage
    if storage.is_local(url):
        return local_output_folder(option, storage.local_path(url))
    try:
        storage.filesystem(url)
    except ImportError as e:            # fsspec names the package to install
        raise UserError(f"{option} {url}", f"cannot write there: {e}") from None
    except ValueError as e:
        raise UserError(f"{option} {url}", str(e)) from None


def input_location(option: str, url: str) -> None:
    from . import storage
    try:
        found = storage.kind(url)
    except ImportError as e:
        raise UserError(f"{option} {url}", f"cannot read there: {e}") from None
    except (ValueError, OSError) as e:
        raise UserError(f"{option} {url}", f"cannot open: {e}") from None
    if found is None:
        raise UserError(f"{option} {url}", "no such file or folder")


def same_place(a: str, b: str) -> bool:
    from . import storage
    if storage.is_local(a) and storage.is_local(b):
        return os.path.realpath(storage.local_path(a)) == os.path.realpath(storage.local_path(b))
    return a.rstrip("/") == b.rstrip("/")


def scheduler_reachable(address: str) -> None:
    """A TCP scheduler answers within CONNECT_TIMEOUT (Dask itself would wait 30 s, then print a traceback)."""
    rest = address.split("://", 1)[1] if "://" in address else address
    if "://" in address and not address.startswith("tcp://"):
        return                          # tls://, inproc://, …: left to Dask
    host, _, port = rest.rstrip("/").rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"--scheduler {address}", "expected tcp://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as e:
        raise UserError(f"--scheduler {address}", f"cannot connect: {e.strerror or e}") from None


def check_ingest(args) -> None:
    from .dedupe import MIN_THRESHOLD
    if args.workers < 0:
        raise UserError(f"--workers {args.workers}", "must be 0 (all cores) or more")
    if not MIN_THRESHOLD <= args.near_duplicates <= 1:
        raise UserError(f"--near-duplicates {args.near_duplicates:g}",
                        f"must be a Jaccard similarity from {MIN_THRESHOLD:g} to 1 (1 = exact duplicates only)")
    if args.scheduler and args.engine != "dask":
        raise UserError("--scheduler", "needs --engine dask")
    input_location("--raw", args.raw)
    from .run import written_by_tiku
    from .storage import is_local, local_path
    marker = is_local(args.raw) and written_by_tiku(local_path(args.raw))
    if marker:
        raise UserError(f"--raw {args.raw}", f"is tiku's own output ({marker}), not exam documents")
    if same_place(args.raw, args.out):
        raise UserError(f"--out {args.out}", "is the input folder; write the output somewhere else")
    output_location("--out", args.out)
    if not args.no_cache and os.path.exists(args.cache) and not os.path.isdir(args.cache):
        raise UserError(f"--cache {args.cache}", "is a file, not a folder")
    if args.scheduler:
        scheduler_reachable(args.scheduler)


def check_export(args) -> None:
    from .schema import load_schema
    known = load_schema()["properties"]["type"]["enum"]
    for t in args.types or []:
        if t not in known:
            raise UserError(f"--types {t}", f"not a question type (one of {', '.join(known)})")
    name = args.name
    if not name or name.startswith(".") or any(c in name for c in NAME_CHARS_FORBIDDEN):
        raise UserError(f"--name {name}", "must be a plain name: no path separators, not starting with a dot")
    if not os.path.exists(os.path.join(args.cleaned, "questions.parquet")):
        raise UserError(f"--cleaned {args.cleaned}", "no questions.parquet (run tiku ingest first)")
    local_output_folder("--out", args.out)


def check_fetch(args) -> None:
    for option, value, low in (("--rate", args.rate, 0), ("--max-bytes", args.max_bytes, 0),
                               ("--timeout", args.timeout, 0)):
        if not value > low:
            raise UserError(f"{option} {value:g}", "must be more than 0")
    if args.retries < 0:
        raise UserError(f"--retries {args.retries}", "must be 0 or more")
    if not os.path.isfile(args.urls):
        raise UserError(args.urls, "no such file" if not os.path.exists(args.urls) else "is not a file")
    local_output_folder("--raw", args.raw)


# --- commands ---------------------------------------------------------------------------------

def ingest(args) -> int:
    from .run import ingest
    check_ingest(args)
    try:
        manifest = ingest(args.raw, args.out, near_threshold=args.near_duplicates,
                          cache_dir=None if args.no_cache else os.path.abspath(args.cache),
                          workers=args.workers or None, engine=args.engine, scheduler=args.scheduler,
                          with_inputs=False, log=sys.stderr)
    except Exception as e:      # a bug outside any one document: the run stops, the old outputs stay
        where = crash_log(args.out)
        print(f"ingest: internal error: {type(e).__name__}: {' '.join(str(e).split())}"
              + (f" (traceback in {where})" if where else ""), file=sys.stderr)
        return EXIT_INTERNAL
    print(summary(manifest, args.out), file=sys.stderr)
    status, why = exit_status(manifest, args.strict)
    if why:
        print(f"ingest: {why}", file=sys.stderr)
    return status


def summary(manifest: dict, out: str) -> str:
    """The one-screen end-of-run report."""
    docs, recs = manifest["documents"], manifest["records"]
    errors = f", {docs['internal_errors']} internal errors" if docs.get("internal_errors") else ""
    lines = [
        f"ingest: {docs['ok']} documents ok, {docs['quarantined']} quarantined{errors}, {recs['total']} records "
        f"({', '.join(f'{k} {v}' for k, v in recs['by_type'].items())}), {recs['duplicates']} duplicates → {out}",
    ]
    if recs["by_flag"]:
        lines.append("  flags: " + ", ".join(f"{k} {v}" for k, v in recs["by_flag"].items()))
    if recs["rejected"]:
        lines.append(f"  records rejected by the schema: {recs['rejected']} (see quarantine.jsonl)")
    t = manifest["timings"]
    lines.append(f"  time: {t['total']:.1f}s (" + ", ".join(f"{k} {v:.1f}s" for k, v in t.items() if k != "total") + ")")
    return "\n".join(lines)


def exit_status(manifest: dict, strict: bool) -> tuple[int, str | None]:
    """3: a bug met some document (tracebacks in internal-errors.log); 1: no
    input gave a record, or --strict and something was quarantined; else 0.
    With the one line that says why, when not 0."""
    docs = manifest["documents"]
    if docs.get("internal_errors"):
        return EXIT_INTERNAL, f"{docs['internal_errors']} document(s) met an internal error (a bug in tiku, not in the input)"
    if not manifest["records"]["total"]:
        reasons = ", ".join(f"{n} {why}" for why, n in docs.get("without_records", {}).items())
        return 1, "no input produced a record: " + (reasons or "no input files")
    if strict and docs["quarantined"]:
        return 1, f"--strict: {docs['quarantined']} input(s) quarantined"
    return 0, None


def crash_log(out: str) -> str | None:
    """The current exception's traceback in <out>/internal-errors.log, if out is a writable local folder."""
    from .storage import is_local, local_path
    from .write import StreamingOutput, write_text
    if not is_local(out):
        return None
    path = os.path.join(local_path(out), StreamingOutput.INTERNAL_ERRORS)
    try:
        write_text(path, traceback.format_exc())
    except OSError:
        return None
    return path


def fetch(args) -> int:
    from .fetch import FAILED, FetchSettings, fetch_all, read_url_list
    check_fetch(args)
    try:
        urls = read_url_list(args.urls)
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(args.urls, f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    settings = FetchSettings(rate=args.rate, max_bytes=args.max_bytes, retries=args.retries, timeout=args.timeout,
                             respect_robots=not args.ignore_robots)
    counts = fetch_all(urls, args.raw, settings, log=sys.stderr)
    failed = sum(n for status, n in counts.items() if status in FAILED)
    print("fetch: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no URLs"), file=sys.stderr)
    return 1 if failed else 0


def export(args) -> int:
    from .export import export
    check_export(args)
    report = export(args.cleaned, args.format, args.out, types=args.types, drop_duplicates=args.drop_duplicates,
                    name=args.name)
    print(report.summary(), file=sys.stderr)
    return 0


def validate(args) -> int:
    from pyarrow import ArrowException

    from .schema import UnsupportedFormat, validate_file
    if not os.path.exists(args.path):
        raise UserError(args.path, "no such file or folder")
    try:
        result = validate_file(args.path)
    except UnsupportedFormat as e:
        raise UserError(args.path, str(e)) from None
    except OSError as e:
        raise UserError(args.path, f"cannot read: {e.strerror or e}") from None
    except ArrowException as e:    # a Parquet file pyarrow cannot open
        raise UserError(args.path, f"cannot read: {e}") from None
    for p in result.problems:
        print(f"{result.path}: {p}")
    records = f"{result.records} record{'s' if result.records != 1 else ''}"
    if not result.records and not result.problems:
        print(f"validate: {result.path}: 0 records (nothing to check)", file=sys.stderr)
        return 0
    if result.problems:
        print(f"validate: {result.path}: {len(result.problems)} problem(s) in {records}", file=sys.stderr)
        return 1
    print(f"validate: {result.path}: {records} checked, all valid", file=sys.stderr)
    return 0


COMMANDS = {"ingest": ingest, "fetch": fetch, "export": export, "validate": validate}


def main(argv=None) -> int:
    command = None
    try:
        args = parser().parse_args(argv)
        command = args.command
        return COMMANDS[command](args)
    except UserError as e:
        print(f"tiku: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        left = {"ingest": "; the previous output is left as it was", "fetch": "; pages saved so far are kept",
                "export": "; files already exported are complete"}.get(command, "")
        print(f"tiku: {command or 'tiku'}: interrupted{left}", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
