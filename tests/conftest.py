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
