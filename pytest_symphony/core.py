"""The core area's hooks: spec collection, selection, beat reports, the summary, the fixtures.

Registered by ``plugin.py`` only in a symphony project; each hook hands over to the
session state.
"""

from __future__ import annotations

import pytest

from .collect import BeatItem, SequenceNode, SpecFile
from .errors import SymphonyError
from .builtins import builtin_pipelines
from .runtime.context import SequenceRun
from .score import cache as score_cache
from .score.model import Beat
from .partial import mark_isolated, note_expanded_order, pull_in_predecessors, remember_as_not_passed
from .selection import order_beats, select, take_node_id_args
from .shards import keep_shard
from .session import SymphonySession
from .session_key import SESSION_KEY, state


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("symphony_list") and getattr(config.option, "dist", "no") != "no":
        config.option.dist, config.option.numprocesses = "no", None  # listing runs here, not on workers
    session = SymphonySession(config)
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(_SessionHooks(session), "symphony-session")
    if session.dynamic == "pp":
        config.pluginmanager.register(_Resolved(), "symphony-resolved")
    session.register_configured_handlers()
    session.node_id_args = take_node_id_args(config)
    _widen_args(config, session)
    if config.pluginmanager.hasplugin("xdist"):
        from . import xdist_support

        config.pluginmanager.register(xdist_support.XdistSupport(session), "symphony-xdist")


class _SessionHooks:
    """Hooks that need the session state but get no config argument."""

    def __init__(self, session: SymphonySession) -> None:
        self.session = session

    def pytest_plugin_registered(self, plugin: object) -> None:
        # historic: sees every conftest, loaded before or after this registration
        self.session.scan_plugin(plugin)

    @pytest.hookimpl(trylast=True)  # after --lf's plugin forgot a skipped test: a blocked beat is not done
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        records = getattr(report, "symphony", None)
        if records:
            self.session.record(records)
        if report.when == "setup":
            self.session.note_partial(report)
        if getattr(report, "symphony_blocked", False):
            remember_as_not_passed(self.session.config, report)


def _widen_args(config: pytest.Config, session: SymphonySession) -> None:
    """Spec folders are collected even when ``testpaths`` names only test folders.

    With ``--symphony`` and no explicit paths, only the spec folders are collected.
    """
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return
    roots = [str(p) for p in session.spec_roots if p.is_dir()]
    if session.selected:
        config.args = roots
    elif config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        config.args = list(config.args) + [r for r in roots if r not in config.args]


@pytest.hookimpl
def pytest_symphony_pipelines(config):
    return list(builtin_pipelines())


def pytest_collect_file(file_path, parent):
    if state(parent.config).is_spec(file_path):
        return SpecFile.from_parent(parent, path=file_path)
    return None


def pytest_collection(session: pytest.Session) -> bool | None:
    config = session.config
    if config.getoption("symphony_list"):
        from .listing import listing

        reporter = config.pluginmanager.get_plugin("terminalreporter")
        for line in listing(state(config)):
            if reporter is not None:
                reporter.write_line(line)
            else:  # -p no:terminal: the listing asked for is still printed
                print(line)
        return True  # collect nothing: like --markers, it only prints
    # registered now, after every plugin's pytest_configure, so that its wrapper is the outermost
    config.pluginmanager.register(_Arrangement(state(config)), "symphony-arrangement")
    return None


class _Arrangement:
    """Which items run and in what order, around every other plugin's selection."""

    def __init__(self, sym: SymphonySession) -> None:
        self.sym = sym

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list):
        """``--symphony`` and dynamics first; once every plugin has selected and ordered (``-k``,
        ``--deselect``, ``--lf``, ``--sw``, ``--ff``, random orders), the beats a selected beat
        stands on come back, each sequence's beats go in spec order, and the areas place
        their items (linked scenarios after their beats)."""
        sym = self.sym
        note_expanded_order(items)
        collected = list(items)
        collected += select(sym, session, items)
        result = yield
        if sym.isolated:
            mark_isolated(items)
        else:
            pull_in_predecessors(sym, session, collected, items)
        order_beats(items)
        for arrange in sym.arrangers:
            arrange(session, items)
        if sym.shard is not None:  # last: a shard keeps whole sequences, their riders and files
            sym.notes.append(keep_shard(sym, session, items, sym.shard))
        return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if not isinstance(item, BeatItem):
        return report
    session = state(item.config)
    records = item.records_for(call, report, session.run_id, session.dynamic)
    if report.failed and item.plan.critical:
        problem = session.beat_failed(item)
        if problem:
            report.sections.append(("symphony rollback", problem))
    if call.when == "call" and report.passed and session.dynamic == "pp" and item.problem is None:
        report.symphony_resolved = True  # shown as RESOLVED: the handler was found, not run
    if report.skipped and call.when == "setup" and item.blocked:
        report.symphony_blocked = True  # skipped behind a failed beat: not passed, for --lf
    if report.failed and len(records) > 1:
        report.sections.append(("symphony retries", f"beat {item.plan.label} failed on all {len(records)} attempts"))
    if records:
        report.symphony = records
        session.hook.pytest_symphony_after_beat(
            sequence=item.plan.sequence, beat=item.plan.beat, context=item.sequence_node.run, records=records
        )
    return report


class _Resolved:
    """At ``pp`` (only then registered) a passed beat proved its handler and fixtures resolve; it did not run."""

    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config):
        if getattr(report, "symphony_resolved", False):
            return "passed", "r", ("RESOLVED", {"green": True})
        return None


@pytest.hookimpl(trylast=True)  # the list of files written ends the summary, after every area's lines
def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    session = state(config)
    lines = session.summary.lines() + session.partial_lines()
    if lines:
        terminalreporter.write_sep("-", "symphony")
        for line in lines:
            terminalreporter.write_line(line)
    for line in session.written_lines(config.get_verbosity() > 0):
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("symphony_list"):
        session.exitstatus = pytest.ExitCode.OK
    symphony = session.config.stash.get(SESSION_KEY, None)
    if symphony is not None:
        symphony.close(exitstatus)


# -- fixtures ----------------------------------------------------------------------
@pytest.fixture
def symphony(request: pytest.FixtureRequest) -> SequenceRun:
    """The sequence run of this beat: ``state``, ``emit``, ``metric``, ``artifact_dir``, ``run_id``, ``dynamic``."""
    node = request.node.getparent(SequenceNode)
    if node is None:  # a BDD scenario linked to a beat reads that beat's run (pytest_symphony.bdd)
        node = getattr(request.node, "symphony_sequence_node", None)
    if node is None or node.run is None:
        raise SymphonyError("the 'symphony' fixture belongs to beats of a sequence run")
    return node.run


@pytest.fixture
def beat(request: pytest.FixtureRequest) -> Beat:
    """The running beat's spec (read-only)."""
    item = request.node
    if not isinstance(item, BeatItem):
        raise SymphonyError("the 'beat' fixture belongs to beats of a sequence run")
    return item.plan.beat


def pytest_unconfigure(config: pytest.Config) -> None:
    score_cache.forget()
