"""Beat 8, Stage & Validate: blue/green environments made of the exact artifacts.

Each staging builds a new ("green") virtual environment under the environments folder
and installs the build's wheels into it by hash, offline (``pip install --require-hashes
--no-index``; dependencies come from the optional hashed ``requirements`` file and
``find_links`` wheelhouses).  Then ``pip check``, the installed versions, and the smoke
commands run against it, from inside the environment folder so the source tree cannot
stand in for the installed code.  Only then the link (``<environments>/<name>``) is
switched to it atomically (a new symlink renamed over the old one); the environment
it pointed to before (the "blue" one) is kept for rollback.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..paths import shown_path
from ..buildkit.artifacts import parse_artifact_filename, sha256_file
from .commands import CommandResult, run_command
from .errors import DeliveryError, Finding
from .settings import DeliverySettings

__all__ = ["StageResult", "env_python", "installed_versions", "link_target", "stage", "switch_link"]


@dataclass(frozen=True)
class StageResult:
    link: Path  #: the stable path, e.g. .symphony/delivery/environments/staging
    green: Path  #: the environment now live behind the link
    blue: Path | None  #: the one it replaced, kept
    installed: Mapping[str, str]  #: distribution -> version
    smoke: tuple[CommandResult, ...] = ()
    findings: tuple[Finding, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "link": str(self.link),
            "green": str(self.green),
            "blue": str(self.blue) if self.blue else None,
            "installed": dict(self.installed),
            "smoke": [s.to_json() for s in self.smoke],
            "findings": [f.to_json() for f in self.findings],
        }


def env_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def link_target(link: Path) -> Path | None:
    """Where the environment link points (absolute), or None when there is no link yet."""
    if not link.is_symlink():
        return None
    return (link.parent / os.readlink(link)).resolve()


def switch_link(link: Path, target: Path) -> Path | None:
    """Point ``link`` at ``target`` atomically; returns the previous target (or None)."""
    previous = link_target(link)
    if link.exists() and not link.is_symlink():
        raise DeliveryError(
            "stage",
            [
                Finding(
                    f"{link} exists and is not a symlink",
                    str(link),
                    0,
                    "move it away; the delivery environments own this path",
                )
            ],
        )
    link.parent.mkdir(parents=True, exist_ok=True)
    temp = link.parent / f".{link.name}.{secrets.token_hex(4)}.tmp"
    os.symlink(os.path.relpath(target, link.parent), temp, target_is_directory=True)
    try:
        os.replace(temp, link)
    except OSError:
        temp.unlink(missing_ok=True)
        raise
    return previous


def installed_versions(env: Path, names: Sequence[str]) -> dict[str, str | None]:
    """Version of each distribution as the environment's own Python sees it (None when absent)."""
    code = (
        "import json, sys, importlib.metadata as m\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    proc = subprocess.run(
        [str(env_python(env)), "-I", "-c", code, *names],
        capture_output=True,
        text=True,
        cwd=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    if proc.returncode != 0:
        raise DeliveryError(
            "stage",
            [Finding(f"the environment's Python does not run: {proc.stderr.strip()}", str(env), 0, "stage again")],
        )
    versions: dict[str, str | None] = json.loads(proc.stdout)
    return versions


def _env_vars(env: Path) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    variables["VIRTUAL_ENV"] = str(env)
    variables["PATH"] = os.pathsep.join([str(env_python(env).parent), variables.get("PATH", "")])
    return variables


def run_in_env(
    env: Path, commands: Sequence[str | Sequence[str]], timeout: float, log_dir: Path, label: str
) -> tuple[list[CommandResult], list[Finding]]:
    """Run commands with the environment first on PATH, from inside its folder."""
    results, findings = [], []
    for index, command in enumerate(commands, start=1):
        result = run_command(
            command, cwd=env, env=_env_vars(env), timeout=timeout, log_path=log_dir / f"{label}-{index}.log"
        )
        results.append(result)
        if not result.ok:
            findings.append(
                Finding(f"{label} command {result.describe()}", None, 0, f"fix the release or the {label} command")
            )
    return results, findings


def _pip(settings: DeliverySettings, env: Path, *args: str, log: Path) -> CommandResult:
    """pip for the environment, blind to the caller's PYTHONPATH (an egg-info there is not installed)."""
    return run_command(
        (
            settings.python,
            "-m",
            "pip",
            "--python",
            str(env_python(env)),
            "--disable-pip-version-check",
            "--no-input",
            *args,
        ),
        cwd=env,
        env=_env_vars(env),
        timeout=settings.command_timeout,
        log_path=log,
    )


def stage(
    settings: DeliverySettings,
    artifacts: Sequence[Path],
    *,
    version: str,
    name: str = "staging",
    requirements: Path | None = None,
    find_links: Sequence[Path] = (),
    smoke_commands: Sequence[str | Sequence[str]] | None = None,
) -> StageResult:
    """Beat 8: a new environment with exactly ``artifacts`` (their wheels), checked, then switched to."""
    wheels = [Path(a) for a in artifacts if Path(a).suffix == ".whl"]
    if not wheels:
        raise DeliveryError(
            "stage", [Finding("no wheel among the artifacts", None, 0, "build wheels first (the build symphony does)")]
        )
    digest = hashlib.sha256("".join(sorted(sha256_file(w) for w in wheels)).encode()).hexdigest()[:12]
    environments = settings.path("environments")
    green = environments / f"{name}-{version}-{digest}-{secrets.token_hex(3)}"
    logs = green.with_name(green.name + ".logs")
    logs.mkdir(parents=True, exist_ok=True)
    _create_environment(settings, green, logs)
    _install_by_hash(settings, green, wheels, logs, requirements, find_links)
    versions, findings = _check_installed(settings, green, wheels, logs)
    smoke, problems = run_in_env(
        green,
        settings.smoke_commands if smoke_commands is None else smoke_commands,
        settings.command_timeout,
        logs,
        "smoke",
    )
    findings.extend(problems)
    link = environments / name
    if findings:
        raise DeliveryError(
            "stage",
            findings
            + [
                Finding(
                    f"{link} still points at "
                    f"{link_target(link) or 'nothing'}; the failed environment "
                    f"is kept at {green} for inspection"
                )
            ],
            result=StageResult(link, green, link_target(link), _installed(versions), tuple(smoke), tuple(findings)),
        )
    blue = switch_link(link, green)
    return StageResult(link, green, blue, _installed(versions), tuple(smoke))


def _create_environment(settings: DeliverySettings, green: Path, logs: Path) -> None:
    """An empty virtual environment at ``green`` (no pip in it: the caller's pip installs into it)."""
    created = run_command(
        (settings.python, "-m", "venv", "--without-pip", str(green)),
        cwd=settings.root,
        timeout=settings.command_timeout,
        log_path=logs / "venv.log",
    )
    if not created.ok:
        raise DeliveryError("stage", [Finding(f"creating the environment failed: {created.describe()}", str(green))])


def _install_by_hash(
    settings: DeliverySettings,
    green: Path,
    wheels: Sequence[Path],
    logs: Path,
    requirements: Path | None,
    find_links: Sequence[Path],
) -> None:
    """The wheels into ``green`` by hash, offline; their dependencies only from hashed requirements."""
    lines = [f"{w.resolve()} --hash=sha256:{sha256_file(w)}" for w in wheels]
    req = logs / "artifacts.txt"
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["install", "--require-hashes", "--no-index", "--no-cache-dir", "-r", str(req)]
    if requirements is not None:
        args += ["-r", str(requirements)]
    for folder in find_links:
        args += ["--find-links", str(folder)]
    installed = _pip(settings, green, *args, log=logs / "install.log")
    if not installed.ok:
        raise DeliveryError(
            "stage",
            [
                Finding(
                    f"installing the artifacts by hash failed: {installed.describe()}",
                    shown_path(req, settings.root),
                    0,
                    "dependencies must come hashed from a requirements file and a wheelhouse (find_links)",
                )
            ],
        )


def _check_installed(
    settings: DeliverySettings, green: Path, wheels: Sequence[Path], logs: Path
) -> tuple[dict[str, str | None], list[Finding]]:
    """(the installed version of each wheel's distribution, problems): ``pip check``, and each version as built."""
    findings = []
    check = _pip(settings, green, "check", log=logs / "pip-check.log")
    if not check.ok:
        findings.append(
            Finding(
                f"pip check: {check.output_tail.strip()}",
                str(green),
                0,
                "add the missing or conflicting dependencies to the hashed requirements",
            )
        )
    expected = {}
    for wheel in wheels:
        dist, wheel_version, _ = parse_artifact_filename(wheel)
        expected[dist] = wheel_version
    versions = installed_versions(green, sorted(expected))
    findings += [
        Finding(
            f"{dist} installed as {versions.get(dist)}, expected {want}",
            str(green),
            0,
            "stage again from the build's artifacts",
        )
        for dist, want in expected.items()
        if versions.get(dist) != want
    ]
    return versions, findings


def _installed(versions: Mapping[str, str | None]) -> dict[str, str]:
    """The distributions found installed, by version (the ones missing are findings of their own)."""
    return {dist: version for dist, version in versions.items() if version}
