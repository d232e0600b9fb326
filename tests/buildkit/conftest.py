"""Fixtures generating small real workspaces (flit_core packages) in tmp directories."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from pytest_symphony.buildkit import build_order, build_package, discover_packages

pytest.importorskip("build", reason="PyPA build is needed for the build tests")
pytest.importorskip("flit_core", reason="flit_core is the backend of the generated packages (no isolation)")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_package(
    root: Path,
    directory: str,
    name: str,
    module: str,
    *,
    version: str = "0.1.0",
    dependencies: tuple[str, ...] = (),
    optional: dict[str, list[str]] | None = None,
    backend: str = "flit_core.buildapi",
    backend_path: str | None = None,
) -> Path:
    """A minimal flit_core project under ``root/directory``; returns its directory."""
    pkg = root / directory
    lines = [
        "[build-system]",
        'requires = ["flit_core>=3.4,<5"]',
        f'build-backend = "{backend}"',
    ]
    if backend_path:
        lines.append(f'backend-path = ["{backend_path}"]')
    lines += [
        "",
        "[project]",
        f'name = "{name}"',
        f'version = "{version}"',
        f'description = "test package {name}"',
        'requires-python = ">=3.8"',
        "dependencies = [" + ", ".join(_toml_str(d) for d in dependencies) + "]",
    ]
    if optional:
        lines += ["", "[project.optional-dependencies]"]
        lines += [f"{k} = [" + ", ".join(_toml_str(v) for v in vs) + "]" for k, vs in optional.items()]
    lines += ["", "[tool.flit.module]", f'name = "{module}"', ""]
    (pkg / module).mkdir(parents=True, exist_ok=True)
    (pkg / "pyproject.toml").write_text("\n".join(lines), encoding="utf-8")
    write(pkg / module / "__init__.py", f'"""{name}."""\nVALUE = {name!r}\n')
    return pkg


def make_root(root: Path, packages_globs: list[str] | None = None, extra: str = "") -> Path:
    globs = "" if packages_globs is None else "packages = [" + ", ".join(f'"{g}"' for g in packages_globs) + "]\n"
    write(root / "pyproject.toml", "[tool.symphony.build]\n" + globs + extra)
    return root


def make_chain_workspace(root: Path) -> Path:
    """alpha-app depends on mid-lib depends on zeta-core: build order is the reverse of name order."""
    make_root(root, ["packages/*"])
    add_package(root, "packages/zeta", "Zeta_Core", "zeta_core")
    add_package(root, "packages/mid", "mid.lib", "mid_lib", dependencies=("zeta-core>=0.1",))
    add_package(
        root,
        "packages/alpha",
        "alpha-app",
        "alpha_app",
        dependencies=("Mid_Lib >=0.1; python_version >= '3'",),
        optional={"test": ["pytest>=7"], "self": ["alpha-app[test]"]},
    )
    (root / "packages" / "not-a-package").mkdir(parents=True)  # matched by the glob, no pyproject
    return root


@pytest.fixture
def chain_workspace(tmp_path: Path) -> Path:
    return make_chain_workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def built_chain(tmp_path_factory: pytest.TempPathFactory):
    """The chain workspace built once for real, with --no-isolation; tests must not change it."""
    root = make_chain_workspace(tmp_path_factory.mktemp("built") / "ws")
    run_started = time.time()
    logs = root / "logs"
    t0 = time.perf_counter()
    results = [
        build_package(p, isolation=False, log_path=logs / f"{p.name}.log", run_started=run_started)
        for p in build_order(discover_packages(root))
    ]
    elapsed = time.perf_counter() - t0
    return {"root": root, "results": results, "run_started": run_started, "elapsed": elapsed}


@pytest.fixture
def ws():
    """The workspace-writing helpers, for tests that shape their own workspace."""
    from types import SimpleNamespace

    return SimpleNamespace(write=write, add_package=add_package, make_root=make_root)
