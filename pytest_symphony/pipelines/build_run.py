"""What the build symphony's beats share: one typed :class:`BuildRun` under ``symphony.state["build"]``.

A beat reads what an earlier beat left through :func:`build_run` and :func:`needed`, so
mypy checks every use and a value an earlier beat did not leave fails with that beat's name.

For ``--symphony-resume`` the run serializes itself (:meth:`BuildRun.to_checkpoint`): what
the beats found is kept as JSON and rebuilt on restore; what is only read from the project
(the specs, the isolation setting, the build environment, the host configuration) is left
out and read again on first use.  What a beat put into the project's ``dist/`` folders is
apart, in a :class:`DistOutputs` per beat that does not serialize on purpose: the rollback
of the run being resumed took those files back, so a resumed run re-runs that beat
(package builds, the artifact manifests) rather than trust a list of files that are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, TypeVar

from pytest_symphony.buildkit.distdir import DistChange
from pytest_symphony.buildkit.packaging import BuildResult
from pytest_symphony.buildkit.settings import Isolation
from pytest_symphony.buildkit.specs import SpecEntry
from pytest_symphony.buildkit.workspace import HostConfig
from pytest_symphony.errors import SymphonyError
from pytest_symphony.runtime.context import SequenceRun

__all__ = [
    "KEY",
    "MANIFESTS",
    "PACKAGES",
    "BuildRun",
    "DistOutputs",
    "build_run",
    "built_files",
    "dist_outputs",
    "finished_build",
    "needed",
]

#: The key of ``symphony.state`` that holds the :class:`BuildRun`.
KEY = "build"
#: The keys of the :class:`DistOutputs` of beat 3.2 (package builds) and 5.5 (artifact manifests).
PACKAGES, MANIFESTS = "build:packages", "build:manifests"

T = TypeVar("T")


@dataclass
class BuildRun:
    """Everything the build's beats hand on, typed; ``None`` is "the beat that sets it has not run"."""

    # -- produced by beats, checkpointed ---------------------------------------------------
    context: dict[str, Any] | None = None  #: 1.1 Load build context
    run_started: float | None = None  #: 1.1, epoch seconds
    validation: dict[str, Any] = field(default_factory=dict)  #: movement 1's findings
    canonical: dict[str, dict[str, str]] | None = None  #: 2.2 Write canonical specs
    manifest_index: dict[str, Any] | None = None  #: 2.3 Generate manifests
    reproducibility: dict[str, dict[str, Any]] = field(default_factory=dict)  #: 3.2 at ff
    host_seconds: float | None = None  #: 4.2 Run host build
    host_outputs: list[Path] = field(default_factory=list)  #: 4.3 Check host outputs
    artifacts: list[Path] | None = None  #: 5.1 Collect artifacts
    artifact_hashes: dict[str, str] = field(default_factory=dict)  #: 5.2 Hash artifacts
    conformity_scored: bool = False  #: 6.2 Score conformity ran
    build_report: Path | None = None  #: 6.5 Write build report
    rolled_back: list[str] | None = None  #: the rollback's removed files
    report: dict[str, Any] = field(default_factory=dict)  #: what the build report shows, by section

    # -- read from the project on first use, never checkpointed ----------------------------
    specs: list[SpecEntry] | None = field(default=None, compare=False)
    isolation: Isolation | None = field(default=None, compare=False)
    build_env: dict[str, str] | None = field(default=None, compare=False)
    source_date_epoch: dict[str, str] | None = field(default=None, compare=False)
    host_read: bool = field(default=False, compare=False)
    host: HostConfig | None = field(default=None, compare=False)
    conformity: Any = field(default=None, compare=False)  #: the engine's result (6.2); the engine is optional

    def to_checkpoint(self) -> dict[str, Any]:
        """This run as JSON, for the checkpoint after each beat (``--symphony-resume``)."""
        return {
            "context": self.context,
            "run_started": self.run_started,
            "validation": self.validation,
            "canonical": self.canonical,
            "manifest_index": self.manifest_index,
            "reproducibility": self.reproducibility,
            "host_seconds": self.host_seconds,
            "host_outputs": [str(p) for p in self.host_outputs],
            "artifacts": None if self.artifacts is None else [str(p) for p in self.artifacts],
            "artifact_hashes": self.artifact_hashes,
            "conformity_scored": self.conformity_scored,
            "build_report": None if self.build_report is None else str(self.build_report),
            "rolled_back": self.rolled_back,
            "report": self.report,
        }

    @classmethod
    def from_checkpoint(cls, data: dict[str, Any]) -> "BuildRun":
        """A run as :meth:`to_checkpoint` left it (a resumed run's starting state)."""
        artifacts = data.get("artifacts")
        return cls(
            context=data.get("context"),
            run_started=data.get("run_started"),
            validation=data.get("validation") or {},
            canonical=data.get("canonical"),
            manifest_index=data.get("manifest_index"),
            reproducibility=data.get("reproducibility") or {},
            host_seconds=data.get("host_seconds"),
            host_outputs=[Path(p) for p in data.get("host_outputs") or ()],
            artifacts=None if artifacts is None else [Path(p) for p in artifacts],
            artifact_hashes=data.get("artifact_hashes") or {},
            conformity_scored=bool(data.get("conformity_scored")),
            build_report=_path(data.get("build_report")),
            rolled_back=data.get("rolled_back"),
            report=data.get("report") or {},
        )


@dataclass(eq=False)
class DistOutputs:
    """What one beat put into the project's ``dist/`` folders; the rollback takes it back.

    Deliberately not serializable (see the module's docstring): a resumed run re-runs the beat.
    """

    builds: list[BuildResult] = field(default_factory=list)  #: 3.2: one per package built
    changes: list[DistChange] = field(default_factory=list)  #: files moved into ``dist/`` (and what they replaced)
    #: files rewritten in place, with their earlier bytes (None: the file was new)
    replaced: dict[str, bytes | None] = field(default_factory=dict)
    staging_root: Path | None = None  #: 3.2: this run's build output folder


def build_run(symphony: SequenceRun) -> BuildRun:
    """The build's shared values for this sequence run, created on first use (or rebuilt from a checkpoint)."""
    found = symphony.state.get(KEY)
    if isinstance(found, BuildRun):
        run = found
    else:
        run = symphony.state[KEY] = BuildRun.from_checkpoint(found) if isinstance(found, dict) else BuildRun()
    if HANDED_ON & symphony.state.keys():
        _adopt(symphony, run)
    return run


#: What a project's handler that replaces a beat hands on by returning it (``{"conformity": result}``).
HANDED_ON = frozenset({"artifacts", "conformity"})


def _adopt(symphony: SequenceRun, run: BuildRun) -> None:
    """Take the values an overriding handler returned into the run, as the built-in beat would have set them."""
    if "conformity" in symphony.state:
        run.conformity = symphony.state.pop("conformity")
        run.conformity_scored = run.conformity is not None
    if "artifacts" in symphony.state:
        run.artifacts = [Path(p) for p in symphony.state.pop("artifacts")]


def dist_outputs(symphony: SequenceRun, key: str) -> DistOutputs:
    """The :class:`DistOutputs` under ``key`` (:data:`PACKAGES` or :data:`MANIFESTS`), created on first use."""
    found = symphony.state.get(key)
    if isinstance(found, DistOutputs):
        return found
    outputs = symphony.state[key] = DistOutputs()
    return outputs


def finished_build(state: Mapping[str, Any]) -> BuildRun:
    """A build's run from its sequence run's state: what a pipeline nesting the build reads (``SubRun.state``)."""
    found = state.get(KEY)
    return found if isinstance(found, BuildRun) else BuildRun()


def built_files(state: Mapping[str, Any]) -> list[Path]:
    """The artifacts a finished build collected (beat 5.1), else the files its package builds put in ``dist/``."""
    artifacts = finished_build(state).artifacts
    if artifacts is not None:
        return list(artifacts)
    outputs = state.get(PACKAGES)
    return [f for b in outputs.builds for f in b.files] if isinstance(outputs, DistOutputs) else []


def needed(value: T | None, what: str, beat: str) -> T:
    """What an earlier beat left (``value``), or a clear failure naming that beat."""
    if value is None:
        raise SymphonyError(
            f"{what} come from beat {beat}, which did not run in this session; "
            f"run the whole movement (a -k selection left beat {beat} out)"
        )
    return value


def _path(text: str | None) -> Path | None:
    return None if text is None else Path(text)
