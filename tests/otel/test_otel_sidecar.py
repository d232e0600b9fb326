"""The exporter process's two ends: what the run gets back when the process fails or hangs."""

from __future__ import annotations

import sys

from pytest_symphony.otel.sidecar import Sidecar


def _stand_in(tmp_path, monkeypatch, body: str) -> None:
    """The interpreter the sidecar starts replaced by a shell script (it gets the same arguments)."""
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(script))


def test_nothing_sent_means_no_process_and_no_outcome():
    assert Sidecar("0").finish(wait=5) is None


def test_a_process_that_dies_is_a_problem_naming_its_status_and_last_error(tmp_path, monkeypatch):
    _stand_in(tmp_path, monkeypatch, 'echo "ImportError: no module named opentelemetry" >&2; exit 3')
    sidecar = Sidecar("0")
    for _ in range(200):  # more than a pipe holds: the writes meet the closed pipe
        sidecar.send([{"beat": "b" * 1000}])
    outcome = sidecar.finish(wait=30)
    assert outcome.problem == "the exporter process ended with status 3: ImportError: no module named opentelemetry"


def test_a_process_that_hangs_is_stopped_at_the_bound(tmp_path, monkeypatch):
    _stand_in(tmp_path, monkeypatch, "exec sleep 600")
    sidecar = Sidecar("0")
    sidecar.send([{"beat": "compile"}])
    outcome = sidecar.finish(wait=0.2)
    assert outcome.problem == "the export did not finish within 0.2s and was stopped"
    assert sidecar.process is None
