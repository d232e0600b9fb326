"""Handler registration: the registry of the session and everything that fills it.

The ini ``symphony_handlers`` modules and plugins' ``pytest_symphony_register_handlers`` at
configure, conftest.py ``@handler`` functions as pytest loads them, a built-in pipeline's
handler module when its spec is first collected.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

from .builtins import Pipeline
from .options import value
from .project_import import error_place, import_by_name, import_mode, module_file
from .runtime.registry import BUILTIN, HANDLER_ATTR, HandlerRegistry


class HandlerRegistration:
    """A plugin: the registry, filled as handler modules and conftests load."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.hook = config.hook
        self.registry = HandlerRegistry()
        self._pipeline_modules: set[str] = set()

    def register_configured(self) -> None:
        """Import the modules of ini ``symphony_handlers``, then ask plugins for theirs.

        A module that cannot import does not stop the session: it is kept as a finding
        (``registry.failed``), the beats that cannot find their handler say why, and the
        conformity checks still read its source.
        """
        root = self.config.rootpath
        mode = import_mode(self.config)
        for entry in value(self.config, "symphony_handlers"):
            alias, _, module_name = entry.rpartition("=")
            if alias:
                self.registry.alias(alias, module_name)
            try:
                module = import_by_name(module_name, root, mode)
            except Exception as exc:
                path = module_file(module_name, root)
                where = f"{error_place(exc, path, root)}: " if path else ""
                self.registry.add_failure(module_name, path, f"{where}{type(exc).__name__}: {exc}")
                continue
            self.registry.add_module(module)
        self.hook.pytest_symphony_register_handlers(registry=self.registry)

    def load_pipeline(self, pipeline: Pipeline) -> None:
        """A built-in pipeline's handlers, imported when its spec is collected and not before."""
        if pipeline.handler_module and pipeline.handler_module not in self._pipeline_modules:
            self._pipeline_modules.add(pipeline.handler_module)
            self.registry.add_module(importlib.import_module(pipeline.handler_module), origin=BUILTIN)

    def pytest_plugin_registered(self, plugin: object) -> None:
        """conftest.py modules register their ``@handler`` functions as they load (a historic hook:
        it also sees the conftests loaded before this registration)."""
        if not isinstance(plugin, ModuleType) or os.path.basename(plugin.__file__ or "") != "conftest.py":
            return
        if any(getattr(v, HANDLER_ATTR, None) for v in vars(plugin).values()):
            self.registry.add_module(plugin)
