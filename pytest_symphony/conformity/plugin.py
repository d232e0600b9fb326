"""The conformity area's pytest hooks: options, ``--symphony-approve``, the conformity
items of plain runs (ini ``symphony_conformity = true``), the terminal summary of the
five scores, the ``--symphony-format`` report, and the run history.

Items (plain or the conformity pipeline's analyze beats) put their file's findings on
their report as plain data; the controller gathers them, so all of this works the
same under xdist.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterator

import pytest

from ..options import value
from ..score import cache as score_cache
from ..session_key import RECORDER, RUN, run_of, selection_of
from .codes import Dimension, Severity
from .formats import render, severity_counts
from .gather import session_inputs
from .inputs import PROVIDER, EngineInputs
from .items import ALL, ConformityFailure, engine_result, first_line, judge_file
from .scores import band, score_all
from .violation import Checked, Place, Violation, ViolationKey

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle


@pytest.hookimpl(tryfirst=True)  # before xdist reads --dist
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("symphony_approve") and getattr(config.option, "dist", "no") != "no":
        config.option.dist, config.option.numprocesses = "no", None  # approving runs here, not on workers
    if config.getoption("symphony_format") is None and config.getoption("symphony_output"):
        raise pytest.UsageError("--symphony-output needs --symphony-format (text, json, sarif or github)")
    if value(config, "symphony_conformity") or config.getoption("symphony_approve"):
        score_cache.keep_documents()  # the checks read every spec's raw mappings: one parse each, held
    provider: Callable[..., EngineInputs] = functools.partial(session_inputs, config)
    config.stash[PROVIDER] = provider  # for callers that hand the engine a config
    collector = _Collector(config)
    config.pluginmanager.register(collector, "symphony-conformity-collector")
    if getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput"):
        collector.carry_payloads()  # an xdist controller collects nothing: it gathers whatever comes

    # symphony:conformity::<file> node ids, given back on the command line (an IDE's click)
    selection_of(config).node_id_roots.setdefault(ROOT_ID, []).append(collector.add_items)


# -- items of plain runs -------------------------------------------------------------------

ROOT_ID = "symphony:conformity"


class ConformityItem(pytest.Item):
    """One checked file of a plain run: fails on violations at or above the threshold."""

    def __init__(self, *, relpath: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.relpath = relpath
        self.add_marker("symphony_conformity")
        self.payload: dict[str, Any] | None = None

    def runtest(self) -> None:
        judge_file(engine_result(self.config), self.relpath, ALL, node=self)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, ConformityFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        result = engine_result(self.config)
        return self.config.rootpath / self.relpath, first_line(result, self.relpath) - 1, f"conformity: {self.relpath}"


class ConformityEngineItem(pytest.Item):
    """Stands for problems no file owns (a check that raised): it fails, so none is lost."""

    def runtest(self) -> None:
        errors = [e for e in engine_result(self.config).errors if not e[0]]
        if errors:
            raise ConformityFailure(
                "the conformity engine could not run every check:\n" + "\n".join(e[3] for e in errors)
            )

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.config.rootpath, None, "conformity engine"


class ConformityRoot(pytest.Collector):
    """``symphony:conformity``: the items of plain runs, each at the file it checks (IDEs need a file)."""

    def collect(self) -> Iterator[pytest.Item]:
        result = engine_result(self.config)
        root = self.config.rootpath
        for rel in result.files:
            yield ConformityItem.from_parent(self, name=rel, relpath=rel, path=root / rel)
        if any(not e[0] for e in result.errors):
            yield ConformityEngineItem.from_parent(self, name="engine", path=self.config.inipath or root)


PAYLOADS = "symphony-conformity-payloads"


def _judges(item: pytest.Item) -> bool:
    """A plain conformity item, or a beat of the conformity pipeline (its analyze beats judge files)."""
    if isinstance(item, (ConformityItem, ConformityEngineItem)):
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
            _record_history(self.config, gathered)

    def gathered(self) -> "Gathered | None":
        """Every report's findings, gathered once (the history and the summary both read it)."""
        if not self.payloads:
            return None
        if self._gathered is None or self._gathered[0] != len(self.payloads):
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
        if gathered is None:
            return
        _summary(terminalreporter, gathered)
        fmt = config.getoption("symphony_format")
        if fmt:
            full = _full_report(config, gathered) if fmt == "github" else None
            text = gathered.render(fmt, config.rootpath, full_report=full)
            output = config.getoption("symphony_output")
            if output:
                path = Path(output)
                if not path.is_absolute():
                    path = Path(config.invocation_params.dir) / path
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                terminalreporter.write_line(f"symphony: wrote {path}")
            else:
                terminalreporter.write_sep("-", f"symphony conformity report ({fmt})")
                terminalreporter.write(text)


# -- the controller's view -----------------------------------------------------------------


@dataclass(frozen=True)
class _Unused:
    """An unused suppression as it arrived on a report (what the formats read)."""

    place: Place
    message: str
    reason: str
    code: str | None

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        p = self.place
        return (p.path, p.line, p.col, self.code or "", self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "code": self.code, "message": self.message, "location": self.place.to_dict()}


@dataclass
class Gathered:
    violations: list[Violation]
    suppressed: list[Violation]
    unused: list[_Unused]
    summary: dict[str, Any]

    @classmethod
    def of(cls, payloads: list[dict[str, Any]]) -> "Gathered":
        kept: dict[ViolationKey, Violation] = {}
        silenced: dict[ViolationKey, Violation] = {}
        unused: dict[tuple[str, int, int, str, str], _Unused] = {}
        for p in payloads:
            for d in p["violations"]:
                v = Violation.from_dict(d)
                kept.setdefault(v.key, v)
            for d in p["suppressed"]:
                v = Violation.from_dict(d)
                silenced.setdefault(v.key, v)
            for d in p["unused"]:
                u = _Unused(Place.from_dict(d["location"]), d["message"], d["reason"], d["code"])
                unused.setdefault(u.key, u)
        summary = payloads[-1]["summary"]
        return cls(
            [kept[k] for k in sorted(kept)],
            [silenced[k] for k in sorted(silenced)],
            [unused[k] for k in sorted(unused)],
            summary,
        )

    @property
    def threshold(self) -> Severity:
        return Severity.parse(self.summary["threshold"])

    def scores(self) -> dict[Dimension, float]:
        return score_all(self.violations, Checked.of(self.summary["checked"]))

    def render(self, fmt: str, root: Path, full_report: str | None = None) -> str:
        return render(
            fmt,
            self.violations,
            checked=Checked.of(self.summary["checked"]),
            threshold=self.threshold,
            suppressed=self.suppressed,
            unused=self.unused,
            root=str(root),
            full_report=full_report,
        )


def _full_report(config: pytest.Config, g: Gathered) -> str | None:
    """The whole report as text in the run folder (GitHub shows only the first annotations of
    a step): its path relative to the rootdir, or None when it cannot be written."""
    sym = config.stash.get(RUN, None)
    if sym is None:
        return None
    path = sym.run_dir / "conformity.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(g.render("text", config.rootpath), encoding="utf-8")
    except OSError:
        return None
    try:
        shown = path.relative_to(config.rootpath).as_posix()
    except ValueError:
        shown = str(path)
    return shown


def _summary(tr: pytest.TerminalReporter, g: Gathered) -> None:
    tr.write_sep("-", "symphony conformity")
    checked = Checked.of(g.summary["checked"])
    for dimension, score in g.scores().items():
        counts = severity_counts(v for v in g.violations if v.dimension is dimension)
        by_sev = ", ".join(f"{s} {n}" for s, n in counts.items() if n)
        tr.write_line(
            f"{dimension.value:<14} {score:.2f}  {band(score):<15} checked {checked[dimension]:<5} "
            f"{by_sev or 'no violations'}"
        )
    counts = severity_counts(g.violations)
    failing = sum(1 for v in g.violations if v.severity >= g.threshold)
    line = "violations: " + ", ".join(f"{s} {n}" for s, n in counts.items())
    line += f"; {failing} at or above {g.threshold}"
    if g.suppressed:
        line += f"; {len(g.suppressed)} suppressed"
    if g.unused:
        line += f"; {len(g.unused)} unused suppression(s)"
    tr.write_line(line)
    for note in g.summary.get("notes", ()):
        tr.write_line(f"note: {note}")


def _record_history(config: pytest.Config, g: Gathered) -> None:
    """Violations and scores into the run history, beside the run's attempts."""
    from ..telemetry.store import HistoryError, HistoryStore  # sqlite3: only when a run records history

    recorder = config.stash.get(RECORDER, None)
    if recorder is None or not (hasattr(HistoryStore, "add_violations") or hasattr(HistoryStore, "add_scores")):
        return
    sym = recorder.run
    path = recorder.history_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with HistoryStore(path).open() as store:
            if hasattr(store, "add_violations"):
                store.add_violations(sym.run_id, [v.to_dict() for v in g.violations])
            if hasattr(store, "add_scores"):
                store.add_scores(sym.run_id, {d.value: s for d, s in g.scores().items()})
    except (HistoryError, OSError) as exc:
        tr = config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(f"symphony: conformity history not recorded in {path}: {exc}")
