"""What the conformity engine is configured with: paths, handler modules, the domain
registry, the failure threshold, and a key that changes whenever any of it does.

Always read from a pytest config, through the one table of settings (:mod:`pytest_symphony.options`):
the session's (``Settings.from_config``) or, when the engine runs outside pytest, one that
pytest itself builds for the folder (``Settings.from_root``), so every configuration file
pytest reads counts, ``pytest.toml`` and the native ``[tool.pytest]`` table included.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..options import value
from .codes import Severity

__all__ = ["Settings", "ENGINE_VERSION", "LOCK_NAME", "CONFIG_FILES", "pytest_config"]

#: Bumped whenever what a check reports changes: cached results of another version are
#: never reused.
ENGINE_VERSION = "2"

LOCK_NAME = "symphony.lock"
REGISTRY_DEFAULT = "DOMAIN_REGISTRY.json"

#: Arguments for a config of a folder outside a session: no plugin but ours, no conftest.py
#: imported, no assertion rewriting hook and no output capture left behind.
_CONFIG_ARGS = ("-p", "pytest_symphony.plugin", "--noconftest", "--assert=plain", "--capture=no")
#: No installed plugin loads (``--disable-plugin-autoload`` is pytest 8.4's; the variable is older).
_NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


#: Configuration files in the order pytest looks for them in a folder.
CONFIG_FILES = ("pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml", "pyproject.toml", "tox.ini", "setup.cfg")


def pytest_config(root: Path, *, inifile: Path | str | None = None) -> pytest.Config:
    """The config pytest itself makes for ``root``: its rootdir's configuration file, found and
    read the way ``pytest root`` would (ini, ``pyproject.toml`` in either form, ``pytest.toml``).

    Built with ``pytest.Config.fromdictargs`` (the constructor pytest-xdist's workers use) and
    never configured: nothing runs.  The config's ``pythonpath`` entries are taken off
    ``sys.path`` again.  ``inifile``: read that file only (``os.devnull``: every key at its
    default), rooted at ``root``.
    Raises ``pytest.UsageError`` (naming the file) for a configuration pytest refuses.
    """
    root = Path(root).resolve()
    extra = ["-c", str(inifile), "--rootdir", str(root)] if inifile is not None else []
    saved, autoload = list(sys.path), os.environ.get(_NO_AUTOLOAD)
    os.environ[_NO_AUTOLOAD] = "1"
    try:
        return pytest.Config.fromdictargs({}, [*_CONFIG_ARGS, *extra, str(root)])
    finally:
        sys.path[:] = saved
        if autoload is None:
            os.environ.pop(_NO_AUTOLOAD, None)
        else:
            os.environ[_NO_AUTOLOAD] = autoload


#: ``"<file>: <what>"`` or ``"<file>:<line>: <what>"``, as pytest words a configuration it refuses.
_REFUSED = re.compile(r"(?P<path>[^\n]+?\.(?:toml|ini|cfg))(?::(?P<line>\d+))?: (?P<what>.*)", re.S)


def _refused(exc: pytest.UsageError) -> tuple[str, int, str]:
    """(file, line, what) of a configuration pytest refused."""
    match = _REFUSED.match(str(exc))
    if match is None:
        return "", 1, str(exc)
    return match["path"], int(match["line"] or 1), match["what"]


def _config_besides(root: Path, refused: str) -> pytest.Config:
    """The config of the first configuration file of ``root`` besides ``refused`` that pytest reads."""
    for name in CONFIG_FILES:
        candidate = root / name
        if candidate.is_file() and str(candidate) != refused:
            try:
                return pytest_config(root, inifile=candidate)
            except pytest.UsageError:
                continue
    return pytest_config(root, inifile=os.devnull)


def _lines(setting: Any) -> list[str]:
    if isinstance(setting, (list, tuple)):
        return [str(v) for v in setting]
    return str(setting or "").splitlines()


def _strings(setting: Any) -> list[str]:
    """An args or linelist value (a TOML list, or an ini string split as pytest splits it)."""
    if isinstance(setting, (list, tuple)):
        return [str(v) for v in setting]
    return shlex.split(str(setting or ""))


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
    refused: tuple[str, int, str] | None = None  # (file, line, why) when pytest refused the folder's config

    @classmethod
    def from_config(cls, config: pytest.Config, root: Path | None = None) -> "Settings":
        """The settings of a pytest config (``root``: the folder checked, default its rootdir)."""
        fail_on = Severity.parse(value(config, "symphony_fail_on") or "MAJOR")
        if (config.getoption("symphony_dynamic", None) or None) in ("f", "ff") and fail_on > Severity.MINOR:
            fail_on = Severity.MINOR
        return cls(
            root=Path(root if root is not None else config.rootpath).resolve(),
            spec_paths=_strings(value(config, "symphony_paths")),
            handler_modules=_strings(value(config, "symphony_handlers")),
            symphony_dir=str(value(config, "symphony_dir") or ".symphony"),
            features=_strings(value(config, "symphony_features")),
            step_defs=_strings(value(config, "symphony_step_defs")),
            domain_registry=str(value(config, "symphony_domain_registry") or ""),
            fail_on=fail_on,
            cadences=[line.strip() for line in _lines(value(config, "symphony_cadences")) if line.strip()],
            require_bdd=bool(value(config, "symphony_require_bdd")),
            max_spec_bytes=int(value(config, "symphony_max_spec_bytes")),
            manifests=str(value(config, "symphony_manifests") or ""),
        )

    @classmethod
    def from_root(cls, root: Path) -> "Settings":
        """Outside pytest: the settings pytest would read for ``root``.

        A configuration file pytest refuses (a run of pytest would stop on it) is noted in
        ``refused`` for the workspace to report, and the settings come from the next file
        pytest would read (every key at its default when there is none).
        """
        try:
            return cls.from_config(pytest_config(root), root)
        except pytest.UsageError as exc:
            refused = _refused(exc)
        settings = cls.from_config(_config_besides(Path(root).resolve(), refused[0]), root)
        settings.refused = refused
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
