"""What the pipeline is known to get wrong, run as strict expected failures.

Each case in tests/cases/known_failures.json says what should happen and why
it does not yet. A change that fixes one makes its test pass, which fails the
run (XPASS strict): move the case to the passing cases of its stage then.

Stages: "mojibake" (a garbled run of a seed, read as the seed cases of
test_mojibake are), "normalize" (normalize is idempotent on the text),
"roundtrip" (a rendered bank comes back whole, as in test_roundtrip: a fixed
layout, or the layout drawn by generator.random_case from a seed).
"""
import os
import random

import generator as g
import pytest
from conftest import RAW, known_failures
from test_mojibake import assert_seed_run_repaired, repaired_seed
from test_roundtrip import POOL, check

from pipeline import normalize


def _cases(stage, label):
    cases = known_failures(stage)
    return pytest.mark.parametrize("case", cases, ids=[label(c)[:40] for c in cases])


@_cases("mojibake", lambda c: c["raw"])
@pytest.mark.xfail(strict=True, raises=AssertionError)
def test_mojibake(case):
    if not os.path.exists(os.path.join(RAW, case["doc"])):
        pytest.skip(f"{case['doc']} not in raw/")
    assert_seed_run_repaired(case, *repaired_seed(case["doc"]))


@_cases("normalize", lambda c: c["text"])
@pytest.mark.xfail(strict=True, raises=AssertionError)
def test_normalize_is_idempotent(case):
    once = normalize.normalize_text(case["text"])
    assert normalize.normalize_text(once) == once


def _rendered(case):
    """The case's text and expected records; not an AssertionError when the case itself is broken."""
    if "random_case" in case:
        drawn = g.random_case(case["random_case"], POOL)
        if drawn is None:
            raise ValueError("the seed no longer draws a valid combination: pick another")
        return drawn[2], drawn[3]
    rng = random.Random(case["seed"])
    bank = g.make_bank(rng, case["types"], case["per_section"], POOL if case.get("pool") else None)
    layout = g.Layout(**case["layout"])
    if not g.valid(layout, bank):
        raise ValueError("the layout is not one generator.valid accepts")
    return g.render(bank, layout, rng)


@_cases("roundtrip", lambda c: c["name"])
@pytest.mark.xfail(strict=True, raises=AssertionError)
def test_roundtrip(case):
    if not POOL:
        pytest.skip("../shared not present: the banks are drawn from its gold questions")
    check(*_rendered(case))
