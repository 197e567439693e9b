import os

import pyarrow.parquet as pq
import pytest

from pipeline import write


def test_atomic_open_leaves_old_file_on_crash(tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with write.atomic_open(str(path)) as f:
            f.write("half a new fi")
            raise RuntimeError("killed")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["questions.jsonl"], "no temp file left behind"


def row(i: int) -> dict:
    return {"schema_version": "1.0", "id": f"q_{i:016x}", "doc_id": "0" * 16,
            "source": {"path": "raw/a.txt", "site": "unknown", "title": None, "url": None}, "ordinal": i,
            "chapter": None, "section": None, "number": str(i), "type": "essay", "stem": f"第{i}题",
            "options": [], "answer": {"labels": [], "judgement": None, "text": None}, "explanation": None,
            "answer_source": "none", "flags": [], "duplicate_of": None, "span": {"start": 0, "end": 1}}


def test_streaming_output_writes_fixed_row_groups_with_declared_types(tmp_path):
    out = write.StreamingOutput(str(tmp_path), batch_rows=4)
    for start in (0, 3, 5):                       # arrivals of uneven size
        out.records([row(i) for i in range(start, {0: 3, 3: 5, 5: 10}[start])])
    assert not (tmp_path / "questions.parquet").exists(), "nothing visible before commit"
    out.commit()
    meta = pq.ParquetFile(tmp_path / "questions.parquet")
    assert meta.schema_arrow.equals(write.RECORD_SCHEMA)
    assert [meta.metadata.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4, 2]
    assert meta.metadata.row_group(0).column(0).compression == "ZSTD"
    assert len((tmp_path / "questions.jsonl").read_text(encoding="utf-8").splitlines()) == 10
    out.finish()
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")], "staging folder removed"


def test_streaming_output_without_records_is_a_valid_empty_file(tmp_path):
    out = write.StreamingOutput(str(tmp_path))
    out.commit()
    assert pq.read_table(tmp_path / "questions.parquet").num_rows == 0


def test_aborted_output_leaves_the_previous_files(tmp_path):
    (tmp_path / "questions.jsonl").write_text("old\n", encoding="utf-8")
    out = write.StreamingOutput(str(tmp_path))
    out.records([row(1)])
    out.abort()
    assert (tmp_path / "questions.jsonl").read_text(encoding="utf-8") == "old\n"
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
