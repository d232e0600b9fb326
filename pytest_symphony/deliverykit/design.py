"""Beat 3, Architect for Delivery: contracts hold, the project's metadata is valid, every package is tested.

* import-linter's contracts, when the project configures it (``[tool.importlinter]`` in
  pyproject.toml, ``.importlinter``, or ``[importlinter]`` in setup.cfg), run with
  ``lint-imports`` in a subprocess; configured but not installed is a failure.
* ``[project]`` in pyproject.toml checked with :mod:`packaging`: a valid name, a PEP 440
  version (or ``dynamic``), a valid ``requires-python``, PEP 508 dependencies.
* every import package of the project (``src/<pkg>`` or ``<pkg>`` with an
  ``__init__.py``) is imported by at least one test file.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Iterable, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from ..toml import TOMLDecodeError, tomllib
from .errors import DeliveryError, Finding
from .settings import DeliverySettings, pyproject_line

__all__ = [
    "ArchitectureResult",
    "architecture",
    "import_packages",
    "importlinter_config",
    "metadata_problems",
    "tests_by_package",
]

_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SKIP_DIRS = {"tests", "test", "docs", "build", "dist", "node_modules", "venv", "env", "site-packages", "features"}


@dataclass(frozen=True)
class ArchitectureResult:
    importlinter: str | None  #: "kept" / None when not configured
    packages: tuple[str, ...]
    tested: dict[str, Any]
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "importlinter": self.importlinter,
            "packages": list(self.packages),
            "tested": {k: list(v) for k, v in self.tested.items()},
            "findings": [f.to_json() for f in self.findings],
        }


def importlinter_config(root: Path) -> Path | None:
    """The file that configures import-linter in ``root``, or None."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "importlinter" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                return pyproject
        except (OSError, UnicodeDecodeError, TOMLDecodeError):
            pass
    if (root / ".importlinter").is_file():
        return root / ".importlinter"
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except configparser.Error:
            return None
        if parser.has_section("importlinter"):
            return setup_cfg
    return None


def _lint_imports(settings: DeliverySettings, config: Path) -> Finding | None:
    executable = Path(settings.python).parent / "lint-imports"
    command = str(executable) if executable.is_file() else shutil.which("lint-imports")
    if command is None:
        return Finding(
            "import-linter is configured but not installed",
            str(config),
            0,
            "pip install 'pytest-symphony[delivery]' (or import-linter)",
        )
    env = dict(os.environ)
    paths = [str(settings.root / "src"), str(settings.root)]
    env["PYTHONPATH"] = os.pathsep.join(paths + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    args = [command, "--no-cache", "--no-logo", str(config)]
    proc = subprocess.run(
        args,
        cwd=settings.root,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=settings.command_timeout,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode == 0:
        return None
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
    return Finding(
        f"import-linter contracts are broken:\n{tail}",
        str(config),
        0,
        "fix the imports that break a contract, or the contract",
    )


def metadata_problems(pyproject: Path) -> list[Finding]:
    """Problems with ``[project]`` of ``pyproject`` (an empty list when it is valid)."""
    display = str(pyproject)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as exc:
        return [Finding(f"cannot read: {exc}", display, 0, "fix the TOML")]
    project = data.get("project")
    if not isinstance(project, dict):
        return [Finding("no [project] table", display, 0, "declare name and version under [project]")]
    checks = (_name_problems, _version_problems, _requires_python_problems, _dependency_problems, _readme_problems)
    return [problem for check in checks for problem in check(project, pyproject)]


def _at(pyproject: Path, key: str, table: str = "project") -> tuple[str, int]:
    """(the file as shown, the line of ``key`` in ``[table]``) for a finding."""
    return str(pyproject), pyproject_line(pyproject, key, table)


def _name_problems(project: dict[str, Any], pyproject: Path) -> list[Finding]:
    name = project.get("name")
    if isinstance(name, str) and _NAME.match(name):
        return []
    return [
        Finding(
            f"name {name!r} is not a valid project name",
            *_at(pyproject, "name"),
            "use letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
        )
    ]


def _version_problems(project: dict[str, Any], pyproject: Path) -> list[Finding]:
    version = project.get("version")
    if version is None:
        if "version" in project.get("dynamic", []):
            return []
        return [Finding("no version", *_at(pyproject, "name"), 'set version = "1.0.0" or list it in dynamic')]
    try:
        Version(str(version))
    except InvalidVersion:
        return [
            Finding(f"version {version!r} is not a PEP 440 version", *_at(pyproject, "version"), "write it like 1.2.3")
        ]
    return []


def _requires_python_problems(project: dict[str, Any], pyproject: Path) -> list[Finding]:
    if "requires-python" not in project:
        return []
    try:
        SpecifierSet(str(project["requires-python"]))
    except InvalidSpecifier:
        return [
            Finding(
                f"requires-python {project['requires-python']!r} is not a version specifier",
                *_at(pyproject, "requires-python"),
                'write it like ">=3.10"',
            )
        ]
    return []


def _dependency_problems(project: dict[str, Any], pyproject: Path) -> list[Finding]:
    """Each dependency, required or optional, that is not a PEP 508 requirement, at its group's line."""
    groups: list[tuple[str, Any, str, str]] = [
        ("dependencies", project.get("dependencies", []), "dependencies", "project")
    ]
    groups += [
        (f"optional-dependencies.{extra}", deps, extra, "project.optional-dependencies")
        for extra, deps in (project.get("optional-dependencies") or {}).items()
    ]
    problems = []
    for label, deps, key, table in groups:
        for dep in deps if isinstance(deps, list) else [deps]:
            try:
                Requirement(str(dep))
            except InvalidRequirement as exc:
                problems.append(
                    Finding(
                        f"{label}: {dep!r} is not a PEP 508 requirement ({exc})",
                        *_at(pyproject, key, table),
                        'write it like "requests>=2.31"',
                    )
                )
    return problems


def _readme_problems(project: dict[str, Any], pyproject: Path) -> list[Finding]:
    readme = project.get("readme")
    if isinstance(readme, str) and not (pyproject.parent / readme).is_file():
        return [Finding(f"readme {readme!r} does not exist", *_at(pyproject, "readme"), "add the file or fix the path")]
    return []


def import_packages(root: Path) -> list[str]:
    """The project's top-level import packages: ``src/*/__init__.py`` or ``*/__init__.py`` at the root."""
    bases = [root / "src"] if (root / "src").is_dir() else [root]
    found = []
    for base in bases:
        for init in sorted(base.glob("*/__init__.py")):
            name = init.parent.name
            if name.isidentifier() and name not in _SKIP_DIRS and not name.startswith((".", "_")):
                found.append(name)
    return found


def _test_files(root: Path, patterns: Sequence[str]) -> Iterable[Path]:
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if any(
            part in ("venv", ".venv", ".tox", "site-packages", "node_modules") or part.startswith(".")
            for part in path.relative_to(root).parts[:-1]
        ):
            continue
        if any(fnmatch(rel, p) for p in patterns) and path.name != "__init__.py":
            yield path


def _imported(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def tests_by_package(root: Path, packages: Sequence[str], patterns: Sequence[str]) -> dict[str, list[str]]:
    """Package -> the test files that import it (an empty list: untested)."""
    tested: dict[str, list[str]] = {p: [] for p in packages}
    for path in _test_files(root, patterns):
        for name in _imported(path) & set(packages):
            tested[name].append(path.relative_to(root).as_posix())
    return tested


def architecture(settings: DeliverySettings, *, packages: Sequence[str] | None = None) -> ArchitectureResult:
    """Beat 3: import-linter contracts (when configured), valid metadata, a test for every package."""
    root = settings.root
    findings: list[Finding] = []
    config = importlinter_config(root)
    linter = None
    if config is not None:
        problem = _lint_imports(settings, config)
        linter = "kept" if problem is None else "broken"
        if problem is not None:
            findings.append(problem)
    if (root / "pyproject.toml").is_file():
        findings.extend(metadata_problems(root / "pyproject.toml"))
    else:
        findings.append(Finding("no pyproject.toml", str(root), 0, "describe the project in pyproject.toml [project]"))
    names = list(packages) if packages is not None else import_packages(root)
    tested = tests_by_package(root, names, settings.test_paths)
    for name, files in tested.items():
        if not files:
            findings.append(
                Finding(
                    f"package {name!r} has no test that imports it",
                    str(root / name),
                    0,
                    f"add tests/test_{name}.py importing {name}",
                )
            )
    result = ArchitectureResult(linter, tuple(names), tested, tuple(findings))
    if findings:
        raise DeliveryError("architecture", findings, result=result)
    return result
