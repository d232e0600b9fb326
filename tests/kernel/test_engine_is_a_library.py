"""The conformity engine is a library that receives values: a check run outside pytest
loads none of the run's areas (the session, the collector, the built-in pipelines, the BDD
area's collection and links; the checks' scaffolding helpers of ``bdd/`` are plain functions)."""

from __future__ import annotations

import json
import subprocess
import sys

from pytest_symphony.conformity.testing import write_files

SPEC = "id: release\nmovements:\n  - name: Build\n    beats:\n      - name: Compile\n        handler: build\n"
HANDLERS = "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    pass\n"
FEATURE = "Feature: Release\n  @beat:release/compile\n  Scenario: Compiled\n    Given nothing\n"

SCRIPT = """
import json, sys
from pathlib import Path
from pytest_symphony.conformity.engine import check_workspace

result = check_workspace(Path(sys.argv[1]), use_cache=False)
areas = ("pytest_symphony.session", "pytest_symphony.pipelines", "pytest_symphony.collect", "pytest_symphony.beat_item",
         "pytest_symphony.bdd.links", "pytest_symphony.bdd.collect", "pytest_symphony.bdd.plugin")
print(json.dumps({
    "codes": sorted({v.code for v in result.violations}),
    "loaded": sorted(m for m in sys.modules if m.startswith(areas)),
}))
"""


def test_a_check_outside_pytest_loads_no_area_of_the_run(tmp_path):
    write_files(
        tmp_path,
        {
            "pytest.ini": "[pytest]\nsymphony_handlers = handlers\nsymphony_require_bdd = true\n",
            "handlers.py": HANDLERS,
            "sequences/release.yaml": SPEC,
            "features/release.feature": FEATURE,
        },
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert "HANDLER_NOT_FOUND" not in report["codes"] and "BDD_SPEC_MISSING" not in report["codes"]  # it checked
    assert report["loaded"] == []
