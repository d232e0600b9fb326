"""Reading the settings table: pytest's options and ini keys made from it, and a setting's value.

``add_options`` makes pytest's options and ini keys from :data:`.option_table.SETTINGS`;
``value`` reads a setting the way Tavern's getter does (command line, then the pytest
config file, then the default); ``is_symphony_project`` decides whether the plugin does
anything at all.

This module is imported at every pytest start in every environment the plugin is
installed in, so it imports nothing beyond pytest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .option_table import CONFORMITY_FORMATS, SETTINGS, UNSET, Setting

GROUP = "symphony"
GROUP_TITLE = "pipelines as test suites (pytest-symphony)"

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def add_options(parser: pytest.Parser) -> None:
    """Register every flag and ini key; ini keys default to ``UNSET`` so a set key can be told apart."""
    group = parser.getgroup(GROUP, GROUP_TITLE)
    for setting in SETTINGS:
        if setting.flag:
            kwargs = setting.flag_kwargs()
            if setting.ini_type:
                kwargs["help"] = f"{kwargs['help']} (ini {setting.name})"
            group.addoption(setting.flag, **kwargs)
        if setting.ini_type:
            shown = setting.default if setting.default not in ("", [], None) else None
            help_text = setting.help if shown is None else f"{setting.help} (default: {_show(shown)})"
            parser.addini(setting.name, help_text, type=setting.ini_type, default=UNSET)


def _show(value: Any) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


def value(config: pytest.Config, name: str) -> Any:
    """A setting's value: its flag if given, else the pytest config file's, else the default."""
    setting = BY_NAME[name]
    if setting.flag:
        given = config.getoption(name, None)
        if given is not None:
            if setting.ini_type in ("args", "linelist") and isinstance(given, str):
                return [part.strip() for part in given.split(",") if part.strip()]
            return given
    if setting.ini_type:
        found = config.getini(name)
        if found is not UNSET:
            return found
        return list(setting.default) if isinstance(setting.default, list) else setting.default
    return config.getoption(name, setting.default)


def ini_is_set(config: pytest.Config, name: str) -> bool:
    return config.getini(name) is not UNSET


def is_symphony_project(config: pytest.Config) -> bool:
    """Configured for us: a ``symphony_*`` ini key, a ``--symphony*`` flag, or ``[tool.symphony]``.

    Anything else is a project that never asked for the plugin: it must run as if the
    plugin were not installed.
    """
    for setting in SETTINGS:
        if setting.flag and config.getoption(setting.name, None) not in (None, False):
            return True
        if setting.ini_type and ini_is_set(config, setting.name):
            return True
    return has_tool_table(config.rootpath / "pyproject.toml")


def has_tool_table(pyproject: Path) -> bool:
    """``[tool.symphony]`` (or a sub-table) in ``pyproject``; read only when the word occurs."""
    try:
        data = pyproject.read_bytes()
    except OSError:
        return False
    if b"symphony" not in data:
        return False
    from .toml import tomllib  # a few ms at every pytest start: only a pyproject naming us pays it

    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    tool = document.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("symphony"), dict)


__all__ = [
    "BY_NAME",
    "CONFORMITY_FORMATS",
    "SETTINGS",
    "UNSET",
    "add_options",
    "has_tool_table",
    "ini_is_set",
    "is_symphony_project",
    "value",
]
