"""The documentation in the repository says what the code does: docs/output.md
against the schema and a real run, the README against the command line."""
import os
import re

import pytest
from conftest import ROOT

from pipeline import schema
from pipeline.cli import parser

DOC = os.path.join(ROOT, "docs", "output.md")
README = os.path.join(ROOT, "README.md")


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def table(heading: str) -> dict[str, list[str]]:
    """`name` → the other cells, for the first table after `heading` in docs/output.md."""
    text = read(DOC)
    part = text[text.index(heading) + len(heading):]
    rows = {}
    for line in part.splitlines():
        if rows and not line.startswith("|"):
            break
        m = re.match(r"\| `([^`]+)` \|(.*)\|$", line)
        if m:
            rows[m[1]] = [c.strip() for c in m[2].split("|")]
    return rows


def type_name(s: dict) -> str:
    if "enum" in s:
        return "enum"
    kinds = s["type"] if isinstance(s["type"], list) else [s["type"]]
    return " or ".join("list of " + type_name(s["items"]) if k == "array" else k for k in kinds)


def fields(props: dict, prefix: str = "") -> dict[str, dict]:
    """Every field path of the schema (source.path, options[].label …) → its schema."""
    out = {}
    for name, s in props.items():
        out[prefix + name] = s
        if s.get("type") == "object":
            out.update(fields(s["properties"], f"{prefix}{name}."))
        if s.get("type") == "array" and s["items"].get("type") == "object":
            out.update(fields(s["items"]["properties"], f"{prefix}{name}[]."))
    return out


def test_every_record_field_is_documented_with_its_type():
    documented = table("## The question record")
    expected = fields(schema.load_schema()["properties"])
    assert set(documented) == set(expected), "docs/output.md and the schema list different fields"
    for name, s in expected.items():
        assert documented[name][0] == type_name(s), name
        for value in s.get("enum", []):
            assert f"`{value}`" in documented[name][1], (name, value)


def test_every_flag_is_documented():
    flags = schema.load_schema()["properties"]["flags"]["items"]["enum"]
    documented = table("### Flags")
    assert set(documented) == set(flags)
    assert all(meaning for (meaning,) in documented.values())


def manifest_fields(manifest: dict) -> set[str]:
    names = set()
    for key, value in manifest.items():
        names.add(key)
        if key in ("documents", "records"):
            names.update(f"{key}.{k}" for k in value)
        if key == "inputs":
            names.update(f"inputs[].{k}" for entry in value for k in entry)
    return names


def test_every_manifest_field_is_documented(seed_run):
    _, manifest = seed_run
    assert set(table("## The manifest")) == manifest_fields(manifest)


def test_every_output_file_is_documented(seed_run):
    cleaned, _ = seed_run
    written = {n if os.path.isfile(cleaned / n) else n for n in os.listdir(cleaned) if not n.startswith(".")}
    written = {("docs/<doc_id>.txt" if n == "docs" else n) for n in written}
    assert set(table("## Files")) == written


def options_of(ap) -> set[str]:
    found = set()
    for action in ap._actions:
        found.update(o for o in action.option_strings if o.startswith("--") and o != "--help")
        if isinstance(action.choices, dict):          # the subcommands
            for sub in action.choices.values():
                found.update(options_of(sub))
    return found


def test_the_readme_stands_alone_and_names_every_option():
    text = read(README)
    assert "SPEC.md" not in text         # the contract is documented here, not in a file users do not have
    assert "docs/output.md" in text
    options = options_of(parser())
    assert {"--raw", "--near-duplicates", "--types", "--max-bytes", "--version"} <= options
    missing = sorted(o for o in options if o not in text)
    assert not missing, f"options the README does not mention: {missing}"


@pytest.mark.parametrize("path", ["docs/output.md", "README.md"])
def test_links_to_files_in_the_repository_resolve(path):
    for target in re.findall(r"\]\((?!https?:)([^)#]+)\)", read(os.path.join(ROOT, path))):
        assert os.path.exists(os.path.join(ROOT, os.path.dirname(path), target)), target
