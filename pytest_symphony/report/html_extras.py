"""pytest-html glue: beat columns, per-beat extras and a symphony summary section.

Imported and registered only when pytest-html writes a report in this process (``--html`` on the
controller), and every pytest-html hook is optional, so nothing here runs or fails
without it.  Rows stay small: four short, escaped cells; the telemetry itself goes
into extras (links), never into the row.  pytest-html's per-test regeneration
(``generate_report_on_test``) is left as the user set it: off by default.
"""

from __future__ import annotations

from typing import Any

from html import escape

import pytest

from ..session_key import recorder_of
from ..telemetry.store import HistoryError, HistoryStore
from .settings import history_path
from .summary import DIMENSIONS

COLUMNS = (("sequence", "Sequence"), ("movement", "Movement"), ("beat", "Beat"), ("event", "Event"))
#: Column index the symphony columns go in at (after pytest-html's Result and Test).
POSITION = 2
MAX_EVENTS_IN_CELL = 3
#: Telemetry fields kept in the JSON extra (the row's columns already say sequence, movement and beat;
#: a self-contained report inlines each extra into its row's links, so it stays small).
_KEEP = ("attempt", "status", "started_at", "duration_ms", "handler", "target", "error", "metrics", "events")
#: Events put in the extras per attempt, at most.
MAX_EVENTS = 50


def cells_for(records: list[dict[str, Any]] | None) -> list[str]:
    """The four cells of a row: sequence, ``movement``, ``M.B beat``, events of the last attempt."""
    if not records:
        return [f'<td class="col-{key}"></td>' for key, _ in COLUMNS]
    last = records[-1]
    names = [ev.get("name", "") for ev in last.get("events") or ()]
    shown = ", ".join(names[:MAX_EVENTS_IN_CELL]) + (
        f" +{len(names) - MAX_EVENTS_IN_CELL}" if len(names) > MAX_EVENTS_IN_CELL else ""
    )
    values = {
        "sequence": last.get("sequence") or "",
        "movement": f"{last.get('movement_number', '')} {last.get('movement') or ''}".strip(),
        "beat": f"{last.get('movement_number', '')}.{last.get('beat_number', '')} {last.get('beat') or ''}".strip(),
        "event": shown,
    }
    return [f'<td class="col-{key}">{escape(str(values[key]))}</td>' for key, _ in COLUMNS]


class HtmlExtras:
    """The pytest-html hooks, bound to one session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[POSITION:POSITION] = [
            f'<th class="sortable" data-column-type="{key}">{label}</th>' for key, label in COLUMNS
        ]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        cells[POSITION:POSITION] = getattr(report, "symphony_cells", None) or cells_for(None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Attach the beat's row cells, telemetry (JSON) and events (text) before pytest-html reads the
        report: pytest-html renders its rows later, once the report has let go of its records."""
        records = getattr(report, "symphony", None)
        if not records:
            return
        report.symphony_cells = cells_for(records)  # type: ignore[attr-defined]  # read by the row hook
        from pytest_html import extras

        slim = [{k: r[k] for k in _KEEP if r.get(k) not in (None, [], {})} for r in records]
        for r in slim:
            if len(r.get("events", ())) > MAX_EVENTS:
                r["events"] = r["events"][:MAX_EVENTS] + [{"name": f"... {len(r['events']) - MAX_EVENTS} more"}]
        added = [extras.json(slim, name="telemetry")]
        events = [
            f"{ev.get('at', '')} attempt {r.get('attempt')}: {ev.get('name')} {ev.get('payload') or ''}".rstrip()
            for r in slim
            for ev in r.get("events") or ()
        ]
        if events:
            added.append(extras.text("\n".join(events), name="events"))
        # pytest-html reads ``extras`` that plugins set on the report (its documented way); TestReport
        # does not declare the attribute
        report.extras = list(getattr(report, "extras", None) or []) + added  # type: ignore[attr-defined]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        sym = recorder_of(self.config)
        rows = "".join(
            f"<tr><td>{escape(seq)}</td><td>{list(t.beats.values()).count('passed')}</td>"
            f"<td>{sum(1 for s in t.beats.values() if s not in ('passed', 'skipped'))}</td>"
            f"<td>{list(t.beats.values()).count('skipped')}</td><td>{t.duration_ms / 1000:.2f} s</td></tr>"
            for seq, t in sym.summary.sequences.items()
        )
        if rows:
            postfix.append(
                '<h2>Symphony</h2><table id="symphony-sequences"><thead><tr><th>Sequence</th><th>Passed</th>'
                f"<th>Failed</th><th>Skipped</th><th>Duration</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        scores, run_id = self._scores(sym.run.run_id)
        if scores:
            order = sorted(scores, key=lambda d: (DIMENSIONS.index(d) if d in DIMENSIONS else len(DIMENSIONS), d))
            cells = "".join(
                f"<tr><td>{escape(str(d))}</td><td>{scores[d]:.2f}</td></tr>" for d in order if scores[d] is not None
            )
            postfix.append(
                f'<h3>Conformity scores (run {escape(run_id)})</h3><table id="symphony-scores">'
                f"<thead><tr><th>Dimension</th><th>Score</th></tr></thead><tbody>{cells}</tbody></table>"
            )

    def _scores(self, run_id: str) -> tuple[dict[str, float], str]:
        """This run's conformity scores, else the newest recorded ones."""
        path = history_path(self.config)
        if not path.is_file():
            return {}, run_id
        try:
            with HistoryStore(path) as store:
                every = store.scores()
                if run_id in every:
                    return every[run_id], run_id
                for run in store.runs():
                    if run["run_id"] in every:
                        return every[run["run_id"]], run["run_id"]
        except HistoryError:
            return {}, run_id
        return {}, run_id
