"""Building packages with PyPA ``build`` and running the host build, as real subprocesses.

Every build writes its complete output to a log file; a failure raises an error carrying
the log's last lines and its path, and :func:`remove_partial` takes away only the files a
failed run left in ``dist/``.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from pytest_symphony.errors import SymphonyError

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
    "run_host_build",
    "snapshot_dist",
]

#: How many last lines of a build log a failure carries.
LOG_TAIL_LINES = 60


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
            f"Fix the error above; reproduce with: {sys.executable} -m build {package.path}"
        )


class HostBuildFailed(SymphonyError):
    """The configured host build command failed or left declared outputs missing."""

    def __init__(self, message: str, *, log_tail: str = "", log_path: Path | None = None,
                 returncode: int | None = None, missing: Sequence[str] = ()):
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
    cmd = [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(outdir)]
    if not isolation:
        cmd.append("--no-isolation")
    cmd.append(str(pkg.path))
    return cmd


def log_tail(text_or_path: str | Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log given as text or as a file path."""
    if isinstance(text_or_path, Path):
        with open(text_or_path, encoding="utf-8", errors="replace") as fh:
            return "".join(deque(fh, maxlen=lines))
    return "\n".join(text_or_path.splitlines()[-lines:])


def _run_logged(cmd: Sequence[str] | str, *, cwd: Path, log_path: Path | None, header: str,
                timeout: float | None, shell: bool = False, env: dict[str, str] | None = None
                ) -> tuple[int | None, str, str | None]:
    """Run ``cmd`` with stdout+stderr into the log; returns (returncode, tail, whole log or None).

    ``returncode`` is ``None`` when the command timed out or could not be started.
    """
    proc_env = dict(os.environ if env is None else env)
    proc_env.setdefault("PYTHONUNBUFFERED", "1")
    if log_path is not None:
        log_path = Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(header)
            fh.flush()
            code = _spawn(cmd, cwd=cwd, out=fh, timeout=timeout, shell=shell, env=proc_env)
            if isinstance(code, str):
                fh.write(f"\n{code}\n")
        tail = log_tail(log_path)
        return (None if isinstance(code, str) else code), tail, None
    result = _spawn(cmd, cwd=cwd, out=subprocess.PIPE, timeout=timeout, shell=shell, env=proc_env,
                    capture=True)
    if isinstance(result, str):
        text = header + "\n" + result + "\n"
        return None, log_tail(text), text
    code, output = result
    text = header + output
    return code, log_tail(text), text


def _spawn(cmd, *, cwd, out, timeout, shell, env, capture=False):
    """Run one command; its whole process group is killed when it times out."""
    try:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            shell=shell, env=env, start_new_session=os.name == "posix",
            text=True if capture else None, encoding="utf-8" if capture else None,
            errors="replace" if capture else None,
        )
    except OSError as exc:
        return f"could not start the command: {exc}"
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        try:
            output, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            output = ""
        return f"{output or ''}\nTIMEOUT: the command ran longer than {timeout} s and was stopped"
    except BaseException:
        _kill_tree(proc)
        proc.wait()
        raise
    return (proc.returncode, output or "") if capture else proc.returncode


def _kill_tree(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not run on this project's machines
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def build_package(
    pkg: Package,
    *,
    isolation: bool = True,
    outdir: Path | None = None,
    log_path: Path | None = None,
    run_started: float | None = None,
    timeout: float | None = None,
) -> BuildResult:
    """Build ``pkg`` to an sdist and a wheel with ``python -m build`` in a subprocess.

    The output goes to ``outdir`` (default ``<package>/dist``); the full log to
    ``log_path`` (else it is kept on the result).  ``isolation=False`` passes
    ``--no-isolation``: build requirements must then be installed already.  On failure
    raises :class:`BuildFailed` with the log tail; the files it left are in
    ``exc.created`` and :func:`remove_partial` with ``exc.before`` removes them.
    """
    outdir = Path(outdir) if outdir is not None else pkg.dist_dir
    cmd = build_command(pkg, outdir, isolation=isolation)
    before_names = snapshot_dist(pkg, outdir)
    before = {name: _stat_key(outdir / name) for name in before_names}
    started = time.time()
    header = (
        f"# pytest-symphony build of {pkg.name} {pkg.version or '(dynamic version)'}\n"
        f"# pyproject: {pkg.pyproject}\n# cwd: {pkg.path}\n"
        f"# command: {' '.join(cmd)}\n"
        f"# started: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(started))}\n\n"
    )

    def created_files() -> list[Path]:
        if not outdir.is_dir():
            return []
        return sorted(
            entry for entry in outdir.iterdir()
            if entry.is_file() and (entry.name not in before or _stat_key(entry) != before[entry.name])
        )

    def fail(returncode: int | None, tail: str, reason: str | None = None) -> BuildFailed:
        return BuildFailed(pkg, returncode=returncode, log_tail=tail, log_path=log_path, outdir=outdir,
                           before=before_names, created=created_files(), reason=reason)

    if importlib.util.find_spec("build") is None:
        text = header + f"ERROR: the PyPA 'build' package is not installed for {sys.executable}\n"
        if log_path is not None:
            Path(log_path).parent.mkdir(parents=True, exist_ok=True)
            Path(log_path).write_text(text, encoding="utf-8")
        raise fail(None, log_tail(text), reason="PyPA build is not installed; run: pip install build")

    code, tail, text = _run_logged(cmd, cwd=pkg.path, log_path=log_path, header=header, timeout=timeout)
    if code != 0:
        reason = None if code is not None else "timed out or could not start"
        raise fail(code, tail, reason)
    files = created_files()
    return BuildResult(
        package=pkg, outdir=outdir, files=files, command=cmd, log_path=Path(log_path) if log_path else None,
        started=started, duration=time.time() - started, run_started=run_started, log=text,
    )


def remove_partial(pkg: Package | Path, since_files: Iterable[str | Path], *,
                   outdir: Path | None = None) -> list[Path]:
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


def run_host_build(config: HostConfig, *, log_path: Path | None = None,
                   timeout: float | None = None, check_outputs: bool = True) -> HostResult:
    """Run the host build command in the root directory; raise :class:`HostBuildFailed` on failure.

    A string command runs through the shell, a list without one.  The declared outputs
    are checked afterwards (see :func:`check_host_outputs`) unless ``check_outputs`` is
    false (the build symphony checks them in a beat of their own).
    """
    shell = isinstance(config.command, str)
    cmd: Any = config.command if shell else list(config.command)
    started = time.time()
    header = f"# host build: {config.display}\n# cwd: {config.root}\n# config: {config.pyproject}\n\n"
    code, tail, _ = _run_logged(cmd, cwd=config.root, log_path=log_path, header=header,
                                timeout=timeout, shell=shell)
    duration = time.time() - started
    if code != 0:
        why = f"exited with code {code}" if code is not None else "timed out or could not start"
        where = f"full log: {log_path}" if log_path else "no log file was requested"
        raise HostBuildFailed(
            f"host build {config.display!r} (from {config.pyproject}) {why}; {where}\n"
            f"--- last {LOG_TAIL_LINES} lines ---\n{tail.rstrip()}\n---\n"
            "Fix the command or [tool.symphony.build] host",
            log_tail=tail, log_path=log_path, returncode=code,
        )
    if not check_outputs:
        return HostResult(config=config, returncode=code, log_path=log_path, duration=duration)
    outputs, missing = check_host_outputs(config)
    if missing:
        raise HostBuildFailed(
            f"host build {config.display!r} succeeded but these declared outputs are missing: "
            f"{', '.join(missing)}; fix [tool.symphony.build] host_outputs in {config.pyproject} "
            "or the build", log_path=log_path, returncode=code, missing=missing,
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
