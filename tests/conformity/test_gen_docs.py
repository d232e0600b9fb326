"""docs/codes.md is generated from the catalog and kept current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pytest_symphony.conformity.codes import CATALOG, Category

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_docs.py"


def load_script():
    spec = importlib.util.spec_from_file_location("symphony_gen_docs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_codes_md_is_current(capsys):
    gen = load_script()
    assert gen.main(["--check"]) == 0, capsys.readouterr().err


def test_check_detects_stale_and_missing(tmp_path, capsys):
    gen = load_script()
    out = tmp_path / "codes.md"
    assert gen.main(["--check", "--output", str(out)]) == 1
    assert "stale" in capsys.readouterr().err
    assert gen.main(["--output", str(out)]) == 0
    assert gen.main(["--check", "--output", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("MAJOR", "MINOR", 1), encoding="utf-8")
    assert gen.main(["--check", "--output", str(out)]) == 1


def test_generated_tables_cover_every_code():
    text = load_script().render()
    for category in Category:
        assert f"(category `{category.value}`)" in text
    for code in CATALOG.values():
        anchor = f'<a id="{code.name.lower()}"></a>'  # where a SARIF rule's helpUri points
        row = next(line for line in text.splitlines() if line.startswith(f"| {anchor}`{code.name}` |"))
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[:4] == [f"{anchor}`{code.name}`", code.severity.value, code.fix.value, code.dimension.value]
        assert cells[4] == code.summary
        assert cells[5] == (code.fix_summary or "-")
    assert "score   = base * 0.64" in text
    assert "| Good | 0.85 to below 0.95 |" in text
