"""The session's symphony state: registry, conductor, sequence runs, telemetry sink.

One ``SymphonySession`` per pytest session (and per xdist worker); the hook
functions in ``plugin.py`` stay thin and call into it.
"""

from __future__ import annotations

import getpass
import importlib
import os
import platform
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest

from . import collect
from .errors import SymphonyError
from .options import value
from .runtime import dynamics
from .runtime.conductor import Conductor
from .runtime.context import WROTE, SequenceRun
from .runtime.registry import HANDLER_ATTR, BUILTIN, HandlerRegistry
from .score.model import Beat, Movement, Sequence
from .stamps import new_run_id, utc_now
from .resume import RESUMED, RESUMED_FROM, Resume
from .shards import parse_shard
from .summary import RunSummary

if TYPE_CHECKING:
    from .builtins import Pipeline
    from .telemetry.records import RunRecord
    from .telemetry.writer import TelemetryWriter


class SymphonySession:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.hook = config.hook
        self.registry = HandlerRegistry()
        self.conductor = Conductor(config.hook)
        self.dynamic: str = config.getoption("symphony_dynamic") or dynamics.DEFAULT
        self.selected: list[str] = _split_names(config.getoption("symphony"))
        workerinput = getattr(config, "workerinput", None)
        self.is_worker = workerinput is not None
        self.run_id: str = workerinput["symphony_run_id"] if workerinput else new_run_id()
        root = config.rootpath
        self.symphony_dir = (root / (value(config, "symphony_dir") or ".symphony")).resolve()
        self.run_dir = self.symphony_dir / "runs" / self.run_id
        self.spec_roots = [(root / p).resolve() for p in value(config, "symphony_paths")]
        self.max_spec_bytes = int(value(config, "symphony_max_spec_bytes"))
        self.sequences: dict[str, str] = {}  # sequence id -> spec nodeid that declared it first
        self.summary = RunSummary()
        self.writer: TelemetryWriter | None = None
        self.started_at = utc_now()
        self._markers: set[str] = set()
        self.written: list[str] = []  # files asked for (reports, scaffolds), listed at the end of the summary
        self.telemetry_written: list[str] = []  # the run's telemetry files: one line, or listed with -v
        self._pipeline_modules: set[str] = set()
        self._sequence_index: dict[str, tuple[Sequence, str, Pipeline | None]] | None = None  # for sub-pipelines
        self.isolated: bool = bool(config.getoption("symphony_isolated"))
        self.node_id_args: list[str] = []  # symphony:<root>::... node ids from the command line
        #: root -> functions that collect what such a node id names, returning whether one did
        self.node_id_roots: dict[str, list[Callable[[pytest.Session, str, list[pytest.Item]], bool]]] = {}
        self.pulled_in: list[tuple[str, str]] = []  # (beat pulled in, the beat it stands under)
        self.ran_isolated: list[str] = []
        shard = config.getoption("symphony_shard")
        self.shard: tuple[int, int] | None = parse_shard(shard) if shard else None
        self.notes: list[str] = []  # lines for the summary, decided at collection (not under xdist)
        resume = config.getoption("symphony_resume")
        self.resume = Resume(self, resume) if resume else None
        self.resumed: list[str] = []  # notes of resumed sequences (controller)
        self.resumed_from: set[str] = set()
        #: Areas that place their items once the beats are in order (bdd: scenarios after their beats).
        self.arrangers: list[Callable[[pytest.Session, list[pytest.Item]], None]] = []

    # -- handlers ---------------------------------------------------------------
    def register_configured_handlers(self) -> None:
        """Import the modules of ini ``symphony_handlers``, then ask plugins for theirs.

        A module that cannot import does not stop the session: it is kept as a finding
        (``registry.failed``), the beats that cannot find their handler say why, and the
        conformity checks still read its source.
        """
        from .project_import import error_place, import_by_name, import_mode, module_file

        mode = import_mode(self.config)
        for entry in value(self.config, "symphony_handlers"):
            alias, _, module_name = entry.rpartition("=")
            if alias:
                self.registry.alias(alias, module_name)
            try:
                module = import_by_name(module_name, self.config.rootpath, mode)
            except Exception as exc:
                path = module_file(module_name, self.config.rootpath)
                self.registry.add_failure(
                    module_name,
                    path,
                    f"{error_place(exc, path, self.config.rootpath)}: {type(exc).__name__}: {exc}"
                    if path
                    else f"{type(exc).__name__}: {exc}",
                )
                continue
            self.registry.add_module(module)
        self.hook.pytest_symphony_register_handlers(registry=self.registry)

    def load_pipeline_handlers(self, pipeline: Pipeline) -> None:
        """A built-in pipeline's handlers, imported when its spec is collected and not before."""
        if pipeline.handler_module and pipeline.handler_module not in self._pipeline_modules:
            self._pipeline_modules.add(pipeline.handler_module)
            self.registry.add_module(importlib.import_module(pipeline.handler_module), origin=BUILTIN)

    def scan_plugin(self, plugin: object) -> None:
        """conftest.py modules register their ``@handler`` functions as they load."""
        name = getattr(plugin, "__file__", "") or ""
        if os.path.basename(name) == "conftest.py" and any(
            getattr(v, HANDLER_ATTR, None) for v in vars(plugin).values()
        ):
            self.registry.add_module(plugin)  # type: ignore[arg-type]

    # -- collection -------------------------------------------------------------
    def is_spec(self, path: Path) -> bool:
        from .score.loader import SPEC_SUFFIXES

        if path.suffix not in SPEC_SUFFIXES:
            return False
        return any(path == r or r in path.parents for r in self.spec_roots)

    def claim_sequence(self, sequence: Sequence, nodeid: str) -> str | None:
        """Record who declares ``sequence.id``; return the earlier file when it is a duplicate."""
        first = self.sequences.setdefault(sequence.id, nodeid)
        return first if first != nodeid else None

    def register_marker(self, sequence: Sequence) -> str:
        name = collect.marker_name(sequence.id)
        if name not in self._markers:
            self._markers.add(name)
            self.config.addinivalue_line("markers", f"{name}: beats of sequence '{sequence.id}'")
        return name

    def check_fixtures(self, item: collect.BeatItem) -> None:
        """At ``pp``: prove every fixture the handlers need exists, without running any."""
        manager = item.session._fixturemanager
        missing = [n for n in item.plan.fixture_names if n not in _ALWAYS and not manager.getfixturedefs(n, item)]
        if missing:
            raise SymphonyError(
                f"{item.plan.spec_file}:{item.plan.beat.line}: beat {item.plan.label} needs fixture(s) "
                f"{', '.join(missing)}, which no conftest.py or plugin defines"
            )

    # -- sequence runs ----------------------------------------------------------
    def start_sequence(self, node: collect.SequenceNode) -> SequenceRun:
        outer = node.outer
        run = SequenceRun(
            node.sequence,
            run_id=self.run_id,
            dynamic=self.dynamic,
            run_dir=self.run_dir,
            on_event=self._on_event,
            parent=outer.sequence_node.run if outer else None,
            parent_nodeid=outer.nodeid if outer else None,
        )
        if self.resume is not None and outer is None and node.sequence.id in self.resume.states:
            run.restore(self.resume.states[node.sequence.id])
        self.hook.pytest_symphony_before_sequence(sequence=node.sequence, context=run)
        return run

    def finish_sequence(self, node: collect.SequenceNode) -> None:
        self.hook.pytest_symphony_after_sequence(sequence=node.sequence, context=node.run)

    def _on_event(self, run: SequenceRun, event: str, payload: dict[str, Any]) -> None:
        self.hook.pytest_symphony_event(event=event, payload=payload, sequence=run.sequence, beat=run.beat, context=run)

    def beat_failed(self, item: collect.BeatItem) -> str | None:
        """Mark the sequence run failed and roll it back once, then the runs it is nested in.

        A failed beat of a sub-pipeline fails the beat that runs it: the sub-pipeline's
        rollback runs first, then the parent's.  Returns the rollback errors, if any.
        """
        problems = []
        node, movement, beat = item.sequence_node, item.plan.movement, item.plan.beat
        while node is not None:
            run = node.run
            if run is None or run.failed is not None:
                break
            problem = self._roll_back(node, run, movement, beat)
            if problem:
                problems.append(problem)
            outer = node.outer
            if outer is None:
                break
            outer_movement = outer.parent
            assert isinstance(outer_movement, collect.MovementNode), "a sub-pipeline beat lies in a movement"
            node, movement, beat = outer.sequence_node, outer_movement.movement, outer.beat
        return "\n".join(problems) or None

    def _roll_back(self, node: collect.SequenceNode, run: SequenceRun, movement: Movement, beat: Beat) -> str | None:
        run.failed = (movement, beat)
        try:
            self.hook.pytest_symphony_rollback(sequence=run.sequence, failed_beat=beat, context=run)
            ref = run.sequence.rollback
            if ref is not None:
                entry = self.registry.resolve(ref, node.handler_scope)
                offered = (("symphony", run), ("beat", beat), ("pytestconfig", self.config))
                kwargs = {k: v for k, v in offered if k in _parameters(entry.func)}
                entry.func(**kwargs)
        except Exception as exc:  # reported on the failed beat's report, never lost
            return f"rollback of sequence '{run.sequence.id}' failed: {type(exc).__name__}: {exc}"
        return None

    def find_sequence(self, sequence_id: str) -> tuple[Sequence, str, frozenset[str]] | None:
        """A sequence by id, for a sub-pipeline: (sequence, spec file to show, its handler scope)."""
        if self._sequence_index is None:
            from .builtins import builtin_pipelines
            from .score.loader import SPEC_SUFFIXES, load_spec

            index: dict[str, tuple[Sequence, str, Pipeline | None]] = {}
            root = self.config.rootpath
            for spec_root in self.spec_roots:
                for path in sorted(spec_root.rglob("*")) if spec_root.is_dir() else ():
                    if path.suffix in SPEC_SUFFIXES and path.is_file():
                        found = load_spec(path, max_bytes=self.max_spec_bytes).sequence
                        if found is not None:
                            index.setdefault(found.id, (found, _relative(path, root), None))
            for builtin in builtin_pipelines():
                found = load_spec(builtin.spec).sequence
                if found is not None:
                    index.setdefault(found.id, (found, builtin.nodeid, builtin))
            self._sequence_index = index
        entry = self._sequence_index.get(sequence_id)
        if entry is None:
            return None
        sequence, shown, pipeline = entry
        if pipeline is None:
            return sequence, shown, frozenset()
        self.load_pipeline_handlers(pipeline)
        module = pipeline.handler_module
        return sequence, shown, frozenset({module}) if module else frozenset()

    # -- partial runs (controller) ------------------------------------------------
    def note_partial(self, report: pytest.TestReport) -> None:
        from .partial import ISOLATED, PULLED_IN

        for name, value_ in report.user_properties:
            if name == PULLED_IN:
                self.pulled_in.append((report.nodeid, str(value_)))
            elif name == ISOLATED:
                self.ran_isolated.append(str(value_))
            elif name == RESUMED:
                self.resumed.append(str(value_))
            elif name == RESUMED_FROM:
                self.resumed_from.add(str(value_))

    def partial_lines(self) -> list[str]:
        from .partial import summary_lines

        notes = self.resumed + (self.resume.notes if self.resume and not self.is_worker else [])
        return (
            summary_lines(self.pulled_in, self.ran_isolated)
            + [f"resume: {note}" for note in dict.fromkeys(notes)]
            + (self.notes if not self.is_worker else [])
        )

    # -- telemetry (controller only) ---------------------------------------------
    def record(self, records: list[dict[str, Any]]) -> None:
        if self.is_worker:
            return
        if self.writer is None:
            from .telemetry.writer import TelemetryWriter

            self.writer = TelemetryWriter(self.symphony_dir, self.run_record())
        for rec in records:
            self.writer.add(rec)
            self.summary.add(rec)
            for event in rec.get("events") or ():
                if event.get("name") == WROTE and event.get("payload", {}).get("path"):
                    shown = _relative(Path(event["payload"]["path"]).resolve(), self.config.rootpath)
                    if shown not in self.written:
                        self.written.append(shown)

    def run_record(self) -> RunRecord:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "dynamic": self.dynamic,
            "rootdir": str(self.config.rootpath),
            "argv": list(self.config.invocation_params.args),
            "user": _user(),
            "host": socket.gethostname(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "git_commit": _git_commit(self.config.rootpath),
            "selected": list(self.selected),
            "resumed_from": ",".join(sorted(self.resumed_from)) or None,
        }

    def close(self, exitstatus: int) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close(int(exitstatus))
            self.telemetry_written = [
                _relative(writer.jsonl_path, self.config.rootpath),
                _relative(writer.history_path, self.config.rootpath),
            ]

    def written_lines(self, verbose: bool) -> list[str]:
        """The end of the terminal summary: the files asked for, then where the run was recorded.

        Telemetry files are one line naming the run folder, unless ``-v`` asks for each or the
        run wrote files asked for (reports, scaffolds): then every file written is listed.
        """
        lines = [f"symphony: wrote {path}" for path in self.written]
        if verbose or self.written:
            lines += [f"symphony: wrote {path}" for path in self.telemetry_written]
        elif self.telemetry_written:
            folder = _relative(self.run_dir, self.config.rootpath)
            lines.append(
                f"symphony: run {self.run_id} recorded in {folder}/ and {self.telemetry_written[-1]} "
                "(-v lists the files)"
            )
        return lines


def _relative(path: str | Path, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


_ALWAYS = frozenset({"symphony", "beat", "request"})


def _parameters(func: Callable[..., Any]) -> set[str]:
    import inspect

    return set(inspect.signature(func).parameters)


def _git_commit(root: Path) -> str | None:
    """The commit the run saw, for lineage; None outside a git work tree."""
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _split_names(value: str | None) -> list[str]:
    return [n.strip() for n in (value or "").split(",") if n.strip()]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return os.environ.get("USER", "unknown")
