"""Beats 8-11 with real wheels: blue/green staging by hash, deploy, verify, rollback, incidents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_symphony.deliverykit import (
    DeliveryError,
    deploy,
    load_deployments,
    monitor,
    rollback_deployment,
    stage,
    verify_production,
)
from pytest_symphony.deliverykit.production import production_link
from pytest_symphony.deliverykit.staging import link_target


@pytest.fixture
def shop(repo):
    repo.write(
        "pyproject.toml",
        '[tool.symphony.delivery]\nsmoke_commands = ["tinyshop"]\n'
        'health_commands = [["python", "-c", "import tinyshop"]]\n',
    )
    repo.commit("feat: shop", date="2024-06-01T10:00:00Z")
    return repo


def test_stage_installs_the_exact_wheel_by_hash_and_switches_blue_green(shop, wheels):
    settings = shop.settings()
    first = stage(settings, [wheels["1.0.0"]], version="1.0.0")
    assert first.installed == {"tinyshop": "1.0.0"} and first.blue is None
    assert link_target(first.link) == first.green.resolve()
    assert first.smoke[0].ok and "tinyshop 1.0.0" in first.smoke[0].output_tail
    second = stage(settings, [wheels["1.1.0"]], version="1.1.0")
    assert second.blue == first.green.resolve() and first.green.is_dir()  # blue kept
    assert link_target(second.link) == second.green.resolve()
    requirements = (second.green.parent / (second.green.name + ".logs") / "artifacts.txt").read_text()
    assert "--hash=sha256:" in requirements


def test_stage_fails_before_switching_when_a_smoke_command_fails(shop, wheels):
    settings = shop.settings()
    first = stage(settings, [wheels["1.0.0"]], version="1.0.0")
    with pytest.raises(DeliveryError) as info:
        stage(settings, [wheels["1.1.0"]], version="1.1.0", smoke_commands=["tinyshop && exit 3"])
    assert "smoke command 'tinyshop && exit 3' exited with code 3" in str(info.value)
    assert link_target(first.link) == first.green.resolve()  # the link did not move


def test_stage_refuses_a_wheel_whose_hash_changed_under_it(shop, wheels, tmp_path, monkeypatch):
    from pytest_symphony.deliverykit import staging

    real = staging.sha256_file
    monkeypatch.setattr(staging, "sha256_file", lambda p: "0" * 64 if str(p).endswith(".whl") else real(p))
    with pytest.raises(DeliveryError, match="installing the artifacts by hash failed"):
        stage(shop.settings(), [wheels["1.0.0"]], version="1.0.0")


def staged(shop, wheels, version):
    return stage(shop.settings(), [wheels[version]], version=version, name=f"green-{version}")


def test_deploy_records_the_deployment_and_verify_drills_the_rollback(shop, wheels):
    settings = shop.settings()
    old = staged(shop, wheels, "1.0.0")
    first = deploy(settings, version="1.0.0", environment=old.green, distributions={"tinyshop": "1.0.0"})
    assert first.previous is None and link_target(production_link(settings)) == old.green.resolve()
    assert verify_production(settings, first).drill == "no previous deployment"
    new = staged(shop, wheels, "1.1.0")
    second = deploy(settings, version="1.1.0", environment=new.green, distributions={"tinyshop": "1.1.0"})
    assert second.previous.id == first.deployment.id
    verified = verify_production(settings, second)
    assert verified.drill == "passed" and verified.installed == {"tinyshop": "1.1.0"}
    assert link_target(production_link(settings)) == new.green.resolve()
    records = list(load_deployments(settings))
    assert [[s.state for s in d.statuses] for d in records] == [["in_progress", "success"]] * 2
    assert records[1].payload["distributions"] == {"tinyshop": "1.1.0"} and records[1].sha == second.deployment.sha


def test_a_failing_deploy_command_rolls_production_back_and_records_failure(shop, wheels):
    settings = shop.settings()
    old = staged(shop, wheels, "1.0.0")
    deploy(settings, version="1.0.0", environment=old.green, distributions={"tinyshop": "1.0.0"})
    shop.write(
        "pyproject.toml",
        '[tool.symphony.delivery]\ndeploy_command = "echo deploying $SYMPHONY_DEPLOY_VERSION; exit 4"\n',
    )
    settings = shop.settings()
    new = staged(shop, wheels, "1.1.0")
    with pytest.raises(DeliveryError, match="exited with code 4"):
        deploy(settings, version="1.1.0", environment=new.green, distributions={"tinyshop": "1.1.0"})
    records = list(load_deployments(settings))
    assert [s.state for s in records[-1].statuses] == ["in_progress", "failure"]
    assert link_target(production_link(settings)) == old.green.resolve()


def test_verify_fails_and_rolls_back_when_production_runs_another_version(shop, wheels):
    settings = shop.settings()
    old = staged(shop, wheels, "1.0.0")
    deploy(settings, version="1.0.0", environment=old.green, distributions={"tinyshop": "1.0.0"})
    new = staged(shop, wheels, "1.1.0")
    second = deploy(settings, version="1.1.0", environment=new.green, distributions={"tinyshop": "1.2.0"})
    with pytest.raises(DeliveryError, match="production has tinyshop 1.1.0, released 1.2.0"):
        verify_production(settings, second)
    assert link_target(production_link(settings)) == old.green.resolve()
    assert load_deployments(settings).records[-1].statuses[-1].state == "failure"


def test_monitor_fails_on_an_open_severe_incident_of_this_deployment(shop, wheels):
    settings = shop.settings()
    env = staged(shop, wheels, "1.0.0")
    done = deploy(settings, version="1.0.0", environment=env.green, distributions={"tinyshop": "1.0.0"})
    dep_id = done.deployment.id
    later = (done.deployment.success_time + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    shop.write("delivery/incidents.yaml", f"- {{id: I1, opened_at: '{later}', severity: sev3}}\n")
    assert monitor(settings, dep_id).linked[0].rule == "time"
    shop.write(
        "delivery/incidents.yaml",
        f"- {{id: I1, opened_at: '{later}', severity: sev3}}\n"
        f"- {{id: I2, opened_at: '{later}', severity: SEV1, deployment: '{dep_id}'}}\n",
    )
    with pytest.raises(
        DeliveryError, match=f"incidents.yaml:2: open sev1 incident I2 is linked to deployment {dep_id}"
    ):
        monitor(settings, dep_id)
    rollback_deployment(settings, dep_id, reason="sev1 incident")
    assert load_deployments(settings).records[-1].statuses[-1].description == "sev1 incident"
