"""Building packages with PyPA ``build`` and running the host build, as real subprocesses.

A package builds as ``python -m build`` does by default: the sdist first, then the wheel
from that sdist (so a file missing from the sdist breaks the wheel, and setuptools'
``build/`` folder never lands in the project).  Every build writes its complete output to
a log file; a failure raises an error carrying the log's last lines, its path and the exact
command that reproduces it.  What the backend leaves in the source tree (setuptools'
``*.egg-info``) is removed when the build did not find it there.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from pytest_symphony.errors import SymphonyError

from .process import LOG_TAIL_LINES, LineCallback, log_tail, run_logged
from .workspace import HostConfig, Package

__all__ = [
    "BuildFailed",
    "BuildResult",
    "HostBuildFailed",
    "HostResult",
    "LOG_TAIL_LINES",
    "build_command",
    "build_package",
    "check_host_outputs",
    "log_tail",
    "remove_partial",
    "reproduce_command",
    "run_host_build",
    "snapshot_dist",
]


class BuildFailed(SymphonyError):
    """``python -m build`` failed for one package; carries the log tail and the log path."""

    def __init__(
        self,
        package: Package,
        *,
        returncode: int | None,
        log_tail: str,
        log_path: Path | None,
        outdir: Path,
        before: set[str],
        created: Sequence[Path] = (),
        reason: str | None = None,
        reproduce: str | None = None,
    ):
        self.package = package
        self.returncode = returncode
        self.log_tail = log_tail
        self.log_path = log_path
        self.outdir = outdir
        #: names in ``outdir`` before the build started: pass to :func:`remove_partial`.
        self.before = set(before)
        #: files this failed run left in ``outdir``.
        self.created = list(created)
        why = reason or f"exited with code {returncode}"
        where = f"full log: {log_path}" if log_path else "no log file was requested"
        super().__init__(
            f"building {package.name} ({package.pyproject}) failed: {why}; {where}\n"
            f"--- last {LOG_TAIL_LINES} lines of the build log ---\n{log_tail.rstrip()}\n---\n"
            f"Fix the error above; reproduce with: {reproduce or sys.executable + ' -m build ' + str(package.path)}"
        )


class HostBuildFailed(SymphonyError):
    """The configured host build command failed or left declared outputs missing."""

    def __init__(
        self,
        message: str,
        *,
        log_tail: str = "",
        log_path: Path | None = None,
        returncode: int | None = None,
        missing: Sequence[str] = (),
    ):
        self.log_tail = log_tail
        self.log_path = log_path
        self.returncode = returncode
        self.missing = list(missing)
        super().__init__(message)


@dataclass
class BuildResult:
    """What one successful package build produced."""

    package: Package
    outdir: Path
    files: list[Path]  #: files created or rewritten in ``outdir`` by this build, sorted
    command: list[str]
    log_path: Path | None
    started: float  #: epoch seconds when this build started
    duration: float  #: seconds
    run_started: float | None = None  #: epoch seconds of the enclosing run, if given
    log: str | None = None  #: the whole log, only when no ``log_path`` was given
    env: dict[str, str] = field(default_factory=dict)  #: variables the build set (``SOURCE_DATE_EPOCH``)

    @property
    def sdist(self) -> Path | None:
        return next((f for f in self.files if f.name.endswith(".tar.gz")), None)

    @property
    def wheel(self) -> Path | None:
        return next((f for f in self.files if f.suffix == ".whl"), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package.name,
            "version": self.package.version,
            "outdir": str(self.outdir),
            "files": [str(f) for f in self.files],
            "command": list(self.command),
            "env": dict(self.env),
            "log_path": str(self.log_path) if self.log_path else None,
            "started": self.started,
            "duration": self.duration,
        }


@dataclass
class HostResult:
    config: HostConfig
    returncode: int
    log_path: Path | None
    duration: float
    outputs: list[Path] = field(default_factory=list)


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def snapshot_dist(pkg: Package | Path, outdir: Path | None = None) -> set[str]:
    """Names of the entries in the package's ``dist/`` (or ``outdir``) right now."""
    directory = Path(outdir) if outdir is not None else _outdir(pkg)
    try:
        return {entry.name for entry in directory.iterdir()}
    except FileNotFoundError:
        return set()


def _outdir(pkg: Package | Path) -> Path:
    return pkg.dist_dir if isinstance(pkg, Package) else Path(pkg) / "dist"


def build_command(pkg: Package, outdir: Path, *, isolation: bool = True) -> list[str]:
    """``python -m build`` as its default: the sdist, then the wheel built from that sdist."""
    cmd = [sys.executable, "-m", "build", "--outdir", str(outdir)]
    if not isolation:
        cmd.append("--no-isolation")
    cmd.append(str(pkg.path))
    return cmd


def reproduce_command(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The shell line that reruns ``cmd`` with the variables the build set (``SOURCE_DATE_EPOCH``)."""
    prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in sorted((env or {}).items()))
    return prefix + shlex.join(cmd)


def _tree_leftovers(pkg: Package) -> set[Path]:
    """Folders a backend writes beside the sources: setuptools' ``*.egg-info`` (flat or src layout)."""
    found: set[Path] = set()
    for folder in (pkg.path, pkg.path / "src"):
        if folder.is_dir():
            found.update(p for p in folder.glob("*.egg-info") if p.is_dir())
    return found


def _log_header(pkg: Package, reproduce: str, started: float) -> str:
    return (
        f"# pytest-symphony build of {pkg.name} {pkg.version or '(dynamic version)'}\n"
        f"# pyproject: {pkg.pyproject}\n# cwd: {pkg.path}\n"
        f"# command: {reproduce}\n"
        f"# started: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(started))}\n\n"
    )


def _changed_files(outdir: Path, before: Mapping[str, tuple[int, int, int] | None]) -> list[Path]:
    """Files in ``outdir`` that are new or changed since ``before`` (name -> stat key)."""
    if not outdir.is_dir():
        return []
    return sorted(
        entry
        for entry in outdir.iterdir()
        if entry.is_file() and (entry.name not in before or _stat_key(entry) != before[entry.name])
    )


def build_package(
    pkg: Package,
    *,
    isolation: bool = True,
    outdir: Path | None = None,
    log_path: Path | None = None,
    run_started: float | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    on_line: LineCallback | None = None,
) -> BuildResult:
    """Build ``pkg`` to an sdist and a wheel (built from the sdist) with ``python -m build``.

    The output goes to ``outdir`` (default ``<package>/dist``); the full log to
    ``log_path`` (else it is kept on the result).  ``isolation=False`` passes
    ``--no-isolation``: build requirements must then be installed already.  ``env`` adds
    variables (``SOURCE_DATE_EPOCH``); ``on_line`` sees every line the build prints.  On
    failure raises :class:`BuildFailed` with the log tail and the command that reproduces
    it; the files it left are in ``exc.created`` and :func:`remove_partial` with
    ``exc.before`` removes them.
    """
    outdir = Path(outdir) if outdir is not None else pkg.dist_dir
    cmd = build_command(pkg, outdir, isolation=isolation)
    extra = dict(env or {})
    outcome = _Outcome(pkg, outdir, log_path, reproduce_command(cmd, extra), snapshot_dist(pkg, outdir))
    leftovers = _tree_leftovers(pkg)
    started = time.time()
    header = _log_header(pkg, outcome.reproduce, started)
    if importlib.util.find_spec("build") is None:
        raise outcome.no_build(header)
    try:
        code, tail, text = run_logged(
            cmd,
            cwd=pkg.path,
            log_path=log_path,
            header=header,
            timeout=timeout,
            env={**os.environ, **extra},
            on_line=on_line,
        )
    finally:
        for folder in _tree_leftovers(pkg) - leftovers:
            shutil.rmtree(folder, ignore_errors=True)
    if code != 0:
        raise outcome.failed(code, tail, None if code is not None else "timed out or could not start")
    return BuildResult(
        package=pkg,
        outdir=outdir,
        files=outcome.created(),
        command=cmd,
        log_path=Path(log_path) if log_path else None,
        started=started,
        duration=time.time() - started,
        run_started=run_started,
        log=text,
        env=extra,
    )


class _Outcome:
    """What one build left in its output folder, measured against what was there before it."""

    def __init__(self, pkg: Package, outdir: Path, log_path: Path | None, reproduce: str, before: set[str]) -> None:
        self.pkg, self.outdir, self.log_path, self.reproduce = pkg, outdir, log_path, reproduce
        self.before_names = before
        self.before = {name: _stat_key(outdir / name) for name in before}

    def created(self) -> list[Path]:
        return _changed_files(self.outdir, self.before)

    def no_build(self, header: str) -> BuildFailed:
        """PyPA build is not installed: said in the log too."""
        missing = header + f"ERROR: the PyPA 'build' package is not installed for {sys.executable}\n"
        if self.log_path is not None:
            Path(self.log_path).parent.mkdir(parents=True, exist_ok=True)
            Path(self.log_path).write_text(missing, encoding="utf-8")
        return self.failed(None, log_tail(missing), reason="PyPA build is not installed; run: pip install build")

    def failed(self, returncode: int | None, tail: str, reason: str | None = None) -> BuildFailed:
        return BuildFailed(
            self.pkg,
            returncode=returncode,
            log_tail=tail,
            log_path=self.log_path,
            outdir=self.outdir,
            before=self.before_names,
            created=self.created(),
            reason=reason,
            reproduce=self.reproduce,
        )


def remove_partial(pkg: Package | Path, since_files: Iterable[str | Path], *, outdir: Path | None = None) -> list[Path]:
    """Remove the files in ``dist/`` (or ``outdir``) whose names are not in ``since_files``.

    ``since_files`` is the listing taken before the build (:func:`snapshot_dist`, or
    ``BuildFailed.before``); names or paths are accepted.  Files that were there before
    are never touched, nor are directories.  Returns the removed paths.
    """
    directory = Path(outdir) if outdir is not None else _outdir(pkg)
    keep = {Path(f).name for f in since_files}
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    for entry in sorted(directory.iterdir()):
        if entry.name in keep or entry.is_dir() and not entry.is_symlink():
            continue
        entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def run_host_build(
    config: HostConfig, *, log_path: Path | None = None, timeout: float | None = None, check_outputs: bool = True
) -> HostResult:
    """Run the host build command in the root directory; raise :class:`HostBuildFailed` on failure.

    A string command runs through the shell, a list without one.  The declared outputs
    are checked afterwards (see :func:`check_host_outputs`) unless ``check_outputs`` is
    false (the build symphony checks them in a beat of their own).
    """
    shell = isinstance(config.command, str)
    cmd: Any = config.command if shell else list(config.command)
    started = time.time()
    header = f"# host build: {config.display}\n# cwd: {config.root}\n# config: {config.pyproject}\n\n"
    code, tail, _ = run_logged(cmd, cwd=config.root, log_path=log_path, header=header, timeout=timeout, shell=shell)
    duration = time.time() - started
    if code != 0:
        why = f"exited with code {code}" if code is not None else "timed out or could not start"
        where = f"full log: {log_path}" if log_path else "no log file was requested"
        raise HostBuildFailed(
            f"host build {config.display!r} (from {config.pyproject}) {why}; {where}\n"
            f"--- last {LOG_TAIL_LINES} lines ---\n{tail.rstrip()}\n---\n"
            "Fix the command or [tool.symphony.build] host",
            log_tail=tail,
            log_path=log_path,
            returncode=code,
        )
    if not check_outputs:
        return HostResult(config=config, returncode=code, log_path=log_path, duration=duration)
    outputs, missing = check_host_outputs(config)
    if missing:
        raise HostBuildFailed(
            f"host build {config.display!r} succeeded but these declared outputs are missing: "
            f"{', '.join(missing)}; fix [tool.symphony.build] host_outputs in {config.pyproject} "
            "or the build",
            log_path=log_path,
            returncode=code,
            missing=missing,
        )
    return HostResult(config=config, returncode=code, log_path=log_path, duration=duration, outputs=outputs)


def check_host_outputs(config: HostConfig) -> tuple[list[Path], list[str]]:
    """(files matched by the ``host_outputs`` globs, the globs that matched nothing)."""
    found: list[Path] = []
    missing: list[str] = []
    for pattern in config.outputs:
        hits = sorted(config.root / p for p in glob.glob(pattern, root_dir=config.root, recursive=True))
        if hits:
            found.extend(hits)
        else:
            missing.append(pattern)
    return found, missing
