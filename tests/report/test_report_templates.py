"""The dashboard's templates: compiled once per process, their code cached on disk for the next one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jinja2

from pytest_symphony.report.dashboard import _BytecodeCache, render_dashboard
from pytest_symphony.report.model import ReportContext, build_report

RENDER = """
import json, sys
from pytest_symphony.report.dashboard import render_dashboard
sys.stdout.write(render_dashboard(json.load(open(sys.argv[1], encoding="utf-8"))))
"""


def test_a_new_process_renders_from_the_cached_templates_the_same_page(history, tmp_path):
    history.run({"compile": 10.0, "pack": (110.0, "failed")})
    history.run({"compile": 20.0, "pack": 100.0})
    report = json.loads(json.dumps(build_report(ReportContext(history_path=history.path, rootdir=tmp_path)).report))
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}

    def render_in_new_process() -> str:
        proc = subprocess.run(
            [sys.executable, "-c", RENDER, str(tmp_path / "report.json")], env=env, capture_output=True, check=True
        )
        return proc.stdout.decode("utf-8")

    first = render_in_new_process()
    cached = sorted(p.name for p in temp.rglob("*.cache"))
    assert len(cached) >= 6  # page, macros, chart and the included sections
    assert render_in_new_process() == first == render_dashboard(report)
    assert sorted(p.name for p in temp.rglob("*.cache")) == cached  # read back, not written again


def test_a_cache_folder_that_cannot_be_written_costs_nothing(tmp_path):
    cache = _BytecodeCache(str(tmp_path / "removed"))
    env = jinja2.Environment(loader=jinja2.DictLoader({"t": "{{ x }}"}), bytecode_cache=cache, autoescape=True)
    assert env.get_template("t").render(x="<b>") == "&lt;b&gt;"
