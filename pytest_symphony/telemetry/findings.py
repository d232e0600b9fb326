"""What a run found and produced, beside its attempts: conformity violations and scores,
artifacts, applied fixes (history schema version 2).

These rows come from other areas: the conformity checks (``add_violations``,
``add_scores``), the build pipeline (``add_artifacts``), the fixer (``add_fixes``).
They are kept per run so that reports can show them over time and trace each one
to the run, commit and spec hashes it belongs to.

:class:`FindingsMixin` is part of :class:`~pytest_symphony.telemetry.store.HistoryStore`;
it relies on the store's ``_write`` (one ``BEGIN IMMEDIATE`` transaction) and
``_query``.  A run id not yet recorded gets a bare ``runs`` row stamped now, so a
finding is never lost to the foreign key (the run's own record fills it in later).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Mapping

from .records import utc_now

#: Schema version 1 -> 2.  Shipped: never edit, append a new migration instead.
MIGRATION_2 = """
ALTER TABLE attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'beat';
ALTER TABLE attempts ADD COLUMN target TEXT;
CREATE INDEX idx_attempts_kind ON attempts (kind);

CREATE TABLE steps (
    id          INTEGER PRIMARY KEY,
    attempt_id  INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    run_id      TEXT,
    position    INTEGER,
    text        TEXT,
    status      TEXT,
    duration_ms REAL
);
CREATE INDEX idx_steps_attempt_id ON steps (attempt_id);

CREATE TABLE violations (
    id              INTEGER PRIMARY KEY,
    run_id          TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    code            TEXT NOT NULL,
    severity        TEXT,
    dimension       TEXT,
    message         TEXT,
    path            TEXT,
    line            INTEGER,
    col             INTEGER,
    pointer         TEXT,
    sequence        TEXT,
    beat            TEXT,
    fix_description TEXT,
    fix_safety      TEXT,
    data_json       TEXT
);
CREATE INDEX idx_violations_run_id ON violations (run_id);
CREATE INDEX idx_violations_code ON violations (code, severity);

CREATE TABLE scores (
    run_id    TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    score     REAL,
    PRIMARY KEY (run_id, dimension)
);

CREATE TABLE artifacts (
    id      INTEGER PRIMARY KEY,
    run_id  TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    name    TEXT,
    version TEXT,
    size    INTEGER,
    sha256  TEXT,
    path    TEXT,
    kind    TEXT
);
CREATE INDEX idx_artifacts_run_id ON artifacts (run_id);

CREATE TABLE fixes (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    code        TEXT,
    path        TEXT,
    snapshot_id TEXT,
    status      TEXT
);
CREATE INDEX idx_fixes_run_id ON fixes (run_id);
"""


def ensure_runs(conn: sqlite3.Connection, run_ids: Iterable[str]) -> None:
    """Give every run id a ``runs`` row (stamped now) unless it has one."""
    now = utc_now()
    conn.executemany(
        "INSERT OR IGNORE INTO runs (run_id, started_at) VALUES (?, ?)",
        [(r, now) for r in sorted(set(run_ids))],
    )


def _text(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(getattr(value, "value", value))  # enums (Severity, Dimension) by value


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _violation_row(run_id: str, violation: Mapping[str, Any]) -> tuple[Any, ...]:
    if not violation.get("code"):
        raise ValueError(f"a violation needs a code: {dict(violation)!r}")
    # Violation.to_dict() calls the place "location"; the documented shape says "place"
    place = violation.get("place") or violation.get("location") or {}
    fix = violation.get("fix") or {}
    return (
        run_id,
        str(violation["code"]),
        _text(violation.get("severity")),
        _text(violation.get("dimension")),
        _text(violation.get("message")),
        _text(place.get("path")),
        _int(place.get("line")),
        _int(place.get("col")),
        _text(place.get("pointer")),
        _text(violation.get("sequence")),
        _text(violation.get("beat")),
        _text(fix.get("description")),
        _text(fix.get("safety")),
        json.dumps(dict(violation), default=str, ensure_ascii=False, sort_keys=True),
    )


class FindingsMixin:
    """Writers and readers for violations, scores, artifacts and fixes."""

    # ----------------------------------------------------------------- writes

    def add_violations(self, run_id: str, violations: Iterable[Mapping[str, Any]]) -> int:
        """Store conformity violations (``Violation.to_dict()`` shapes) for a run."""
        return self._insert_rows(
            run_id,
            "violations",
            "INSERT INTO violations (run_id, code, severity, dimension, message, path, line, "
            "col, pointer, sequence, beat, fix_description, fix_safety, data_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_violation_row(run_id, v) for v in violations],
        )

    def add_scores(self, run_id: str, scores: Mapping[Any, float]) -> int:
        """Store the run's conformity scores by dimension; a dimension scored again is replaced."""
        return self._insert_rows(
            run_id,
            "scores",
            "INSERT INTO scores (run_id, dimension, score) VALUES (?, ?, ?) "
            "ON CONFLICT (run_id, dimension) DO UPDATE SET score = excluded.score",
            [(run_id, _text(dim), _float(score)) for dim, score in scores.items()],
        )

    def add_artifacts(self, run_id: str, artifacts: Iterable[Mapping[str, Any]]) -> int:
        """Store what a run produced: ``{name, version, size, sha256, path, kind}``."""
        return self._insert_rows(
            run_id,
            "artifacts",
            "INSERT INTO artifacts (run_id, name, version, size, sha256, path, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    _text(a.get("name")),
                    _text(a.get("version")),
                    _int(a.get("size")),
                    _text(a.get("sha256")),
                    _text(a.get("path")),
                    _text(a.get("kind")),
                )
                for a in artifacts
            ],
        )

    def add_fixes(self, run_id: str, fixes: Iterable[Mapping[str, Any]]) -> int:
        """Store fixes the run applied (or rolled back): ``{code, path, snapshot_id, status}``."""
        return self._insert_rows(
            run_id,
            "fixes",
            "INSERT INTO fixes (run_id, code, path, snapshot_id, status) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    _text(f.get("code")),
                    _text(f.get("path")),
                    _text(f.get("snapshot_id")),
                    _text(f.get("status")),
                )
                for f in fixes
            ],
        )

    def _insert_rows(self, run_id: str, what: str, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Insert a run's findings in one write transaction (its run row made if missing)."""

        def work(conn: sqlite3.Connection) -> None:
            ensure_runs(conn, [run_id])
            conn.executemany(sql, rows)

        if rows:
            self._write(f"store {what} in", work)  # type: ignore[attr-defined]
        return len(rows)

    # ----------------------------------------------------------------- reads

    def violations(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Violations as stored (the dict given, plus ``run_id``), in the order stored."""
        sql = "SELECT run_id, data_json FROM violations"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            sql, params = sql + " WHERE run_id = ?", (run_id,)
        out = []
        for row in self._query(sql + " ORDER BY id", params):  # type: ignore[attr-defined]
            data = json.loads(row["data_json"] or "{}")
            data["run_id"] = row["run_id"]
            out.append(data)
        return out

    def violation_counts(self) -> list[dict[str, Any]]:
        """``{run_id, code, severity, dimension, count}`` per run and code, for trends."""
        rows = self._query(  # type: ignore[attr-defined]
            "SELECT run_id, code, severity, dimension, count(*) AS count FROM violations "
            "GROUP BY run_id, code, severity, dimension ORDER BY run_id, code"
        )
        return [dict(r) for r in rows]

    def scores(self, run_id: str | None = None) -> dict[str, dict[str, float]]:
        """``{run_id: {dimension: score}}`` (one run's, or every run's)."""
        sql = "SELECT run_id, dimension, score FROM scores"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            sql, params = sql + " WHERE run_id = ?", (run_id,)
        out: dict[str, dict[str, float]] = {}
        for row in self._query(sql + " ORDER BY run_id, dimension", params):  # type: ignore[attr-defined]
            out.setdefault(row["run_id"], {})[row["dimension"]] = row["score"]
        return out

    def artifacts(self, run_id: str | None = None) -> list[dict[str, Any]]:
        return self._rows("artifacts", run_id)

    def fixes(self, run_id: str | None = None) -> list[dict[str, Any]]:
        return self._rows("fixes", run_id)

    def _rows(self, table: str, run_id: str | None) -> list[dict[str, Any]]:
        sql = f"SELECT * FROM {table}"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            sql, params = sql + " WHERE run_id = ?", (run_id,)
        rows = self._query(sql + " ORDER BY id", params)  # type: ignore[attr-defined]
        return [{k: r[k] for k in r.keys() if k != "id"} for r in rows]
