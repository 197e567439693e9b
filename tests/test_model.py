"""The records that flow through the pipeline."""
import random

from pipeline.model import FLAG_ORDER, Document, MojibakeRun, order_flags


def test_mojibake_flags_are_the_overlaps_of_the_spans():
    """A record is flagged by every kind of run one of its spans meets (ends
    included), found by bisection: the same as checking every pair."""
    rng = random.Random(1)
    for _ in range(500):
        doc = Document(path="raw/x.txt", doc_id="0" * 16, sha256="0" * 64)
        pos, kinds = 0, {"mojibake_repaired": [], "mojibake_uncertain": [], "mojibake_unrepaired": []}
        for _ in range(rng.randint(0, 9)):
            start = pos + rng.randint(0, 5)
            end = start + rng.randint(0, 4)
            kinds[rng.choice(list(kinds))].append((start, end))
            pos = end
        doc.repaired_spans = kinds["mojibake_repaired"]
        doc.uncertain_spans = kinds["mojibake_uncertain"]
        doc.unrepaired_spans = kinds["mojibake_unrepaired"]
        spans = [(a, a + rng.randint(0, 8)) for a in (rng.randint(0, 40) for _ in range(rng.randint(1, 3)))]
        expected = [flag for flag, runs in kinds.items()
                    if any(s <= e2 and e >= s2 for s, e in runs for s2, e2 in spans)]
        assert doc.mojibake_flags(spans) == expected


def test_uncertain_sits_between_repaired_and_unrepaired():
    assert FLAG_ORDER.index("mojibake_repaired") < FLAG_ORDER.index("mojibake_uncertain") \
        < FLAG_ORDER.index("mojibake_unrepaired")
    assert order_flags(["mojibake_unrepaired", "mojibake_uncertain", "truncated"]) == \
        ["truncated", "mojibake_uncertain", "mojibake_unrepaired"]


def test_a_run_says_what_became_of_it():
    assert MojibakeRun("??蛻", None).kind == "unrepaired"
    assert MojibakeRun("??蛻", "。客", 0.4, True).kind == "uncertain"
    assert MojibakeRun("??蛻", "。客", 0.99, False, 3, 5).to_dict() == {
        "raw": "??蛻", "repaired": "。客", "confidence": 0.99, "uncertain": False, "span": {"start": 3, "end": 5}}
