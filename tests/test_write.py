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


def test_parquet_has_declared_types_and_zstd(tmp_path):
    path = tmp_path / "q.parquet"
    write.write_parquet(str(path), [])
    meta = pq.ParquetFile(path)
    assert meta.schema_arrow.equals(write.RECORD_SCHEMA)
