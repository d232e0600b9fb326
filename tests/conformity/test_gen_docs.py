"""The catalog and docs/codes.md are generated from the check classes and kept current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pytest_symphony.conformity.checks import builtin_checks
from pytest_symphony.conformity.codes import CATALOG, Category, Severity

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
    out, catalog = tmp_path / "codes.md", tmp_path / "catalog.py"
    args = ["--output", str(out), "--catalog", str(catalog)]
    assert gen.main(["--check", *args]) == 1
    assert "stale" in capsys.readouterr().err
    assert gen.main(args) == 0
    assert gen.main(["--check", *args]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("MAJOR", "MINOR", 1), encoding="utf-8")
    assert gen.main(["--check", *args]) == 1
    assert gen.main(args) == 0
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('"MAJOR"', '"MINOR"', 1), encoding="utf-8")
    assert gen.main(["--check", *args]) == 1
    assert f"{catalog} is stale" in capsys.readouterr().err


def test_each_code_is_declared_by_its_check_class_alone():
    checks = builtin_checks()
    assert [c.code for c in checks] == list(CATALOG)
    for check in checks:
        assert check.declared() == CATALOG[check.code], check.__name__


def test_a_changed_declaration_makes_the_catalog_stale(monkeypatch, tmp_path, capsys):
    gen = load_script()
    args = ["--output", str(tmp_path / "codes.md"), "--catalog", str(tmp_path / "catalog.py")]
    assert gen.main(args) == 0
    check = next(c for c in builtin_checks() if c.code == "UNUSED_EVENT")
    monkeypatch.setattr(check, "severity", Severity.MINOR)
    assert gen.main(["--check", *args]) == 1
    err = capsys.readouterr().err
    assert "catalog.py is stale" in err and "codes.md is stale" in err
    row = next(line for line in gen.render().splitlines() if "`UNUSED_EVENT` |" in line)
    assert "| MINOR |" in row


def test_docs_show_each_checks_first_examples_as_code():
    text = load_script().render()
    for check in builtin_checks():
        section = text.split(f"### `{check.code}`\n", 1)[1].split("\n### ", 1)[0]
        assert "Reported (" in section and "Not reported (" in section, check.code
        example = check.INVALID[0]
        path = example.at[0] if example.at else next(p for p in example.files if p != "handlers.py")
        assert example.files[path].rstrip("\n") in section


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
