"""``--symphony-resume[=RUN_ID]``: restart a sequence where a run stopped, from its checkpoints.

Jenkins' "restart from stage" for a pipeline: instead of re-running the beats before the
first failed (or the first selected) beat of a sequence, the state the resumed run
checkpointed after each of them (``runtime/checkpoint.py``) is restored when the sequence
starts.  A beat whose state did not serialize is re-run instead, and the summary names
the value.  The default run is the newest earlier run of each sequence in the history.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from .runtime.checkpoint import replay

RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")

RESUMED = "symphony_resumed"
RESUMED_FROM = "symphony_resumed_from"

if TYPE_CHECKING:
    from .collect import BeatItem, SequenceNode
    from .run import SymphonyRun


class Resume:
    """A plugin: what to restore per sequence, decided at collection (on each xdist worker alike),
    and what the controller's summary says of it (from the reports, which carry it under xdist)."""

    def __init__(self, run: "SymphonyRun", requested: str) -> None:
        if requested != "last" and not RUN_ID.fullmatch(requested):
            raise pytest.UsageError(
                f"--symphony-resume takes a run id such as 20261206T031500Z-1a2b3c, not {requested!r}; write "
                "--symphony-resume=RUN_ID, or put a bare --symphony-resume after the node ids"
            )
        self.run = run
        self.requested = None if requested == "last" else requested
        self.states: dict[str, dict[str, Any]] = {}  # sequence id -> state to start with
        self.notes: list[str] = []  # what no beat carries (nothing ran, or no run to resume)
        self.resumed: list[str] = []  # notes carried by the reports of resumed sequences
        self.resumed_from: set[str] = set()  # the run ids resumed from, for the run's record

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup":
            for name, value in report.user_properties:
                if name == RESUMED:
                    self.resumed.append(str(value))
                elif name == RESUMED_FROM:
                    self.resumed_from.add(str(value))

    def lines(self) -> list[str]:
        """The summary's lines (the notes decided at collection only on the controller: under xdist
        each worker decided the same)."""
        notes = self.resumed + (self.notes if not self.run.is_worker else [])
        return [f"resume: {note}" for note in dict.fromkeys(notes)]

    def plan(
        self, node: "SequenceNode", beats: list["BeatItem"], chosen: list["BeatItem"], stood_on: list["BeatItem"]
    ) -> tuple[list["BeatItem"], list["BeatItem"]]:
        """Of ``stood_on`` (the earlier beats the chosen ones need), the ones to run; and the chosen
        beats whose state is restored instead of run."""
        sequence = node.sequence
        run_id, outcomes = self._outcomes(sequence.id)
        if run_id is None:
            self.notes.append(f"{sequence.id}: no earlier run in the history to resume; it runs from its first beat")
            return stood_on, []
        chosen_ids = {id(item) for item in chosen}
        start = len(beats)
        for index, beat in enumerate(beats):
            done = outcomes.get(beat.nodeid)
            selected_subset = len(chosen) < len(beats) and id(beat) in chosen_ids
            if selected_subset or done is None or done["status"] != "passed":
                start = index
                break
        points = [(outcomes[b.nodeid] or {}).get("checkpoint") or {} for b in beats[:start]]
        state, opaque = replay(points)
        rerun = {id(beats[index]) for index in opaque.values()}
        self.states[sequence.id] = state
        restored = [b for b in beats[:start] if id(b) not in rerun]
        later = {id(b) for b in beats[start:]}
        needed = [b for b in beats if id(b) in rerun] + [b for b in stood_on if id(b) in later]
        note = self._note(sequence.id, run_id, beats, start, opaque)
        first = next((b for b in beats if id(b) not in {id(r) for r in restored}), None)
        if first is not None:  # travels on its reports, so the summary has it under xdist too
            first.user_properties += [(RESUMED, note), (RESUMED_FROM, run_id)]
        return needed, [b for b in restored if id(b) in chosen_ids]

    def _outcomes(self, sequence_id: str) -> tuple[str | None, dict[str, dict[str, Any]]]:
        from .telemetry.store import HistoryError, HistoryStore

        path = self.run.history_path
        if not path.is_file():
            return None, {}
        try:
            with HistoryStore(path) as store:
                run_id = self.requested or store.last_run_of(sequence_id, before=self.run.run_id)
                if run_id is None:
                    return None, {}
                rows = store.beat_outcomes(run_id, sequence_id)
        except HistoryError as exc:
            self.notes.append(f"{sequence_id}: cannot read the history to resume ({exc}); it runs from its first beat")
            return None, {}
        if not rows:
            return None, {}
        return run_id, {row["nodeid"]: row for row in rows}

    def _note(self, sequence_id: str, run_id: str, beats: list["BeatItem"], start: int, opaque: dict[str, int]) -> str:
        if start == len(beats):
            line = f"{sequence_id}: run {run_id} passed every beat; nothing left to resume"
            self.notes.append(line)
            return line
        if start == 0:
            return f"{sequence_id}: resumed from run {run_id} at its first beat; nothing to restore"
        line = (
            f"{sequence_id}: resumed from run {run_id} at beat {beats[start].plan.label} "
            f"{beats[start].plan.beat.slug}; state of {start} earlier beat(s) restored"
        )
        if opaque:
            keys = ", ".join(
                f"'{key}' (beat {beats[index].plan.label} {beats[index].plan.beat.slug})"
                for key, index in sorted(opaque.items())
            )
            line += f"; re-run because their values do not serialize: {keys}"
        return line
