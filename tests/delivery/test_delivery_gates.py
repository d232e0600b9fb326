"""Every delivery gate failing, through pytest, with the message a user reads (the passing side of
each is tests/delivery/test_delivery_pipeline.py's full run and test_delivery_four_keys.py)."""

from __future__ import annotations

import json
import textwrap

import pytest

from pytest_symphony.deliverykit import load_deployments, load_settings

FAILED = "*FAILED*"


def _failed(result, beat: str, *lines: str) -> None:
    """Exactly one beat failed, ``beat``, and its failure shows ``lines`` (fnmatch patterns)."""
    result.assert_outcomes(
        failed=1,
        **{k: v for k, v in result.parseoutcomes().items() if k in ("passed", "skipped", "deselected", "warnings")},
    )
    result.stdout.fnmatch_lines([f"*::{beat} FAILED*", *lines])


# -- Continuous Exploration ------------------------------------------------------------------------
EXPLORATION = [
    pytest.param(
        "hypothesize-mvp",
        lambda s: s.write("delivery/hypotheses.yaml", "[]\n"),
        "*feature 'search' (from delivery/roadmap.yaml:3) has no hypothesis*",
        id="scope",
    ),
    pytest.param(
        "collaborate-research",
        lambda s: s.write(
            "delivery/research/interviews.yaml",
            f"""
        - {{id: late, features: [search], date: '{s.day(-3)}', participants: [{{role: customer}}]}}
        """,
        ),
        "*research 'late' for 'search' is dated *, after its first implementation commit*",
        id="research",
    ),
    pytest.param(
        "collaborate-research",
        lambda s: s.write(
            "delivery/research/interviews.yaml",
            f"""
        - {{id: inside, features: [search], date: '{s.day(-30)}', participants: [{{role: developer}}]}}
        """,
        ),
        "*research 'inside' for 'search' has no customer or user participant*",
        id="customers",
    ),
    pytest.param(
        "architect-for-delivery",
        lambda s: s.write("shop_admin/__init__.py", '"""admin."""\n'),
        "*package 'shop_admin' has no test that imports it*",
        id="architecture",
    ),
    pytest.param(
        "synthesize-vision-roadmap",
        lambda s: (s.root / "features/search.feature").unlink(),
        "*next item 'search': feature file features/search.feature does not exist*",
        id="roadmap",
    ),
]


@pytest.mark.parametrize(("beat", "change", "message"), EXPLORATION)
def test_exploration_gates(shop, pytester, beat, change, message):
    change(shop)
    _failed(pytester.runpytest("--symphony=delivery/exploration", "-v"), beat, message)


# -- Continuous Integration ------------------------------------------------------------------------
def test_commits_must_follow_conventional_commits(shop, pytester):
    shop.commit("c7", "WIP: more search", 0, {"tinyshop/search.py": "TAGS = []\n"})
    result = pytester.runpytest("--symphony=delivery", "-v", "-k", "exploration or develop")
    _failed(result, "develop-stories", "*delivery gate 'develop' failed:*", "*'WIP: more search': *")


def test_every_step_of_the_release_scenarios_needs_a_definition(shop, pytester):
    steps = shop.root / "step_defs/search_steps.py"
    steps.write_text(steps.read_text().split("@then")[0])
    result = pytester.runpytest("--symphony=delivery", "-v", "-k", "exploration or develop")
    _failed(
        result,
        "develop-stories",
        "*missing step definition: features/search.feature:3: scenario 'Find items by tag': Then I see 1 item*",
    )


def test_a_failing_test_of_the_project_fails_end_to_end(shop, pytester):
    shop.write("tests/test_broken.py", "def test_broken():\n    assert 1 == 2, 'deliberately broken'\n")
    result = pytester.runpytest("--symphony=delivery/integration", "--symphony-isolated", "-v", "-k", "test-end")
    _failed(result, "test-end-to-end", "*failed: tests.test_broken::test_broken: AssertionError: deliberately broken*")


def test_a_failing_smoke_command_keeps_staging_where_it_was(shop, pytester, next_release):
    shop.staged(next_release)
    shop.settings(smoke_commands=["tinyshop", "python -c 'raise SystemExit(3)'"])
    result = pytester.runpytest("--symphony=delivery/integration", "--symphony-isolated", "-v", "-k", "stage")
    _failed(
        result,
        "stage-validate",
        "*smoke command \"python -c 'raise SystemExit(3)'\" exited with code 3*",
        "*environments/staging still points at nothing; the failed environment is kept at *",
    )
    assert not (shop.root / ".symphony/delivery/environments/staging").exists()


def test_a_movement_run_alone_says_which_movement_must_run_first(shop, pytester):
    result = pytester.runpytest("--symphony=delivery/integration", "-v")
    _failed(
        result,
        "develop-stories",
        "*.symphony/delivery/1.2.0/scope.json: no evidence from beat 'hypothesizeMvp' "
        "(scope) for version 1.2.0; run Continuous Exploration: "
        "pytest --symphony=delivery/exploration*",
    )
    assert "continuous-exploration" not in result.stdout.str()


# -- Continuous Deployment (at f) ------------------------------------------------------------------
def _production(shop):
    return (shop.root / ".symphony/delivery/environments/production").resolve()


def test_a_new_flag_that_is_not_dark_stops_the_deployment(shop, pytester, next_release):
    pytest.importorskip("openfeature")
    shop.staged(next_release)
    flags = json.loads((shop.root / "delivery/flags.flagd.json").read_text())
    flags["flags"]["search-by-tag"]["targeting"] = {"fractional": [["on", 50], ["off", 50]]}
    shop.write("delivery/flags.flagd.json", json.dumps(flags))
    result = pytester.runpytest("--symphony=delivery/deployment", "--symphony-dynamic=f", "-v")
    _failed(result, "deploy-to-production", "*delivery gate 'deploy' failed:*", "*search-by-tag*dark*")
    assert [d.id for d in load_deployments(load_settings(shop.root))][-1] == "D5"  # nothing recorded


def test_a_failing_health_check_rolls_production_back_and_records_failure(shop, pytester, next_release):
    pytest.importorskip("openfeature")
    shop.staged(next_release)
    shop.settings(health_commands=["python -c 'raise SystemExit(5)'"])
    result = pytester.runpytest("--symphony=delivery/deployment", "--symphony-dynamic=f", "-v")
    _failed(
        result,
        "verify-in-production",
        "*production-check command*exited with code 5*",
        "*rolled back and recorded as failure*",
    )
    deployed = load_deployments(load_settings(shop.root)).records[-1]
    assert deployed.final_status.state == "failure" and deployed.payload["version"] == "1.2.0"
    assert _production(shop) == shop.previous_env.resolve()


def test_an_open_severe_incident_fails_monitoring_at_every_dynamic(shop, pytester):
    shop.incidents({"id": "I9", "opened_at": shop.day(-1), "severity": "sev1", "deployment": "D5"})
    result = pytester.runpytest("--symphony=delivery/deployment", "-v")
    _failed(result, "monitor-respond", "*delivery/incidents.yaml:1: open sev1 incident I9 is linked to deployment D5*")
    rollback = json.loads((shop.root / ".symphony/delivery/1.2.0/rollback.json").read_text())
    assert rollback["actions"] == ["production not rolled back at --symphony-dynamic=mf (it moves at f and ff only)"]
    assert load_deployments(load_settings(shop.root)).records[-1].final_status.state == "success"


def test_at_f_an_incident_on_the_new_deployment_rolls_it_back(shop, pytester, next_release):
    pytest.importorskip("openfeature")
    shop.staged(next_release)
    shop.incidents({"id": "I9", "opened_at": shop.day(1), "severity": "critical"})  # after the deployment
    result = pytester.runpytest("--symphony=delivery/deployment", "--symphony-dynamic=f", "-v")
    _failed(result, "monitor-respond", "*open critical incident I9 is linked to deployment 1.2.0-*")
    deployed = load_deployments(load_settings(shop.root)).records[-1]
    assert [s.state for s in deployed.statuses] == ["in_progress", "success", "failure"]
    assert deployed.statuses[-1].description == "beat 3.3 Monitor & Respond failed"
    assert _production(shop) == shop.previous_env.resolve()


# -- Release on Demand -----------------------------------------------------------------------------
def test_a_release_whose_measured_share_misses_the_cohort_restores_the_flags(shop, pytester):
    pytest.importorskip("openfeature")
    flags = json.loads((shop.root / "delivery/flags.flagd.json").read_text())
    flags["flags"]["search-by-tag"]["targeting"] = {
        "if": [{"starts_with": [{"var": "targetingKey"}, "user-"]}, "off", {"fractional": [["on", 0], ["off", 100]]}]
    }
    before = json.dumps(flags)
    shop.write("delivery/flags.flagd.json", before)
    result = pytester.runpytest("--symphony=delivery/release", "--symphony-dynamic=f", "-v", "-k", "release-features")
    _failed(result, "release-features", "*flag 'search-by-tag': 0.00% of 1000 sample keys get 'on', not 10% +/- 5*")
    assert (shop.root / "delivery/flags.flagd.json").read_text() == before


def test_an_open_severe_incident_fails_stabilize_below_f_too(shop, pytester):
    shop.incidents({"id": "I9", "opened_at": shop.day(-1), "severity": "sev2", "deployment": "D5"})
    result = pytester.runpytest("--symphony=delivery/release", "-v")
    _failed(result, "stabilize", "*open sev2 incident I9 is linked to deployment D5*")


REFUTED = """
- {id: search-benefit, feature: search, metric: search_click_through, target: 0.35, window: 14d, start: '%s'}
"""


@pytest.mark.parametrize(("dynamic", "failed"), [("mf", False), ("f", True)])
def test_a_refuted_hypothesis_warns_below_f_and_fails_at_f(shop, pytester, dynamic, failed):
    shop.settings(max_change_failure_rate=1.0)
    shop.write("delivery/hypotheses.yaml", REFUTED % shop.day(-20))
    shop.write(
        "delivery/measurements.yaml",
        f"- {{metric: search_click_through, value: 0.12, measured_at: '{shop.day(-8)}', feature: search}}\n",
    )
    result = pytester.runpytest(
        "--symphony=delivery/release", f"--symphony-dynamic={dynamic}", "--symphony-isolated", "-v", "-k", "measure"
    )
    message = "*hypothesis search-benefit is refuted: search_click_through = 0.12, target >= 0.35*"
    if failed:
        _failed(result, "measure-usage-impact", message)
    else:
        result.assert_outcomes(passed=1, deselected=46, warnings=1)
        result.stdout.fnmatch_lines(["*DeliveryTargetWarning: measure: *" + message.strip("*") + "*"])


@pytest.mark.parametrize(("dynamic", "failed"), [("mf", False), ("f", True)])
def test_a_missed_satisfaction_target_warns_below_f_and_fails_at_f(shop, pytester, dynamic, failed):
    shop.settings(csat_target=90)
    result = pytester.runpytest(
        "--symphony=delivery/release", f"--symphony-dynamic={dynamic}", "--symphony-isolated", "-v", "-k", "feedback"
    )
    message = "*customer_satisfaction 75.0 is below the target 90*"
    if failed:
        _failed(result, "learn-from-feedback", message)
    else:
        result.assert_outcomes(passed=1, deselected=46, warnings=1)
        result.stdout.fnmatch_lines(["*DeliveryTargetWarning: feedback: *" + message.strip("*") + "*"])


def test_no_feedback_and_no_waiver_fails_at_every_dynamic(shop, pytester):
    for path in (shop.root / "delivery/feedback").iterdir():
        path.unlink()
    result = pytester.runpytest("--symphony=delivery/release", "--symphony-isolated", "-v", "-k", "feedback")
    _failed(result, "learn-from-feedback", "*no feedback records in the window and no waiver*")


def test_a_plan_item_must_cite_evidence_that_exists(shop, pytester):
    shop.write("delivery/plan.yaml", "- {title: Rewrite everything, evidence: ['incident:I404']}\n")
    result = pytester.runpytest("--symphony=delivery/release", "--symphony-isolated", "-v", "-k", "plan")
    _failed(
        result,
        "plan-next-iteration",
        "*delivery/plan.yaml:1: plan item 'Rewrite everything': evidence 'incident:I404' is not in the history*",
    )


# -- the delivery extra ----------------------------------------------------------------------------
def test_without_the_delivery_extra_the_beat_says_what_to_install(shop, pytester):
    pytester.makeconftest("import sys\n\nsys.modules['openfeature'] = None  # as if not installed\n")
    result = pytester.runpytest("--symphony=delivery/release", "--symphony-dynamic=f", "-v", "-k", "release-features")
    _failed(result, "release-features")
    assert (
        "measuring the released share of the key sample needs openfeature, which is not installed; "
        "pip install 'pytest-symphony[delivery]'"
    ) in result.stdout.str()


# -- a project's own handler -------------------------------------------------------------------------
OVERRIDE = '''
from pytest_symphony import deliverykit, handler


@handler
def stabilize(symphony, pytestconfig):
    """Our own stability gate: the library's, with a stricter target."""
    settings = deliverykit.load_settings(pytestconfig.rootpath)
    result = deliverykit.stabilize(settings, max_change_failure_rate=0.05, enforce=symphony.dynamic in ("f", "ff"))
    symphony.metric("our_stability_check", 1)
    version = deliverykit.release_version(settings)
    deliverykit.write_evidence(settings, version, "stabilize", result.to_json())
'''


def test_a_project_handler_of_the_same_name_overrides_the_beat_and_calls_the_gate(shop, pytester):
    pytester.makepyfile(our_delivery=textwrap.dedent(OVERRIDE))
    shop.settings(max_change_failure_rate=1.0)  # the built-in gate would pass; ours is stricter
    pytester.makefile(".ini", pytest="[pytest]\nsymphony_handlers = our_delivery\ntestpaths = tests\n")
    result = pytester.runpytest(
        "--symphony=delivery/release", "--symphony-dynamic=f", "--symphony-isolated", "-v", "-k", "stabilize"
    )
    _failed(result, "stabilize", "*change failure rate 66.7% over the last 28 days is above 5%*")
