import json
import os

import pytest
from hypothesis import settings

# CI replays the same examples every run; local runs keep exploring new ones
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "cases")
RAW = os.path.join(ROOT, "raw")
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


class Log:
    """A log stream for ingest() that keeps what was written."""

    def __init__(self):
        self.lines = []

    def write(self, s):
        self.lines.append(s)

    def flush(self):
        pass

    def text(self):
        return "".join(self.lines)


def digests(folder) -> dict:
    """sha256 of every output file but the manifest (it holds timings)."""
    import hashlib
    out = {}
    for base, _, names in os.walk(folder):
        for n in names:
            if n != "manifest.json":
                p = os.path.join(base, n)
                with open(p, "rb") as f:
                    out[os.path.relpath(p, folder)] = hashlib.sha256(f.read()).hexdigest()
    return out


def load_cases(name: str):
    with open(os.path.join(CASES, name), encoding="utf-8") as f:
        return json.load(f)


def known_failures(stage: str) -> list[dict]:
    return [c for c in load_cases("known_failures.json") if c["stage"] == stage]


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory):
    """One ingest of raw/ shared by the end-to-end tests."""
    from pipeline.run import ingest
    out = tmp_path_factory.mktemp("cleaned")
    with open(os.devnull, "w") as devnull:
        manifest = ingest(RAW, str(out), log=devnull)
    return out, manifest
