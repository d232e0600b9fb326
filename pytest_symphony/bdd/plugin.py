"""pytest hook wiring of the BDD area: options, feature collection, links, reports, scaffolding.

Registered by ``pytest_symphony.plugin`` when present.  Everything that needs
pytest-bdd is imported inside the hooks, so a project without pytest-bdd installed
still runs its beats (its ``.feature`` files then error, saying what to install).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..paths import shown_path
from ..collect import BeatItem
from ..session_key import recorder_of, run_of, selection_of

from .availability import INSTALLED

if TYPE_CHECKING:
    from .state import BddState


def pytest_configure(config: pytest.Config) -> None:
    """Runs as ``plugin.py`` registers the area: after the core, before pytest-bdd configures itself."""
    from .state import BDD_KEY, BddState

    active = INSTALLED and _bdd_plugin_loaded(config)
    bdd = BddState(config, active=active)
    config.stash[BDD_KEY] = bdd
    if bdd.scaffold_id and (config.getoption("numprocesses", None) or hasattr(config, "workerinput")):
        raise pytest.UsageError("--symphony-scaffold writes files: run it without -n")
    if bdd.scaffold_id and not active:
        raise pytest.UsageError("--symphony-scaffold needs pytest-bdd (pip install pytest-bdd) and its plugin loaded")
    _widen_args(config, bdd)
    if not active:
        return
    from .collect import ScenarioItem

    bdd.scenario_type = ScenarioItem
    if not bdd.scaffold_id:
        selection_of(config).arrangers.append(bdd.arrange)  # linked scenarios go right after their beats
    from .cucumber import PATH_KEY, CucumberWriter, take_over

    if any(root.is_dir() for root in bdd.feature_roots):
        take_over(config)  # before pytest-bdd's own pytest_configure reads --cucumberjson
    from .steps import import_step_modules

    import_step_modules(config, bdd.step_def_roots)
    path = config.stash.get(PATH_KEY, None)
    if path and not hasattr(config, "workerinput"):
        bdd.cucumber = CucumberWriter(path)
        config.pluginmanager.register(bdd.cucumber, "symphony-cucumber-json")


def _bdd_plugin_loaded(config: pytest.Config) -> bool:
    import pytest_bdd.plugin

    return config.pluginmanager.is_registered(pytest_bdd.plugin)


def _widen_args(config: pytest.Config, bdd: BddState) -> None:
    """Feature folders are collected beside the spec folders, as the core does for those."""
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return
    run = run_of(config)
    roots = [str(p) for p in bdd.feature_roots if p.is_dir()]
    if bdd.scaffold_id:
        config.args = [str(p) for p in run.spec_roots if p.is_dir()] + roots
    elif run.selected or config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        have = {(config.invocation_params.dir / a).resolve() for a in config.args}
        config.args = list(config.args) + [r for r in roots if Path(r) not in have]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    from .state import bdd_state

    bdd = bdd_state(parent.config)
    if not bdd.wants(file_path, parent.session):
        return None
    if not bdd.active:
        from .error_item import UnavailableFeatureFile

        return UnavailableFeatureFile.from_parent(parent, path=file_path)
    from .collect import FeatureFile

    return FeatureFile.from_parent(parent, path=file_path)


def pytest_itemcollected(item: pytest.Item) -> None:
    from .state import bdd_state

    bdd = bdd_state(item.config)
    if bdd.active:
        bdd.index_item(item)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> Generator[None, None, None]:
    from .state import bdd_state

    bdd = bdd_state(config)
    if bdd.active:
        bdd.drop_bound(items)
        bdd.link_all(items)  # before selection: -m symphony_<id> sees linked scenarios
    result = yield
    if bdd.scaffold_id:
        _scaffold(bdd, bdd.scaffold_id, items)
    return result


def _scaffold(bdd: BddState, wanted: str, items: list[pytest.Item]) -> None:
    from ..errors import SymphonyError
    from .scaffold import scaffold
    from .steps import session_step_definitions

    sequence = bdd.index.sequences.get(wanted) or bdd.known_sequences().get(wanted)
    if sequence is None:
        known = ", ".join(sorted(set(bdd.index.sequences) | set(bdd.known_sequences()))) or "none"
        raise pytest.UsageError(f"--symphony-scaffold: no sequence '{wanted}' (known: {known})")
    rootdir = bdd.config.rootpath
    step_defs_dir = bdd.step_def_roots[0] if bdd.step_def_roots else rootdir / "step_defs"
    try:
        result = scaffold(
            sequence,
            sequence.path,
            bdd.feature_roots or [rootdir / "features"],
            step_defs_dir,
            session_step_definitions(bdd.config),
            root=rootdir,
        )
    except SymphonyError as exc:
        raise pytest.UsageError(f"--symphony-scaffold: {exc}") from exc
    bdd.scaffolded = True
    recorder = recorder_of(bdd.config)
    for path in result.written:
        recorder.add_written(path)
    feature, stubs = (
        shown_path(result.feature_path, rootdir, resolve=False),
        shown_path(result.stub_path, rootdir, resolve=False),
    )
    if result.scenarios_added:
        bdd.lines.append(
            f"symphony scaffold: {feature}: {result.scenarios_added} scenario(s) added, linked to "
            f"{len(result.beats_linked)} beat(s)"
        )
    else:
        bdd.lines.append(f"symphony scaffold: {feature}: every acceptance criterion already has its scenario")
    if result.stubs_added:
        bdd.lines.append(f"symphony scaffold: {stubs}: {result.stubs_added} step stub(s) added")
    else:
        bdd.lines.append("symphony scaffold: every step already has a definition")
    if items:
        bdd.config.hook.pytest_deselected(items=list(items))
        items[:] = []


def pytest_symphony_select_item(item: pytest.Item, wanted: set[str]) -> bool | None:
    """With ``--symphony``: keep the scenarios linked to a selected sequence (and broken features naming one)."""
    from .error_item import FeatureErrorItem
    from .state import bdd_state

    bdd = bdd_state(item.config)
    if isinstance(item, FeatureErrorItem):
        return True if item.mentions(wanted) else None
    if not bdd.active:
        return None
    from .collect import ScenarioItem

    if isinstance(item, ScenarioItem):
        bdd.link(item)
        if item.link is not None and item.link.sequence.id in wanted:
            return True
        if item.link_problem is not None:
            from .links import link_refs

            if any(ref.sequence in wanted for ref in link_refs(item.spec)[0]):
                return True
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Per-test hooks only when scenarios run (ours, or pytest-bdd's for cucumber JSON)."""
    from .state import bdd_state

    from .cucumber import PATH_KEY

    bdd = bdd_state(session.config)
    if bdd.active and (bdd.scenarios or session.config.stash.get(PATH_KEY, None)):
        session.config.pluginmanager.register(_ScenarioReports(), "symphony-bdd-reports")


class _ScenarioReports:
    """Scenario outcomes on their reports, and beats' outcomes for the scenarios linked to them."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if isinstance(item, BeatItem):
            from .links import note_outcome

            note_outcome(item, report)
            return report
        from .collect import ScenarioItem

        if isinstance(item, ScenarioItem):
            if call.when == "call" or (call.when == "setup" and not report.passed):
                from .outcome import scenario_data, telemetry_record

                report.symphony_scenario = scenario_data(item, report)  # type: ignore[attr-defined]  # plain data
                if item.linked_items:
                    record = telemetry_record(item, call, report, run_of(item.config))
                    report.symphony = [record]  # type: ignore[attr-defined]  # plain data: crosses xdist
        elif call.when == "call":
            _carry_pytest_bdd_scenario(item, report)
        return report


def _carry_pytest_bdd_scenario(item: pytest.Item, report: pytest.TestReport) -> None:
    """A ``scenarios()`` test in a module: its pytest-bdd report as plain data, for cucumber JSON under xdist."""
    from pytest_bdd.reporting import scenario_reports_registry

    try:
        scenario_report = scenario_reports_registry.get(item)
    except TypeError:
        return
    if scenario_report is not None:
        from .outcome import from_pytest_bdd

        report.symphony_scenario = from_pytest_bdd(  # type: ignore[attr-defined]  # plain data: crosses xdist
            item, report, scenario_report.serialize()
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    from .state import bdd_state

    for line in bdd_state(config).lines:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from .state import BDD_KEY

    bdd = session.config.stash.get(BDD_KEY, None)
    if bdd is None:
        return
    if bdd.cucumber is not None:
        path = bdd.cucumber.write()
        recorder_of(session.config).add_written(path)
    if bdd.scaffolded and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK
