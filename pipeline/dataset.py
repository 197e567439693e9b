"""Loading cleaned/ from Python:

    from pipeline import load
    df = load("cleaned/")                       # pandas DataFrame
    rel = load("cleaned/", engine="duckdb")      # DuckDB relation, lazy
    rel.filter("type = 'single_choice'").df()

pandas: `type`, `answer_source` and `site` (from source.site) are
categoricals (the schema's enums fix the categories of the first two, so
frames from different runs concatenate cleanly); nested columns (source,
options, answer, span) stay nested as dicts and lists of dicts; `flags` is
a list of strings.
"""
from __future__ import annotations

import os

ENGINES = ("pandas", "duckdb")


def parquet_path(path: str) -> str:
    return os.path.join(path, "questions.parquet") if os.path.isdir(path) else path


def load(path: str = "cleaned", engine: str = "pandas", types: list[str] | None = None,
         drop_duplicates: bool = False, connection=None):
    """The questions of an ingest output folder (or a questions.parquet)."""
    file = parquet_path(path)
    if not os.path.exists(file):
        raise FileNotFoundError(f"{file}: no such file (run `python -m pipeline ingest` first)")
    if engine == "duckdb":
        import duckdb
        con = connection or duckdb.connect()
        rel = con.read_parquet(file)
        if types:
            rel = rel.filter("type IN (" + ", ".join("'" + t.replace("'", "''") + "'" for t in types) + ")")
        if drop_duplicates:
            rel = rel.filter("duplicate_of IS NULL")
        return rel
    if engine != "pandas":
        raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    import pandas as pd  # here, not at import: `import pipeline` stays light for workers
    import pyarrow.parquet as pq

    from .schema import load_schema
    props = load_schema()["properties"]
    df = pq.read_table(file).to_pandas()
    if types:
        df = df[df["type"].isin(types)]
    if drop_duplicates:
        df = df[df["duplicate_of"].isna()]
    df = df.reset_index(drop=True)
    df["type"] = pd.Categorical(df["type"], categories=props["type"]["enum"])
    df["answer_source"] = pd.Categorical(df["answer_source"], categories=props["answer_source"]["enum"])
    sites = pd.Categorical([s["site"] for s in df["source"]])
    df.insert(df.columns.get_loc("source") + 1, "site", sites)
    df["ordinal"] = df["ordinal"].astype("int32")
    return df
