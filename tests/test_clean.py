import json
import os

import pytest
from conftest import SHARED, load_cases

from pipeline import clean
from pipeline.text import to_simplified

CASES = load_cases("clean.json")


@pytest.mark.parametrize("case", CASES["removed"], ids=[c["rule"] for c in CASES["removed"]])
def test_boilerplate_line_is_removed_with_its_rule(case):
    text, removed = clean.clean_text("题干\n" + case["line"] + "\n题干二")
    assert text == "题干\n题干二"
    assert [(r.rule, r.text) for r in removed] == [(case["rule"], case["line"])]


@pytest.mark.parametrize("line", CASES["kept"])
def test_content_lines_are_kept(line):
    text, removed = clean.clean_text(line)
    assert text == line and removed == []


@pytest.mark.parametrize("case", CASES["blocks"], ids=["warm_tips+lists", "related"])
def test_blocks_are_removed_whole(case):
    text, removed = clean.clean_text(case["text"])
    assert text == case["kept"]
    assert "".join(r.text for r in removed) == case["text"].replace(case["kept"], "").replace("\n", "")


def test_no_seed_question_lost_with_the_boilerplate(seed_run):
    """Every removed span on the seeds is boilerplate: no gold stem occurs in it."""
    out, _ = seed_run
    gold_path = os.path.join(SHARED, "gold", "seeds.jsonl")
    if not os.path.exists(gold_path):
        pytest.skip("../shared/gold not present")
    stems = [json.loads(ln)["stem"] for ln in open(gold_path, encoding="utf-8")]
    probes = {s.replace("\n", "")[:10] for s in stems if len(s) >= 10}
    with open(os.path.join(out, "removed.jsonl"), encoding="utf-8") as f:
        removed = [json.loads(ln) for ln in f]
    assert removed, "the seeds carry boilerplate"
    for r in removed:
        text = to_simplified(clean.probe(r["text"]))
        hits = [p for p in probes if p in text]
        assert not hits, (r["rule"], r["text"][:60], hits)
