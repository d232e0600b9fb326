"""The conformity area's pytest hooks: options, ``--symphony-approve``, the conformity
items of plain runs (ini ``symphony_conformity = true``), the terminal summary of the
five scores, the ``--symphony-format`` report, and the run history.

Items (plain or the conformity pipeline's analyze beats) put their file's findings on
their report as plain data; the controller gathers them, so all of this works the
same under xdist.

This module loads in every symphony run, so it imports nothing of the engine: the plain
items (:mod:`.plain_items`), the gathered findings (:mod:`.gathered`) and the engine's
inputs (:mod:`.gather`) load when a run has them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generator

import pytest

from ..options import value
from ..score import cache as score_cache
from ..session_key import run_of, selection_of
from .inputs import PROVIDER

if TYPE_CHECKING:
    from .gathered import Gathered
    from .inputs import EngineInputs


@pytest.hookimpl(tryfirst=True)  # before xdist reads --dist
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("symphony_approve") and getattr(config.option, "dist", "no") != "no":
        config.option.dist, config.option.numprocesses = "no", None  # approving runs here, not on workers
    if config.getoption("symphony_format") is None and config.getoption("symphony_output"):
        raise pytest.UsageError("--symphony-output needs --symphony-format (text, json, sarif or github)")
    if value(config, "symphony_conformity") or config.getoption("symphony_approve"):
        score_cache.keep_documents()  # the checks read every spec's raw mappings: one parse each, held
    config.stash[PROVIDER] = _inputs_provider(config)  # for callers that hand the engine a config
    collector = _Collector(config)
    config.pluginmanager.register(collector, "symphony-conformity-collector")
    if getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput"):
        collector.carry_payloads()  # an xdist controller collects nothing: it gathers whatever comes

    # symphony:conformity::<file> node ids, given back on the command line (an IDE's click)
    selection_of(config).node_id_roots.setdefault(ROOT_ID, []).append(collector.add_items)


def _inputs_provider(config: pytest.Config) -> Callable[..., EngineInputs]:
    """``session_inputs`` bound to ``config``: the checks it gathers load when something asks."""

    def provide(**kwargs: Any) -> EngineInputs:
        from .gather import session_inputs

        return session_inputs(config, **kwargs)

    return provide


#: The node id of the plain-run items' root (:mod:`.plain_items`).
ROOT_ID = "symphony:conformity"
PAYLOADS = "symphony-conformity-payloads"


def _judges(item: pytest.Item) -> bool:
    """A plain conformity item, or a beat of the conformity pipeline (its analyze beats judge files)."""
    if getattr(item, "symphony_conformity_item", False):
        return True
    plan = getattr(item, "plan", None)
    return plan is not None and plan.spec_file == "symphony:conformity"


class _Payloads:
    """Each checked file's findings, from the item's report to the controller's list."""

    def __init__(self, payloads: list[dict[str, Any]], *, gather: bool) -> None:
        self.payloads = payloads
        self.gather = gather  # on the process that reports (not an xdist worker)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when == "call":
            payload = getattr(item, "payload", None)
            if payload is not None:
                # a report attribute of our own: xdist carries every attribute of a report to the controller
                report.symphony_conformity = payload  # type: ignore[attr-defined]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, "symphony_conformity", None)
        if payload and self.gather:
            self.payloads.append(payload)


class _Collector:
    """Adds the plain-run items and gathers every conformity report on the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.payloads: list[dict[str, Any]] = []
        self.approved: tuple[Path, bool, dict[str, list[str]]] | None = None
        self.plain_items: list[pytest.Item] | None = None
        self._gathered: tuple[int, Gathered] | None = None

    # approval: instead of collecting anything
    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool | None:
        if not self.config.getoption("symphony_approve"):
            return None
        if not hasattr(self.config, "workerinput"):
            from .engine import approve  # libcst and every check: only when approving
            from .gather import session_inputs

            self.approved = approve(self.config.rootpath, inputs=session_inputs(self.config))
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if not value(config, "symphony_conformity") or run_of(config).selected or selection_of(config).node_id_args:
            return
        self.add_items(session, ROOT_ID, items)

    def add_items(self, session: pytest.Session, arg: str, items: list[pytest.Item]) -> bool:
        """The plain-run items (once); whether one of them is what ``arg`` names."""
        if self.plain_items is None:
            from .plain_items import ConformityRoot

            root = ConformityRoot.from_parent(session, name=ROOT_ID, nodeid=ROOT_ID)
            self.plain_items = list(session.genitems(root))
            items.extend(self.plain_items)
        return arg == ROOT_ID or any(item.nodeid == arg for item in self.plain_items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Per-test hooks only when a conformity item will run: other runs pay nothing for them."""
        if any(_judges(item) for item in session.items):
            self.carry_payloads()

    def carry_payloads(self) -> None:
        if self.config.pluginmanager.get_plugin(PAYLOADS) is None:
            gather = not hasattr(self.config, "workerinput")
            self.config.pluginmanager.register(_Payloads(self.payloads, gather=gather), PAYLOADS)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.approved is not None:
            session.exitstatus = pytest.ExitCode.OK
            return
        gathered = self.gathered()
        if gathered is not None and not hasattr(self.config, "workerinput"):
            from .gathered import record_history

            record_history(self.config, gathered)

    def gathered(self) -> "Gathered | None":
        """Every report's findings, gathered once (the history and the summary both read it)."""
        if not self.payloads:
            return None
        if self._gathered is None or self._gathered[0] != len(self.payloads):
            from .gathered import Gathered

            self._gathered = (len(self.payloads), Gathered.of(self.payloads))
        return self._gathered[1]

    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter, exitstatus: int | pytest.ExitCode, config: pytest.Config
    ) -> None:
        if self.approved is not None:
            path, changed, diff = self.approved
            terminalreporter.write_sep("-", "symphony approve")
            what = ", ".join(f"{len(v)} {k}" for k, v in diff.items() if v) or "no file changes"
            state = "written" if changed else "unchanged"
            terminalreporter.write_line(f"{path.name} {state} ({what}): {path}")
            for kind, files in diff.items():
                for f in files:
                    terminalreporter.write_line(f"  {kind}: {f}")
            return
        gathered = self.gathered()
        if gathered is not None:
            from .gathered import write_summary

            write_summary(terminalreporter, config, gathered)
