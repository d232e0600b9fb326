"""``pytest --symphony=delivery --symphony-dynamic=f -n 2`` on a generated project, end to end.

One real run (the build symphony nested in beat 6, the project's suite under coverage, blue/green
staging, a production deployment and a progressive release) that every test here reads.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from pytest_symphony.deliverykit import load_deployments, load_settings

from .conftest import Shop, run_subprocess

pytest.importorskip("xdist")
pytest.importorskip("openfeature", reason="the delivery extra evaluates the flags")

SEQ = "symphony:delivery::delivery::"


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, request, worker_id):
    """The run, once per session even under xdist: the first worker makes it, the others read it
    (pytest-xdist's recipe: a lock in the temporary folder the workers share)."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    done = shared / "delivery-full-run.json"
    with (shared / "delivery-full-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shop = Shop(shared / "delivery-full-run", request.getfixturevalue("previous_release"), calm=True).build()
            result = run_subprocess(shop.root, "--symphony=delivery", "--symphony-dynamic=f", "-n", "2", "-v", "-rA")
            done.write_text(
                json.dumps(
                    {
                        "root": str(shop.root),
                        "sha": shop.sha,
                        "returncode": result.returncode,
                        "stdout": result.stdout,
                        "stderr": result.stderr,
                    }
                )
            )
    data = json.loads(done.read_text())
    shop = Shop(Path(data["root"]), Path("."), calm=True)
    shop.sha = data["sha"]
    return shop, subprocess.CompletedProcess([], data["returncode"], data["stdout"], data["stderr"])


def _history(shop: Shop, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(shop.root / ".symphony" / "history.sqlite") as conn:
        return conn.execute(sql, params).fetchall()


def _metrics(shop: Shop, beat: str) -> dict[str, float]:
    return dict(
        _history(
            shop,
            "SELECT m.name, m.value FROM metrics m JOIN attempts a ON a.id = m.attempt_id "
            "WHERE a.sequence = 'delivery' AND a.beat = ?",
            beat,
        )
    )


def test_every_beat_passes_on_one_worker_with_the_build_nested_in_beat_6(full_run):
    shop, result = full_run
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    ran = re.findall(r"\[(gw\d)\] (?:\[ *\d+%\] )?PASSED (symphony:delivery::\S+)", result.stdout)
    assert len({worker for worker, _ in ran}) == 1, "a sequence never splits across workers"
    order = [nodeid.removeprefix(SEQ) for _, nodeid in ran]
    develop = order.index("continuous-integration::develop-stories")
    conclude = order.index("continuous-integration::build-automate::conclude")
    nested = [n for n in order if n.startswith("continuous-integration::build-automate::build::")]
    assert nested and all(develop < order.index(n) < conclude for n in nested)
    assert nested[0].endswith("validation::load-build-context")
    assert order[conclude + 1] == "continuous-integration::test-end-to-end"
    assert (
        order[-1] == "release-on-demand::plan-next-iteration" and len([n for n in order if "::build::" not in n]) == 17
    )


def test_provenance_attests_the_exact_files_the_build_put_in_dist(full_run):
    shop, _ = full_run
    statement = json.loads((shop.root / ".symphony/delivery/1.2.0/provenance.intoto.json").read_text())
    dist = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (shop.root / "dist").glob("tinyshop-1.2.0*")}
    assert len(dist) == 2  # the sdist and the wheel
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == dist
    build = statement["predicate"]["buildDefinition"]
    assert build["externalParameters"]["source"]["digest"]["gitCommit"] == shop.sha["c6"]
    epoch = int(shop.git("show", "-s", "--format=%ct", shop.sha["c6"]))
    assert build["internalParameters"]["SOURCE_DATE_EPOCH"] == epoch


def test_staging_and_production_are_recorded_in_the_file_and_the_history(full_run):
    shop, _ = full_run
    records = list(load_deployments(load_settings(shop.root)))
    staging, production = records[-2], records[-1]
    assert (staging.environment, production.environment) == ("staging", "production")
    assert [s.state for s in production.statuses] == ["in_progress", "success"]
    assert production.payload["distributions"] == {"tinyshop": "1.2.0"} and production.sha == shop.sha["c6"]
    live = shop.root / ".symphony/delivery/environments/production"
    assert live.resolve() == (shop.root / ".symphony/delivery/environments/staging").resolve()
    stored = dict(_history(shop, "SELECT id, run_id FROM deployments"))
    assert stored["D1"] is None and stored[production.id] is not None and stored[staging.id] == stored[production.id]
    assert _history(
        shop, "SELECT state FROM deployment_statuses WHERE deployment_id = ? ORDER BY position", production.id
    ) == [("in_progress",), ("success",)]
    assert {row[0] for row in _history(shop, "SELECT id FROM incidents")} == {"I3"}


def test_the_flag_is_raised_to_the_cohort_and_committed(full_run):
    shop, _ = full_run
    flags = json.loads((shop.root / "delivery/flags.flagd.json").read_text())
    assert flags["flags"]["search-by-tag"]["targeting"] == {"fractional": [["on", 10], ["off", 90]]}
    assert shop.git("log", "-1", "--format=%s") == "chore(release): raise flag search-by-tag to 10%"
    assert 5 <= _metrics(shop, "release-features")["released_share"] <= 15


def test_the_four_keys_count_the_new_deployment(full_run):
    shop, _ = full_run
    metrics = _metrics(shop, "measure-usage-impact")
    assert metrics["deployment_frequency_per_week"] == 1.0  # D2, D4, D5 and this run's, over 4 weeks
    assert metrics["lead_time_hours_median"] == 48.0  # the median of 24, 24.x, 48, 48, 72, 96 hours
    assert metrics["change_failure_rate"] == 0.0
    assert "time_to_restore_minutes_median" not in metrics  # no resolved incident opened in the window
    assert metrics["coverage"] == 100.0 and metrics["feature_toggle_adoption"] == 1.0
    assert metrics["customer_satisfaction"] == 75.0


def test_lessons_and_the_plan_are_written(full_run):
    shop, _ = full_run
    changelog = (shop.root / "CHANGELOG.md").read_text()
    assert changelog.index("## [1.2.0]") < changelog.index("## [1.1.0]") and "search items by tag" in changelog
    retro = (shop.root / "delivery/retro/1.2.0.md").read_text()
    assert "| deployment_frequency_per_week | 1 per week (high) |" in retro
    plan = json.loads((shop.root / ".symphony/delivery/1.2.0/plan/plan.json").read_text())
    assert plan["current"] == "v1.1.0" and plan["next_version"] == "1.2.0"
    assert all(item["evidence"] for item in plan["items"])


def test_each_movement_records_its_governance(full_run):
    shop, _ = full_run
    for beat in ("synthesize-vision-roadmap", "stage-validate", "monitor-respond", "plan-next-iteration"):
        metrics = _metrics(shop, beat)
        assert (metrics["visibility"], metrics["consistency"]) == (1.0, 1.0), beat
    assert _metrics(shop, "plan-next-iteration")["days_since_measurement"] == 0.0
    report = json.loads((shop.root / ".symphony/delivery/1.2.0/governance-deployment.json").read_text())
    assert report["visibility"]["source"].startswith("3 of 3 beats of Continuous Deployment recorded evidence")
