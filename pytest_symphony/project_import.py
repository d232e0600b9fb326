"""Importing the project's own modules (handler modules, step definitions) as pytest would.

pytest's import mode decides what happens to ``sys.path``, so we follow it rather than
put the rootdir in front of everything:

- ``prepend`` (the default) and ``append``: a module found under the rootdir is imported
  by its dotted name after its base folder (the first folder above it that is not a
  package) is put at the front (or the back) of ``sys.path``, which is what pytest does
  for a test module in that folder.
- ``importlib``: ``sys.path`` is left alone; the module is loaded from its file.

A module already importable (installed, on ``pythonpath``, beside a conftest.py that
pytest imported) is imported as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def import_mode(config: pytest.Config) -> str:
    return str(config.getoption("importmode", "prepend") or "prepend")


def import_by_name(name: str, rootdir: Path, mode: str) -> ModuleType:
    """A dotted module name from ini ``symphony_handlers``: from ``sys.path``, else under the rootdir."""
    top = name.split(".", 1)[0]
    path = _under(rootdir, name)
    if path is not None:
        _forget_stale(name, path)
    if path is None or _importable(top):
        return importlib.import_module(name)
    if mode == "importlib":
        return _load_from_file(name, path)
    _add_to_sys_path(rootdir, mode)
    return importlib.import_module(name)


def import_by_path(path: Path, rootdir: Path, mode: str) -> ModuleType:
    """A ``.py`` file (a step definition module): by dotted name from its base folder, or from its file."""
    path = path.resolve()
    base, parts = _base_and_parts(path)
    if mode != "importlib" and all(p.isidentifier() for p in parts):
        name = ".".join(parts)
        _forget_stale(name, path)
        _add_to_sys_path(base, mode)
        module = importlib.import_module(name)
        if Path(getattr(module, "__file__", "") or "").resolve() == path:
            return module
    try:
        unique = ".".join(path.with_suffix("").relative_to(rootdir.resolve()).parts)
    except ValueError:
        unique = ".".join(parts)
    name = "_symphony_project_." + "".join(c if c.isalnum() or c == "." else "_" for c in unique)
    existing = sys.modules.get(name)
    if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() == path:
        return existing
    return _load_from_file(name, path)


def _importable(top: str) -> bool:
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _under(rootdir: Path, name: str) -> Path | None:
    """The file of ``name`` under ``rootdir``: ``a/b.py`` or ``a/b/__init__.py`` for ``a.b``."""
    base = rootdir.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def module_file(name: str, rootdir: Path) -> Path | None:
    """The source file of a dotted module, without importing it: under the rootdir, else on ``sys.path``."""
    found = _under(rootdir, name)
    if found is not None:
        return found
    try:
        spec = importlib.util.find_spec(name)
    except Exception:  # a parent package that fails to import, say
        return None
    origin = spec.origin if spec is not None else None
    return Path(origin) if origin and origin.endswith(".py") else None


def _base_and_parts(path: Path) -> tuple[Path, tuple[str, ...]]:
    """pytest's rule: climb while the folder is a package; the first folder that is not is the base."""
    parts = [path.stem] if path.name != "__init__.py" else []
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, tuple(parts)


def _add_to_sys_path(folder: Path, mode: str) -> None:
    entry = str(folder)
    if entry in sys.path:
        return
    if mode == "append":
        sys.path.append(entry)
    else:
        sys.path.insert(0, entry)
    importlib.invalidate_caches()


def _load_from_file(name: str, path: Path) -> ModuleType:
    """Load ``path`` as module ``name`` without touching ``sys.path`` (parent packages first)."""
    parent_name, _, _ = name.rpartition(".")
    if parent_name and parent_name not in sys.modules:
        init = path.parent / "__init__.py"
        if init.is_file() and path.name != "__init__.py":
            _load_from_file(parent_name, init)
        else:  # a namespace of our own, so relative names stay apart
            holder = ModuleType(parent_name)
            holder.__path__ = []
            sys.modules[parent_name] = holder
    package = path.name == "__init__.py"
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(path.parent)] if package else None
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _forget_stale(name: str, path: Path) -> None:
    """Drop modules of this dotted name imported from another folder (another rootdir, same process)."""
    parts = name.split(".")
    offset = 0 if path.name == "__init__.py" else 1  # how far the file sits below its own package folder
    for depth in range(1, len(parts) + 1):
        prefix = ".".join(parts[:depth])
        module = sys.modules.get(prefix)
        if module is None:
            return
        expected = path.parents[len(parts) - depth - offset] if depth < len(parts) else path
        if depth == len(parts):
            fresh = Path(getattr(module, "__file__", "") or "").resolve() == path.resolve()
        else:
            fresh = any(Path(p).resolve() == expected.resolve() for p in getattr(module, "__path__", ()))
        if not fresh:
            for key in [k for k in sys.modules if k == prefix or k.startswith(prefix + ".")]:
                del sys.modules[key]
            importlib.invalidate_caches()
            return


def error_place(exc: BaseException, path: Path | None, rootdir: Path) -> str:
    """``file:line`` of an import failure: the syntax error's line, or the module's frame that raised."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{_shown(exc.filename, rootdir)}:{exc.lineno or 1}"
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    wanted = str(path.resolve()) if path is not None else None
    for frame in reversed(frames):
        filename = frame.tb_frame.f_code.co_filename
        if wanted is None or Path(filename).resolve() == Path(wanted):
            return f"{_shown(filename, rootdir)}:{frame.tb_lineno}"
    return _shown(str(path), rootdir) if path is not None else "?"


def _shown(filename: str, rootdir: Path) -> str:
    try:
        return Path(filename).resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return filename
