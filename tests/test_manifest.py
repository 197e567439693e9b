"""The manifest sink: counts, per-document entries, the streamed file."""
import json

import pytest

from pipeline import manifest as manifest_module
from pipeline.model import DocResult, Document, MojibakeRun, QuestionRecord


@pytest.mark.parametrize("entries", [[], [{"path": "raw/a.txt", "flags": {}, "runs": [1, {"raw": "測"}]}, {"path": "b"}]])
def test_streamed_manifest_is_the_same_json(tmp_path, entries):
    manifest = {"pipeline_version": "x", "inputs": None, "timings": {"total": 1.5}, "outputs": {}}
    lines = (json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries)
    manifest_module.write_manifest(str(tmp_path / "m.json"), manifest, lines)
    text = (tmp_path / "m.json").read_text(encoding="utf-8")
    assert json.loads(text) == {**manifest, "inputs": entries}
    assert len(text.splitlines()) == len(json.dumps(manifest, indent=2).splitlines()) + (len(entries) + 1 if entries else 0)


def record(n: int, flags=(), duplicate_of=None) -> QuestionRecord:
    return QuestionRecord(doc_id="0" * 16, source={"path": "raw/a.txt", "site": "unknown", "title": None, "url": None},
                          ordinal=n, chapter=None, section=None, number=str(n), type="essay", stem=f"第{n}题",
                          flags=list(flags), duplicate_of=duplicate_of)


def result(path: str, records=(), error=None, internal=None, rejected=(), runs=()) -> DocResult:
    doc = Document(path=path, doc_id="0" * 16, sha256="0" * 64, error=error, internal_error=internal)
    doc.records, doc.rejected, doc.mojibake_runs = list(records), list(rejected), list(runs)
    return DocResult(doc)


def test_counts_and_entries_as_results_stream_by(tmp_path):
    sink = manifest_module.Manifest(str(tmp_path))
    sink.problem({"path": "raw/loop", "reason": "symlink loop, folder skipped"})
    sink.add(result("raw/a.txt", [record(1, ["duplicate"], "q_" + "1" * 16), record(2, ["mojibake_uncertain"])],
                    runs=[MojibakeRun("??蛻", "。客", 0.4, True, 3, 5)]))
    sink.add(result("raw/b.txt", error="empty file"))
    sink.add(result("raw/c.txt", error="internal error in pipeline (link): KeyError: 'x'", internal="Traceback …"))
    sink.add(result("raw/d.txt"))
    sink.add(result("raw/e.txt", rejected=[{"record": {}, "reason": "stem: minLength"}]))
    summary = sink.summary("raw", {}, {"total": 0.0})
    assert summary["documents"] == {
        "total": 6, "ok": 3, "quarantined": 2, "internal_errors": 1,
        "without_records": {"folder problem": 1, "internal error": 1, "no questions found": 1, "quarantined": 1,
                            "records rejected by the schema": 1}}
    assert summary["records"] == {"total": 2, "by_type": {"essay": 2}, "by_flag": {"duplicate": 1, "mojibake_uncertain": 1},
                                  "duplicates": 1, "rejected": 1}
    entries = list(sink.entries())
    assert [e["status"] for e in entries] == ["ok", "quarantined", "internal_error", "ok", "ok"]
    assert entries[0]["mojibake_runs"] == [{"raw": "??蛻", "repaired": "。客", "confidence": 0.4, "uncertain": True,
                                            "span": {"start": 3, "end": 5}}]
    assert len(list(sink.entries(limit=2))) == 2
