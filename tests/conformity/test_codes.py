"""The catalog in code matches the public contract (the guide's tables)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pytest_symphony.conformity.codes import (
    CATALOG,
    CATEGORY_DIMENSION,
    Category,
    Code,
    Dimension,
    FixSafety,
    Severity,
    all_codes,
    is_known,
    lookup,
    register_code,
    unregister_code,
)

GUIDE = Path(os.environ["SYMPHONY_SHARED"]) / "guide" / "conformity-codes.md"

HEADING = re.compile(r"^## (\w+) \(dimension: (\w+)\)")
ROW = re.compile(r"^\| ([A-Z][A-Z0-9_]+) \| (\w+) \| (\w+) \| (.+) \|$")


def guide_rows() -> list[tuple[str, str, str, str, str]]:
    """(name, category, dimension, severity, fix) for every row of the guide's tables."""
    rows = []
    category = dimension = None
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        m = HEADING.match(line)
        if m:
            category, dimension = m.group(1).lower(), m.group(2)
            continue
        if line.startswith("## "):
            category = dimension = None
            continue
        m = ROW.match(line)
        if m and category:
            rows.append((m.group(1), category, dimension, m.group(2), m.group(3)))
    return rows


def test_exactly_45_codes():
    assert len(CATALOG) == 45
    assert len(set(CATALOG)) == 45
    assert all(name == code.name for name, code in CATALOG.items())


@pytest.mark.skipif(not GUIDE.is_file(), reason=f"guide not found at {GUIDE}")
def test_catalog_matches_guide_row_by_row():
    rows = guide_rows()
    assert len(rows) == 45, "the guide's tables should list 45 codes"
    # same names, same order
    assert [r[0] for r in rows] == list(CATALOG)
    for name, category, dimension, severity, fix in rows:
        code = CATALOG[name]
        assert code.category is Category(category), name
        assert code.dimension is Dimension(dimension), name
        assert code.severity is Severity(severity), name
        assert code.fix is FixSafety(fix), name


def test_every_code_is_documented():
    for code in CATALOG.values():
        assert code.summary.strip().endswith("."), code.name
        assert len(code.summary) > 30, code.name
        if code.fix is FixSafety.NONE:
            assert code.fix_summary is None, code.name
        else:
            assert code.fix_summary and code.fix_summary.endswith("."), code.name
        assert code.dimension is CATEGORY_DIMENSION[code.category]


def test_counts_per_category_and_severity():
    per_cat = {c: sum(1 for x in CATALOG.values() if x.category is c) for c in Category}
    assert per_cat == {
        Category.ORCHESTRATION: 9,
        Category.SEQUENCE: 13,
        Category.HANDLER: 8,
        Category.TRACEABILITY: 7,
        Category.GOVERNANCE: 5,
        Category.DEPENDENCY: 3,
    }
    assert CATALOG["UNUSED_EVENT"].severity is Severity.INFO
    assert CATALOG["HANDLER_NOT_FOUND"].fix is FixSafety.UNSAFE


def test_severity_is_ordered():
    assert Severity.INFO < Severity.MINOR < Severity.MAJOR < Severity.CRITICAL
    assert Severity.CRITICAL >= Severity.CRITICAL
    assert max([Severity.MINOR, Severity.CRITICAL, Severity.INFO]) is Severity.CRITICAL
    assert sorted(Severity) == [Severity.INFO, Severity.MINOR, Severity.MAJOR, Severity.CRITICAL]
    assert Severity.parse("major") is Severity.MAJOR
    assert str(Severity.MAJOR) == "MAJOR"
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        Severity.parse("fatal")
    with pytest.raises(TypeError):
        Severity.MAJOR < 3  # noqa: B015


def test_code_validation():
    with pytest.raises(ValueError, match="UPPER_SNAKE_CASE"):
        Code("lower", Category.HANDLER, Dimension.HANDLER, Severity.INFO, FixSafety.NONE, "x.")
    with pytest.raises(ValueError, match="fix_summary"):
        Code("X_Y", Category.HANDLER, Dimension.HANDLER, Severity.INFO, FixSafety.SAFE, "x.")
    with pytest.raises(ValueError, match="fix_summary"):
        Code("X_Y", Category.HANDLER, Dimension.HANDLER, Severity.INFO, FixSafety.NONE, "x.", "f")


def test_plugin_codes_register_beside_the_catalog():
    code = Code("ACME_RULE", Category.HANDLER, Dimension.HANDLER, Severity.MINOR, FixSafety.NONE, "Acme.")
    assert not is_known("ACME_RULE")
    register_code(code)
    try:
        assert lookup("ACME_RULE") is code
        assert register_code(code) is code  # idempotent
        assert "ACME_RULE" not in CATALOG
        assert list(all_codes())[-1] is code
        with pytest.raises(ValueError, match="already registered"):
            register_code(
                Code("ACME_RULE", Category.HANDLER, Dimension.HANDLER, Severity.MAJOR, FixSafety.NONE, "Other.")
            )
    finally:
        unregister_code("ACME_RULE")
    assert lookup("ACME_RULE") is None
    with pytest.raises(ValueError, match="built-in"):
        register_code(CATALOG["HANDLER_NOT_FOUND"])
