"""``[tool.symphony.delivery]``: where the delivery evidence lives and how strict the gates are.

Every key is optional; a wrong type, an unknown key or a path outside the project is
refused with the pyproject.toml line::

    [tool.symphony.delivery]
    window_days = 28                 # the metrics window, ending at the run's start
    fail_under = 80                  # coverage gate (else [tool.coverage.report] fail_under, else 80)
    cohort = 10                      # percent of users a progressive release raises its flag to
    tolerance = 5                    # percentage points the measured share may miss the cohort by
    deploy_command = "./deploy.sh"   # a string runs through the shell, a list does not
    smoke_commands = ["myapp --version"]
    roadmap = "delivery/roadmap.yaml"  # and the other input paths, see INPUT_PATHS
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, overload

from ..toml import TOMLDecodeError, tomllib
from .errors import DeliveryError, Finding

__all__ = ["INPUT_PATHS", "DeliverySettings", "load_settings", "pyproject_line"]

#: Input name -> default path, relative to the project root.
INPUT_PATHS: Mapping[str, str] = {
    "roadmap": "delivery/roadmap.yaml",
    "hypotheses": "delivery/hypotheses.yaml",
    "research": "delivery/research",
    "feedback": "delivery/feedback",
    "measurements": "delivery/measurements.yaml",
    "flags": "delivery/flags.flagd.json",
    "deployments": "delivery/deployments.jsonl",
    "incidents": "delivery/incidents.yaml",
    "retro": "delivery/retro",
    "plan": "delivery/plan.yaml",
    "changelog": "CHANGELOG.md",
    "evidence": ".symphony/delivery",
    "environments": ".symphony/delivery/environments",
}

_COMMAND_KEYS = ("deploy_command",)
_COMMAND_LIST_KEYS = ("smoke_commands", "health_commands")
_DEFAULT_TEST_PATHS = ("tests/**", "test/**", "**/test_*.py", "**/*_test.py", "features/**", "**/conftest.py")


@dataclass(frozen=True)
class DeliverySettings:
    """The delivery settings of one project; ``path(name)`` resolves an input path."""

    root: Path
    pyproject: Path | None = None
    paths: Mapping[str, str] = field(default_factory=lambda: dict(INPUT_PATHS))
    window_days: float = 28.0
    fail_under: float | None = None
    cohort: float = 10.0
    tolerance: float = 5.0
    sample_size: int = 1000
    sample_prefix: str = "user-"
    environment: str = "production"
    severe: tuple[str, ...] = ("sev1", "sev2", "critical")
    tag_pattern: str = "v*"
    major_version_zero: bool = False
    deploy_command: str | tuple[str, ...] | None = None
    smoke_commands: tuple[str | tuple[str, ...], ...] = ()
    health_commands: tuple[str | tuple[str, ...], ...] = ()
    command_timeout: float = 600.0
    test_args: tuple[str, ...] = ()
    python: str = sys.executable
    test_paths: tuple[str, ...] = _DEFAULT_TEST_PATHS
    release_flag: str | None = None
    csat_target: float | None = None
    nps_target: float | None = None
    max_change_failure_rate: float = 0.15  #: DevLake's medium band: stabilize accepts at most this
    feedback_waiver: Mapping[str, Any] | None = None
    commit_types: tuple[str, ...] = (
        "feat",
        "fix",
        "docs",
        "style",
        "refactor",
        "perf",
        "test",
        "build",
        "ci",
        "chore",
        "revert",
    )

    def path(self, name: str) -> Path:
        """The absolute path of input ``name`` (a key of :data:`INPUT_PATHS`)."""
        return self.root / self.paths[name]

    def where(self, key: str) -> tuple[str | None, int]:
        """(pyproject path, line of ``key`` in the table) for messages about a setting."""
        if self.pyproject is None:
            return None, 0
        return str(self.pyproject), pyproject_line(self.pyproject, key)


def pyproject_line(pyproject: Path, key: str, table: str = "tool.symphony.delivery") -> int:
    """The line of ``key = ...`` inside ``[table]`` of a pyproject.toml (the header's line without key)."""
    try:
        lines = pyproject.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]\s*(#.*)?$")
    start = next((i for i, text in enumerate(lines) if header.match(text)), None)
    if start is None:
        return 0
    key_re = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for i in range(start + 1, len(lines)):
        if re.match(r"^\s*\[", lines[i]):
            break
        if key_re.match(lines[i]):
            return i + 1
    return start + 1


class _Reader:
    """Type checks for one table, each failure a finding at the key's line."""

    def __init__(self, table: Mapping[str, Any], pyproject: Path):
        self.table, self.pyproject = table, pyproject
        self.findings: list[Finding] = []

    def bad(self, key: str, what: str) -> None:
        self.findings.append(
            Finding(
                f"[tool.symphony.delivery] {key} must be {what}",
                str(self.pyproject),
                pyproject_line(self.pyproject, key),
                f"got {self.table[key]!r}",
            )
        )

    @overload
    def number(self, key: str, default: float, low: float = ..., high: float | None = ...) -> float: ...
    @overload
    def number(self, key: str, default: None, low: float = ..., high: float | None = ...) -> float | None: ...

    def number(self, key: str, default: float | None, low: float = 0, high: float | None = None) -> float | None:
        value = self.table.get(key, default)
        if key in self.table:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value < low
                or (high is not None and value > high)
            ):
                self.bad(key, f"a number from {low:g}" + (f" to {high:g}" if high is not None else " up"))
                return default
            return float(value)
        return default

    def text(self, key: str, default: str | None) -> str | None:
        value = self.table.get(key, default)
        if key in self.table and (not isinstance(value, str) or not value.strip()):
            self.bad(key, "a non-empty string")
            return default
        return value if isinstance(value, str) else default

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.table.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.bad(key, "a list of strings")
            return default
        return tuple(value)

    def command(self, key: str, value: Any) -> str | tuple[str, ...] | None:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return tuple(value)
        self.bad(key, "a command: a string (run by the shell) or a list of arguments")
        return None


_KNOWN = {
    "window_days",
    "fail_under",
    "cohort",
    "tolerance",
    "sample_size",
    "sample_prefix",
    "environment",
    "severe",
    "tag_pattern",
    "major_version_zero",
    "command_timeout",
    "test_args",
    "python",
    "test_paths",
    "release_flag",
    "csat_target",
    "nps_target",
    "max_change_failure_rate",
    "feedback_waiver",
    "commit_types",
    *_COMMAND_KEYS,
    *_COMMAND_LIST_KEYS,
    *INPUT_PATHS,
}


def load_settings(root: Path | str) -> DeliverySettings:
    """Read ``[tool.symphony.delivery]`` from ``root/pyproject.toml`` (defaults when absent).

    Raises :class:`DeliveryError` (gate ``settings``) with every bad key at once.
    """
    root = Path(root).resolve()
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return DeliverySettings(root=root)
    table = _delivery_table(pyproject)
    r = _Reader(table, pyproject)
    _unknown_keys(r, table, pyproject)
    paths = _input_paths(r)
    commands, lists = _commands(r, table)
    waiver = table.get("feedback_waiver")
    if waiver is not None and not isinstance(waiver, dict):
        r.bad("feedback_waiver", "a table with reason, approved_by and until")
        waiver = None
    sample_size = r.number("sample_size", 1000, 10, 1_000_000)
    major_zero = table.get("major_version_zero", False)
    if not isinstance(major_zero, bool):
        r.bad("major_version_zero", "true or false")
        major_zero = False
    settings = DeliverySettings(
        root=root,
        pyproject=pyproject,
        paths=paths,
        window_days=r.number("window_days", 28.0, 1, 3660),
        fail_under=r.number("fail_under", None, 0, 100),
        cohort=r.number("cohort", 10.0, 0, 100),
        tolerance=r.number("tolerance", 5.0, 0, 100),
        sample_size=int(sample_size or 1000),
        sample_prefix=r.text("sample_prefix", "user-") or "user-",
        environment=r.text("environment", "production") or "production",
        severe=tuple(s.lower() for s in r.strings("severe", ("sev1", "sev2", "critical"))),
        tag_pattern=r.text("tag_pattern", "v*") or "v*",
        major_version_zero=major_zero,
        deploy_command=commands.get("deploy_command"),
        smoke_commands=lists.get("smoke_commands", ()),
        health_commands=lists.get("health_commands", ()),
        command_timeout=r.number("command_timeout", 600.0, 1),
        test_args=r.strings("test_args", ()),
        python=r.text("python", sys.executable) or sys.executable,
        test_paths=r.strings("test_paths", _DEFAULT_TEST_PATHS),
        release_flag=r.text("release_flag", None),
        csat_target=r.number("csat_target", None, 0, 100),
        nps_target=r.number("nps_target", None, -100, 100),
        max_change_failure_rate=r.number("max_change_failure_rate", 0.15, 0, 1),
        feedback_waiver=waiver,
        commit_types=r.strings("commit_types", DeliverySettings.commit_types),
    )
    if r.findings:
        raise DeliveryError("settings", r.findings)
    return settings


def _delivery_table(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.symphony.delivery]`` table (empty when absent); a file that does not parse is an error."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as exc:
        raise DeliveryError(
            "settings", [Finding(f"cannot read: {exc}", str(pyproject), 0, "fix the TOML syntax")]
        ) from exc
    table = data.get("tool", {}).get("symphony", {}).get("delivery", {})
    if not isinstance(table, dict):
        raise DeliveryError("settings", [Finding("tool.symphony.delivery must be a table", str(pyproject))])
    return table


def _unknown_keys(r: _Reader, table: dict[str, Any], pyproject: Path) -> None:
    for key in sorted(set(table) - _KNOWN):
        close = difflib.get_close_matches(key, sorted(_KNOWN), n=1)
        r.findings.append(
            Finding(
                f"[tool.symphony.delivery] has no setting {key!r}",
                str(pyproject),
                pyproject_line(pyproject, key),
                f"did you mean {close[0]!r}?" if close else "remove it",
            )
        )


def _input_paths(r: _Reader) -> dict[str, str]:
    """Where each input lives: a path inside the project, else the default."""
    paths = dict(INPUT_PATHS)
    for name in INPUT_PATHS:
        value = r.text(name, None)
        if value is None:
            continue
        candidate = Path(value)
        if candidate.is_absolute() or ".." in candidate.parts:
            r.bad(name, "a path inside the project (relative, without ..)")
        else:
            paths[name] = candidate.as_posix()
    return paths


def _commands(r: _Reader, table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[str | tuple[str, ...], ...]]]:
    """The single commands (deploy) and the command lists (smoke, health)."""
    commands = {k: r.command(k, table[k]) for k in _COMMAND_KEYS if k in table}
    lists: dict[str, tuple[str | tuple[str, ...], ...]] = {}
    for key in _COMMAND_LIST_KEYS:
        value = table.get(key, [])
        if not isinstance(value, list):
            r.bad(key, "a list of commands")
            continue
        lists[key] = tuple(c for c in (r.command(key, v) for v in value) if c is not None)
    return commands, lists
