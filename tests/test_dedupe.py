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


def make(path, ordinal, stem, qtype="single_choice", options=("甲", "乙", "丙", "丁")):
    from pipeline.model import QuestionRecord
    rec = QuestionRecord(doc_id="0" * 16, source={"path": path, "site": "unknown", "title": None, "url": None},
                         ordinal=ordinal, chapter=None, section=None, number=str(ordinal), type=qtype, stem=stem,
                         options=[{"label": "ABCD"[i], "text": t} for i, t in enumerate(options)] if qtype != "essay" else [])
    rec.id = f"q_{hash((path, ordinal)) & (2**64 - 1):016x}"
    return rec


STEM = "在处理客户投诉时,电子商务师首先应该做的事情是以下哪一项内容,请结合客户服务管理中首问负责制的核心要求作答（）"


def run(records, threshold=0.8):
    from pipeline.dedupe import dedupe
    from pipeline.model import StageStats
    stats = StageStats("dedupe")
    dedupe(records, stats, threshold)
    return stats


def test_exact_copy_across_documents_points_at_the_first_by_path():
    a, b = make("raw/b.txt", 1, STEM), make("raw/a.txt", 5, STEM)
    stats = run([a, b])
    assert a.duplicate_of == b.id and "duplicate" in a.flags and b.duplicate_of is None
    assert stats.dropped["exact_duplicate"] == 1


def test_near_copy_is_found_and_threshold_is_configurable():
    a, b = make("raw/a.txt", 1, STEM), make("raw/a.txt", 2, STEM.replace("首先", "最先"))
    assert run([a, b]).dropped["near_duplicate"] == 1 and b.duplicate_of == a.id
    c, d = make("raw/a.txt", 1, STEM), make("raw/a.txt", 2, STEM.replace("首先", "最先"))
    assert run([c, d], threshold=1.0).dropped == {} and d.duplicate_of is None


def test_different_questions_and_different_types_are_not_duplicates():
    a = make("raw/a.txt", 1, STEM)
    b = make("raw/a.txt", 2, "客户满意度调查通常通过哪些方式收集数据（）")
    c = make("raw/a.txt", 3, STEM, qtype="essay")
    run([a, b, c])
    assert b.duplicate_of is None and c.duplicate_of is None


def test_copies_of_copies_point_at_the_root():
    a, b, c = (make("raw/a.txt", n, STEM) for n in (1, 2, 3))
    run([c, b, a])
    assert b.duplicate_of == a.id and c.duplicate_of == a.id


def test_band_index_finds_what_a_plain_dict_finds():
    """Sorted arrays plus merges give the same candidates as a dict of lists."""
    import numpy as np

    from pipeline.dedupe import BandIndex
    rng = np.random.default_rng(7)
    index, plain = BandIndex(min_recent=50), {}
    for record in range(400):
        keys = rng.integers(0, 300, size=8, dtype=np.uint64)      # small key space: many collisions
        expected = {i for k in keys.tolist() for i in plain.get(k, [])}
        assert index.find(keys) == expected
        index.add(keys, record)
        for k in keys.tolist():
            plain.setdefault(k, []).append(record)
    assert len(index.keys) > 0, "merges happened"


def test_keys_of_a_document_are_each_records_keys(monkeypatch):
    """The batched computation the fingerprint stage runs gives what each
    record alone gives: texts of every length, empty ones included."""
    from pipeline import dedupe
    recs = [make("raw/a.txt", n, STEM[:n * 7] + "甲乙", options=("选项A", "乙" * n, "", "丁")) for n in range(1, 14)]
    recs += [make("raw/a.txt", 20, "", options=()), make("raw/a.txt", 21, "甲", qtype="essay"),
             make("raw/a.txt", 22, "\ufdd0混入分隔符的题干（）")]
    whole = dedupe.keys_of(recs)
    monkeypatch.setattr(dedupe, "BATCH_GRAMS", 60)          # several batches: the same keys
    assert dedupe.keys_of(recs) == whole
    for rec, got in zip(recs, whole):
        text = dedupe._text(rec)
        grams = dedupe.gram_hashes(text)
        assert got.digest == dedupe.fingerprint(rec.type, text)
        assert got.grams == grams.tobytes()
        assert got.bands == dedupe.band_keys(dedupe.minhash(grams)).tobytes()


def test_gram_hashes_are_the_set_of_5_grams():
    from pipeline import dedupe
    text = "客户服务客户服务管理"
    grams = {text[i:i + 5] for i in range(len(text) - 4)}
    assert len(dedupe.gram_hashes(text)) == len(grams)
    assert len(dedupe.gram_hashes("甲乙")) == 1 and dedupe.gram_hashes("甲乙")[0] != dedupe.gram_hashes("乙甲")[0]
