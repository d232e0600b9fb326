"""The workspace the engine checks, read once: specs, handler and step modules, features,
pyproject, the domain registry, the lock file, the build manifest and the run history.

Specs load through :func:`pytest_symphony.score.loader.load_spec` (a spec that fails
the schema is read again at the source level, only for its suppression members).
Python files are listed here and scanned by the engine (:mod:`.pyscan`, cached).
What does not come from the files (the built-in pipelines a run names, the session's
handler registry, the feature reader) comes from the caller (:class:`.inputs.EngineInputs`).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from ..paths import shown_path
from ..score.loader import load_spec
from ..score.source import SPEC_SUFFIXES, parse_json, parse_yaml, read_source
from ..telemetry.store import HistoryError, HistoryStore
from ..toml import tomllib
from .inputs import BuiltinSpec, EngineInputs
from .lock import read_lock
from .settings import Settings
from .sources import (
    FeatureInput,
    LoadedSpec,
    PyInput,
    SpecInput,
    find_module,
    inside,
    module_name,
    walk_files,
)
from .specmap import SpecText

if TYPE_CHECKING:
    from .features import BddIndex
    from .handlers import HandlerIndex

__all__ = ["Workspace"]


class Workspace:
    """Everything one engine run reads.  Built by :meth:`load`; checks only read it."""

    def __init__(self, inputs: EngineInputs | Settings) -> None:
        if isinstance(inputs, Settings):
            inputs = EngineInputs(inputs)
        settings = self.settings = inputs.settings
        self.root = settings.root
        self.builtins: tuple[BuiltinSpec, ...] = inputs.builtins
        self.parse_feature = inputs.parse_feature
        self.specs: list[SpecInput] = []
        self.python: list[PyInput] = []
        self.features: list[FeatureInput] = []
        self.notes: list[str] = []
        self.errors: list[tuple[str, int, int, str]] = []  # (path, line, col, message): could not check
        self.fixtures: set[str] = set()
        self.runtime_registry: Any = inputs.registry
        self._handlers: HandlerIndex | None = None
        self._bdd: BddIndex | None = None
        self.policy_checks: list[Any] = list(inputs.policy_checks)
        self.cadences: tuple[str, ...] = tuple(settings.cadences)
        self.extra_paths: list[Path] = []
        self.stats: dict[str, Any] = {}

    # -- indexes the engine builds before any check runs ---------------------------------------
    @property
    def handlers(self) -> HandlerIndex:
        """Every handler a beat may name (:func:`.engine.prepare_workspace` builds it)."""
        if self._handlers is None:
            raise RuntimeError("the handler index is built by engine.prepare_workspace")
        return self._handlers

    @handlers.setter
    def handlers(self, index: HandlerIndex) -> None:
        self._handlers = index

    @property
    def bdd(self) -> BddIndex:
        """The features, their scenarios and step definitions (:func:`.engine.prepare_workspace` builds it)."""
        if self._bdd is None:
            raise RuntimeError("the BDD index is built by engine.prepare_workspace")
        return self._bdd

    @bdd.setter
    def bdd(self, index: BddIndex) -> None:
        self._bdd = index

    # -- loading ---------------------------------------------------------------------------
    def load(self, *, paths: Iterable[Path] | None = None) -> "Workspace":
        self.extra_paths = [Path(p).resolve() for p in (paths or ())]
        self._note_refused_config()
        self._load_specs()
        self._list_python()
        self._list_features()
        return self

    def _note_refused_config(self) -> None:
        """A configuration file pytest refused: checked with the default settings, and said so."""
        if self.settings.refused is None:
            return
        path, line, what = self.settings.refused
        if path and Path(path) == self.root / "pyproject.toml":
            self.pyproject  # read once, reported as every reader of pyproject.toml reports it
            return
        self.errors.append(
            (
                self.rel(Path(path)) if path else "",
                line,
                1,
                f"pytest refuses this configuration ({what}); checked with the default settings",
            )
        )

    def rel(self, path: Path) -> str:
        return shown_path(path, self.root)

    def _spec_files(self) -> list[tuple[Path, BuiltinSpec | None]]:
        """(path, the built-in pipeline it is, or None)."""
        seen: dict[Path, Any] = {}
        for entry in self.settings.spec_paths:
            for path in walk_files((self.root / entry).resolve(), SPEC_SUFFIXES):
                seen.setdefault(path.resolve(), None)
        for path in self.extra_paths:
            for found in walk_files(path, SPEC_SUFFIXES):
                seen.setdefault(found.resolve(), None)
        for pipeline in self.builtins:
            if pipeline.named:
                seen.setdefault(pipeline.spec.resolve(), pipeline)
        return sorted(seen.items(), key=lambda kv: (kv[1] is not None, str(kv[0])))

    def _load_specs(self) -> None:
        for path, pipeline in self._spec_files():
            builtin = pipeline is not None
            rel = self.rel(path) if not builtin else f"symphony:{path.stem}/{path.name}"
            result = load_spec(path, display_path=rel, max_bytes=self.settings.max_spec_bytes)
            try:
                text = path.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                text = None
            scope = frozenset({pipeline.handler_module}) if pipeline and pipeline.handler_module else frozenset()
            if result.sequence is not None:
                self.specs.append(LoadedSpec(path, rel, result, text, result.sequence.raw, builtin, scope))
                continue
            raw: Mapping[str, Any] | None = None
            if text is not None and any(p.pointer is not None for p in result.problems):
                data = read_source(path, display=rel, max_bytes=self.settings.max_spec_bytes).data
                if isinstance(data, Mapping):
                    wrapped = data.get("musicalSequence")
                    raw = wrapped if isinstance(wrapped, Mapping) else data
            self.specs.append(SpecInput(path, rel, result, text, raw, builtin, scope))

    # -- python ------------------------------------------------------------------------------
    def _add_python(
        self, found: dict[Path, PyInput], path: Path, role: str, module: str | None, builtin: bool = False
    ) -> None:
        path = path.resolve()
        entry = found.get(path)
        if entry is None:
            rel = self.rel(path)
            if builtin and module:  # shown as the pipeline's own, like its spec
                rel = f"symphony:{module.rsplit('.', 1)[-1].removesuffix('_handlers')}/{path.name}"
            entry = found[path] = PyInput(path, rel, module, set(), builtin)
        entry.roles.add(role)
        if module and not entry.module:
            entry.module = module

    def _list_python(self) -> None:
        found: dict[Path, PyInput] = {}
        builtin_modules = self._builtin_handler_modules()
        for name, path in self._handler_module_files():
            if name in builtin_modules:
                if builtin_modules[name]:
                    self._add_python(found, path, "handler", name, builtin=True)
                continue
            if inside(path, self.root):
                self._add_python(found, path, "handler", name)
        for conftest in walk_files(self.root, ("conftest.py",)):
            if conftest.name == "conftest.py":
                self._add_python(found, conftest, "conftest", module_name(conftest, self.root))
        for entry in self.settings.step_defs:
            for path in walk_files((self.root / entry).resolve(), (".py",)):
                self._add_python(found, path, "step", module_name(path, self.root))
        for extra in self.extra_paths:
            for path in walk_files(extra, (".py",)):
                self._add_python(found, path, "handler", module_name(path, self.root))
        self.python = sorted(found.values(), key=lambda p: (p.builtin, p.rel))

    def _builtin_handler_modules(self) -> dict[str, bool]:
        """Built-in handler module -> whether this run names its pipeline (then it is checked)."""
        return {p.handler_module: p.named for p in self.builtins if p.handler_module}

    def _handler_module_files(self) -> list[tuple[str, Path]]:
        """(module name, file) of every registered handler module that has a source file."""
        out: dict[str, Path] = {}
        registry = self.runtime_registry
        if registry is not None:
            for name, module in registry.modules().items():
                file = getattr(module, "__file__", None)
                if file and file.endswith(".py"):
                    out[name] = Path(file)
            for name, failure in registry.failed().items():  # its source is still checked (UNRESOLVED_IMPORT)
                if failure.path is not None:
                    out[name] = failure.path
        else:
            for entry in self.settings.handler_modules:
                name = entry.rpartition("=")[2]
                path = find_module(name, self.root)
                if path is not None:
                    out[name] = path
                else:
                    self.notes.append(
                        f"ini symphony_handlers: module '{name}' was not found under {self.root}; "
                        "its handlers are not checked"
                    )
        for pipeline in self.builtins:
            if pipeline.named and pipeline.handler_module and pipeline.handler_file is not None:
                out[pipeline.handler_module] = pipeline.handler_file
        return sorted(out.items())

    def aliases(self) -> dict[str, str]:
        """``alias=module`` entries of ini ``symphony_handlers``."""
        out = {}
        for entry in self.settings.handler_modules:
            alias, sep, name = entry.rpartition("=")
            if sep and alias:
                out[alias] = name
        return out

    # -- features ------------------------------------------------------------------------------
    def _list_features(self) -> None:
        seen: set[Path] = set()
        tops = [(self.root / f).resolve() for f in self.settings.features] + list(self.extra_paths)
        for top in tops:
            for path in walk_files(top, (".feature",)):
                if path.resolve() not in seen:
                    seen.add(path.resolve())
                    self.features.append(FeatureInput(path.resolve(), self.rel(path)))

    # -- lookups ------------------------------------------------------------------------------
    @cached_property
    def sequences(self) -> dict[str, list[LoadedSpec]]:
        """Sequence id -> the specs declaring it (more than one: a duplicate)."""
        out: dict[str, list[LoadedSpec]] = {}
        for spec in self.loaded():
            out.setdefault(spec.sequence.id, []).append(spec)
        return out

    @cached_property
    def builtin_sequence_ids(self) -> frozenset[str]:
        """The built-in pipelines' sequence ids: a sub-pipeline may invoke one, named or not, as the run does."""
        ids = set()
        for pipeline in self.builtins:
            found = load_spec(pipeline.spec).sequence
            if found is not None:
                ids.add(found.id)
        return frozenset(ids)

    def loaded(self) -> Iterator[LoadedSpec]:
        return (s for s in self.specs if isinstance(s, LoadedSpec))

    @cached_property
    def pyproject(self) -> tuple[Path, dict[str, Any], str] | None:
        path = self.root / "pyproject.toml"
        if not path.is_file():
            return None

        try:
            text = path.read_text(encoding="utf-8")
            return path, tomllib.loads(text), text
        except (OSError, ValueError) as exc:
            self.errors.append((self.rel(path), 1, 1, f"pyproject.toml does not parse: {exc}"))
            return None

    @cached_property
    def registry(self) -> tuple[Path, Any, SpecText] | None:
        """The domain registry: (path, parsed data with lines, text)."""
        path = self.settings.registry_path
        if path is None:
            return None
        try:
            text = path.read_text(encoding="utf-8-sig")
            data = parse_json(text) if path.suffix == ".json" else parse_yaml(text)
        except FileNotFoundError:
            self.notes.append(f"ini symphony_domain_registry: {self.rel(path)} does not exist")
            return None
        except (OSError, ValueError) as exc:
            self.errors.append((self.rel(path), 1, 1, f"the domain registry does not parse: {exc}"))
            return None
        return path, data, SpecText(text, "json" if path.suffix == ".json" else "yaml")

    @cached_property
    def lock(self) -> dict[str, Any] | None:
        try:
            return read_lock(self.settings.lock_path)
        except ValueError as exc:
            self.errors.append((self.rel(self.settings.lock_path), 1, 1, str(exc)))
            return None

    @cached_property
    def history(self) -> HistoryStore | None:
        """The run history (read only), or None when there is none."""
        path = self.settings.history_path
        if not path.is_file():
            return None

        try:
            return HistoryStore(path).open()
        except HistoryError as exc:
            self.notes.append(f"run history {path} cannot be read ({exc}); timing and metric codes are not checked")
            return None

    def close(self) -> None:
        history = self.__dict__.get("history")
        if history is not None:
            history.close()
