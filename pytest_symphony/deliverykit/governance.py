"""Governance as code: the guide's policies on visibility, consistency and weekly metrics, measured.

* **visibility** of a movement: the share of its beats (those the run's dynamic runs)
  that recorded evidence for the release (``<evidence>/<version>/<key>.json`` exists);
* **consistency** of a movement: its beats' pass rate over the last complete runs of the
  sequence in the history (a run is complete for a movement when every beat its dynamic
  runs has an outcome; a beat's outcome is its last attempt, and only ``passed`` passes),
  the current run's outcomes included;
* **metrics reported weekly**: the age of the newest run in which the measuring beat
  passed (the current run counts when it measured).

Each value is a :class:`~.records.Metric`; without its source it is "not measured".
No pytest here: the handlers pass what the runtime knows (the dynamic's beats, the
current run's outcomes) and enforce the thresholds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..paths import shown_path
from ..telemetry.store import HistoryError, HistoryStore
from .evidence import evidence_dir
from .records import Metric
from .settings import DeliverySettings
from .timeutil import parse_time

__all__ = ["DEFAULT_THRESHOLD", "REPORT_EVERY_DAYS", "RUNS", "consistency", "measurement_age", "visibility"]

#: The guide's threshold for both scores.
DEFAULT_THRESHOLD = 0.70
#: Complete runs the consistency score looks back over (the current one included).
RUNS = 10
#: "Team must report metrics weekly".
REPORT_EVERY_DAYS = 7


def visibility(settings: DeliverySettings, version: str, keys: Sequence[str], movement: str) -> Metric:
    """The share of ``keys`` (the evidence names of the movement's beats) with evidence for ``version``."""
    if not keys:
        return Metric.not_measured("visibility", f"no beat of {movement} runs at this dynamic")
    folder = evidence_dir(settings, version)
    found = [k for k in keys if (folder / f"{k}.json").is_file()]
    return Metric(
        "visibility",
        len(found) / len(keys),
        "",
        f"{len(found)} of {len(keys)} beats of {movement} recorded evidence in {shown_path(folder, settings.root)}",
    )


@dataclass(frozen=True)
class _Outcome:
    started_at: str
    dynamic: str | None
    finals: dict[str, Any]  #: beat slug -> final status


def _outcomes(history: Path, sequence: str, movement: str, exclude_run: str | None) -> list[_Outcome]:
    """Per run (oldest first): the final status of each beat of ``movement``."""
    with HistoryStore(history) as store:
        runs = {r[0]: (r[1] or "", r[2]) for r in store.rows("SELECT run_id, started_at, dynamic FROM runs")}
        rows = store.rows(
            "SELECT run_id, beat, status, coalesce(attempt, 0), id FROM attempts "
            "WHERE sequence = ? AND movement = ? AND kind = 'beat' ORDER BY id",
            (sequence, movement),
        )
    finals: dict[str, dict[str, tuple[Any, ...]]] = defaultdict(dict)
    for run_id, beat, status, attempt, row_id in rows:
        if run_id == exclude_run or run_id not in runs:
            continue
        if beat not in finals[run_id] or (attempt, row_id) >= finals[run_id][beat][:2]:
            finals[run_id][beat] = (attempt, row_id, status)
    outcomes = [_Outcome(runs[r][0], runs[r][1], {b: v[2] for b, v in beats.items()}) for r, beats in finals.items()]
    return sorted(outcomes, key=lambda o: o.started_at)


def consistency(
    history: Path | None,
    sequence: str,
    movement: str,
    expected: Callable[[str | None], set[str]],
    *,
    current: Mapping[str, str] | None = None,
    exclude_run: str | None = None,
    runs: int = RUNS,
) -> Metric:
    """Pass rate of the movement's beats over its last ``runs`` complete runs.

    ``expected(dynamic)``: the beat slugs a run at that dynamic runs in the movement;
    ``current``: this run's outcomes (slug -> status), counted as the newest run;
    ``exclude_run``: this run's id, whose records may already be in the history.
    """
    try:
        earlier = (
            _outcomes(Path(history), sequence, movement, exclude_run)
            if history is not None and Path(history).is_file()
            else []
        )
    except HistoryError as exc:  # the history never decides a run: the score is not measured
        return Metric.not_measured("consistency", f"the run history cannot be read: {exc}")
    complete: list[Mapping[str, str]] = []
    for outcome in reversed(earlier):
        wanted = expected(outcome.dynamic)
        if wanted and wanted <= set(outcome.finals):
            complete.append({b: outcome.finals[b] for b in wanted})
    if current:
        complete.insert(0, dict(current))
    complete = complete[:runs]
    if not complete:
        return Metric.not_measured("consistency", f"no complete run of {movement} in the history")
    total = sum(len(c) for c in complete)
    passed = sum(1 for c in complete for status in c.values() if status == "passed")
    return Metric(
        "consistency",
        passed / total,
        "",
        f"{passed} of {total} beat outcomes passed in the last {len(complete)} complete run(s) of {movement}",
    )


def measurement_age(
    history: Path | None,
    sequence: str,
    handler: str,
    *,
    now: datetime,
    measured_now: bool = False,
    exclude_run: str | None = None,
) -> Metric:
    """Days since the newest run of ``sequence`` whose beat running ``handler`` passed."""
    name = "days_since_measurement"
    if measured_now:
        return Metric(name, 0.0, "days", "this run measured")
    if history is None or not Path(history).is_file():
        return Metric.not_measured(name, "no run history", "days")
    try:
        with HistoryStore(history) as store:
            rows = store.rows(
                "SELECT max(r.started_at) FROM attempts a JOIN runs r ON r.run_id = a.run_id "
                "WHERE a.sequence = ? AND a.handler = ? AND a.status = 'passed' AND a.run_id != ?",
                (sequence, handler, exclude_run or ""),
            )
    except HistoryError as exc:
        return Metric.not_measured(name, f"the run history cannot be read: {exc}", "days")
    newest = rows[0][0] if rows else None
    if not newest:
        return Metric.not_measured(name, f"no run of {sequence} has measured yet ({handler} never passed)", "days")
    return Metric(name, (now - parse_time(newest)).total_seconds() / 86400, "days", f"run started {newest}")
