import json
import os

from conftest import SHARED


def records(out):
    return [json.loads(ln) for ln in (out / "questions.jsonl").read_text(encoding="utf-8").splitlines()]


def test_seed_002_repeats_are_marked_and_nothing_else(seed_run):
    out, manifest = seed_run
    recs = records(out)
    by_id = {r["id"]: r for r in recs}
    dups = [r for r in recs if "duplicate" in r["flags"]]
    assert sorted((r["source"]["path"], r["section"], r["number"]) for r in dups) == \
        sorted(("raw/002_9a0e689e843728b9.txt", "多选题", str(n)) for n in range(11, 21))
    for r in dups:
        first = by_id[r["duplicate_of"]]
        assert first["number"] == str(int(r["number"]) - 10) and first["stem"] == r["stem"]
        assert "duplicate" not in first["flags"]
    assert manifest["records"]["duplicates"] == 10


def test_orphan_answers_match_gold(seed_run):
    path = os.path.join(SHARED, "gold", "seeds_orphan_answers.jsonl")
    if not os.path.exists(path):
        return
    _, manifest = seed_run
    gold = [json.loads(ln) for ln in open(path, encoding="utf-8")]
    ours = [(i["path"].split("/")[-1], o["chapter"], o["section"], o["number"], o["answer"])
            for i in manifest["inputs"] for o in i["orphan_answers"]]
    assert sorted(ours) == sorted((g["doc"], g["chapter"], g["section"], g["number"], g["answer"]) for g in gold)
