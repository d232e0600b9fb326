"""The dashboard's templates: compiled in the process that renders, with nothing written outside the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pytest_symphony.report.dashboard import render_dashboard
from pytest_symphony.report.model import ReportContext, build_report

RENDER = """
import json, sys
from pytest_symphony.report.dashboard import render_dashboard
sys.stdout.write(render_dashboard(json.load(open(sys.argv[1], encoding="utf-8"))))
"""


def test_a_new_process_renders_the_same_page_and_writes_nothing_to_the_temporary_directory(history, tmp_path):
    history.run({"compile": 10.0, "pack": (110.0, "failed")})
    history.run({"compile": 20.0, "pack": 100.0})
    report = json.loads(json.dumps(build_report(ReportContext(history_path=history.path, rootdir=tmp_path)).report))
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    proc = subprocess.run(
        [sys.executable, "-c", RENDER, str(tmp_path / "report.json")], env=env, capture_output=True, check=True
    )
    assert proc.stdout.decode("utf-8") == render_dashboard(report)
    assert list(temp.iterdir()) == []  # no template cache outside the project
