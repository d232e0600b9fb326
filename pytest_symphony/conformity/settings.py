"""What the conformity engine is configured with: paths, handler modules, the domain
registry, the failure threshold, and a key that changes whenever any of it does.

From a pytest config (``Settings.from_config``) or, when the engine runs outside
pytest, from the ini file pytest itself would read (``Settings.from_root``): a
``pytest.ini``, ``[tool.pytest.ini_options]`` in ``pyproject.toml``, ``[pytest]`` in
``tox.ini`` or ``[tool:pytest]`` in ``setup.cfg``, the first found in the rootdir.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .codes import Severity

__all__ = ["Settings", "ENGINE_VERSION", "LOCK_NAME", "read_ini"]

#: Bumped whenever what a check reports changes: cached results of another version are
#: never reused.
ENGINE_VERSION = "2"

LOCK_NAME = "symphony.lock"
REGISTRY_DEFAULT = "DOMAIN_REGISTRY.json"

#: ini name -> (kind, default); kind "args" (shell-split), "linelist", "string" or "bool".
INI: dict[str, tuple[str, Any]] = {
    "symphony_paths": ("args", ["sequences"]),
    "symphony_handlers": ("args", []),
    "symphony_dir": ("string", ".symphony"),
    "symphony_features": ("args", ["features"]),
    "symphony_step_defs": ("args", ["step_defs"]),
    "symphony_domain_registry": ("string", ""),
    "symphony_fail_on": ("string", "MAJOR"),
    "symphony_cadences": ("linelist", []),
    "symphony_require_bdd": ("bool", False),
    "symphony_conformity": ("bool", False),
    "symphony_max_spec_bytes": ("string", str(10 * 1024 * 1024)),
    "symphony_manifests": ("string", ""),
}


def _coerce(kind: str, value: Any) -> Any:
    if kind == "bool":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes", "on")
    if kind == "string":
        return "" if value is None else str(value)
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = "" if value is None else str(value)
    if kind == "args":
        return shlex.split(text)
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_ini(root: Path) -> dict[str, Any]:
    """The ``symphony_*`` values of the ini file pytest would use in ``root``."""
    raw: dict[str, Any] | None = None
    pytest_ini = root / "pytest.ini"
    if pytest_ini.is_file():
        raw = _ini_section(pytest_ini, "pytest")
    if raw is None and (root / "pyproject.toml").is_file():
        from ..toml import tomllib
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        section = data.get("tool", {}).get("pytest", {}).get("ini_options")
        if isinstance(section, dict):
            raw = section
    if raw is None and (root / "tox.ini").is_file():
        raw = _ini_section(root / "tox.ini", "pytest")
    if raw is None and (root / "setup.cfg").is_file():
        raw = _ini_section(root / "setup.cfg", "tool:pytest")
    raw = raw or {}
    return {name: _coerce(kind, raw.get(name, default)) for name, (kind, default) in INI.items()}


def _ini_section(path: Path, section: str) -> dict[str, Any] | None:
    import iniconfig

    try:
        ini = iniconfig.IniConfig(str(path))
    except (OSError, iniconfig.ParseError):
        return None
    if section not in ini:
        return None
    return dict(ini[section].items())


def _config_ini(config: Any, name: str) -> Any:
    kind, default = INI[name]
    from ..options import value

    return _coerce(kind, value(config, name))


@dataclass
class Settings:
    root: Path
    spec_paths: list[str] = field(default_factory=lambda: ["sequences"])
    handler_modules: list[str] = field(default_factory=list)  # "module" or "alias=module"
    symphony_dir: str = ".symphony"
    features: list[str] = field(default_factory=lambda: ["features"])
    step_defs: list[str] = field(default_factory=lambda: ["step_defs"])
    domain_registry: str = ""
    fail_on: Severity = Severity.MAJOR
    cadences: list[str] = field(default_factory=list)
    require_bdd: bool = False
    max_spec_bytes: int = 10 * 1024 * 1024
    manifests: str = ""  # where the project commits the build manifests ("": nowhere, nothing to compare)
    builtin_pipelines: list[str] = field(default_factory=list)  # aliases the run names

    @classmethod
    def from_values(cls, root: Path, values: dict[str, Any], *, dynamic: str | None = None) -> "Settings":
        fail_on = Severity.parse(values.get("symphony_fail_on") or "MAJOR")
        if dynamic in ("f", "ff") and fail_on > Severity.MINOR:
            fail_on = Severity.MINOR
        return cls(
            root=Path(root).resolve(),
            spec_paths=list(values["symphony_paths"]),
            handler_modules=list(values["symphony_handlers"]),
            symphony_dir=values["symphony_dir"] or ".symphony",
            features=list(values["symphony_features"]),
            step_defs=list(values["symphony_step_defs"]),
            domain_registry=values["symphony_domain_registry"],
            fail_on=fail_on,
            cadences=list(values["symphony_cadences"]),
            require_bdd=bool(values["symphony_require_bdd"]),
            max_spec_bytes=int(values["symphony_max_spec_bytes"]),
            manifests=values.get("symphony_manifests") or "",
        )

    @classmethod
    def from_root(cls, root: Path) -> "Settings":
        return cls.from_values(root, read_ini(Path(root)))

    @classmethod
    def from_config(cls, config: Any) -> "Settings":
        values = {name: _config_ini(config, name) for name in INI}
        dynamic = config.getoption("symphony_dynamic", None) or None
        settings = cls.from_values(config.rootpath, values, dynamic=dynamic)
        settings.builtin_pipelines = _named_pipelines(config)
        return settings

    # -- derived paths ---------------------------------------------------------------------
    @property
    def symphony_path(self) -> Path:
        return (self.root / self.symphony_dir).resolve()

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    @property
    def registry_path(self) -> Path | None:
        if self.domain_registry:
            return (self.root / self.domain_registry).resolve()
        default = self.root / REGISTRY_DEFAULT
        return default if default.is_file() else None

    @property
    def history_path(self) -> Path:
        return self.symphony_path / "history.sqlite"

    @property
    def manifest_path(self) -> Path | None:
        """``sequences.json`` of the manifests the project commits (ini ``symphony_manifests``), or None.

        The build's own copy under the symphony folder is an output, never compared: a stale
        one from an earlier build must not fail conformity when a spec is added.
        """
        if not self.manifests:
            return None
        return (self.root / self.manifests).resolve() / "sequences.json"

    def key(self) -> str:
        """Changes whenever anything that could change a cached Python result changes."""
        blob = json.dumps([ENGINE_VERSION, self.handler_modules, self.step_defs, self.cadences], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _named_pipelines(config: Any) -> list[str]:
    """Aliases of the built-in pipelines this run names with ``--symphony``."""
    from pytest_symphony.pipelines import builtin_pipelines

    names = [n.strip() for n in (config.getoption("symphony", None) or "").split(",") if n.strip()]
    if not names:
        return []
    out = []
    for pipeline in builtin_pipelines():
        if pipeline.alias in names:
            out.append(pipeline.alias)
    return out
