"""Workspace discovery, dependency order, cycles and the host build configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_symphony.buildkit import (
    DependencyCycle,
    HostConfig,
    WorkspaceError,
    build_order,
    discover_packages,
    host_config,
    normalize_name,
)
from pytest_symphony.errors import SymphonyError


def test_normalize_name():
    assert normalize_name("Zeta_Core") == "zeta-core"
    assert normalize_name("mid.lib") == "mid-lib"
    assert normalize_name("A--B__c") == "a-b-c"


def test_discovers_chain_workspace(chain_workspace: Path):
    pkgs = discover_packages(chain_workspace)
    assert [p.name for p in pkgs] == ["alpha-app", "mid-lib", "zeta-core"]
    by = {p.name: p for p in pkgs}
    assert by["zeta-core"].version == "0.1.0"
    assert by["zeta-core"].dependencies == []
    assert by["mid-lib"].dependencies == ["zeta-core"]
    # markers kept, name normalized, optional-dependencies ignored
    assert by["alpha-app"].dependencies == ["mid-lib"]
    assert by["alpha-app"].path == (chain_workspace / "packages" / "alpha").resolve()
    assert by["alpha-app"].pyproject == by["alpha-app"].path / "pyproject.toml"
    assert by["alpha-app"].to_json()["dependencies"] == ["mid-lib"]


def test_build_order_follows_dependencies(chain_workspace: Path):
    order = build_order(discover_packages(chain_workspace))
    assert [p.name for p in order] == ["zeta-core", "mid-lib", "alpha-app"]


def test_build_order_is_deterministic_among_equals(tmp_path: Path, ws):
    root = ws.make_root(tmp_path, ["libs/*"])
    ws.add_package(root, "libs/d", "d", "d_mod", dependencies=("b", "c", "requests>=2"))
    ws.add_package(root, "libs/c", "c", "c_mod", dependencies=("a",))
    ws.add_package(root, "libs/b", "b", "b_mod", dependencies=("a", "b"))  # self-reference ignored
    ws.add_package(root, "libs/a", "a", "a_mod")
    ws.add_package(root, "libs/e", "e", "e_mod")
    pkgs = discover_packages(root)
    assert [p.name for p in build_order(pkgs)] == ["a", "b", "c", "d", "e"]
    assert [p.name for p in build_order(list(reversed(pkgs)))] == ["a", "b", "c", "d", "e"]


def test_default_workspace_is_the_root_project(tmp_path: Path, ws):
    ws.add_package(tmp_path, ".", "Solo_Project", "solo")
    (pkg,) = discover_packages(tmp_path)
    assert pkg.name == "solo-project" and pkg.path == tmp_path.resolve()


def test_globs_may_name_files_and_dot(tmp_path: Path, ws):
    root = tmp_path
    ws.add_package(root, ".", "rootpkg", "rootpkg")
    ws.add_package(root, "tools/cli", "cli", "cli")
    ws.add_package(root, ".hidden/x", "hidden", "hidden")
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(
        text + '\n[tool.symphony.build]\npackages = [".", "tools/*/pyproject.toml", "**/x"]\n'
    )
    assert [p.name for p in discover_packages(root)] == ["cli", "rootpkg"]


def test_cycle_is_named_with_files(tmp_path: Path, ws):
    root = ws.make_root(tmp_path, ["p/*"])
    ws.add_package(root, "p/a", "a", "a_mod", dependencies=("b",))
    ws.add_package(root, "p/b", "b", "b_mod", dependencies=("a",))
    ws.add_package(root, "p/c", "c", "c_mod")
    ws.add_package(root, "p/x", "x", "x_mod", dependencies=("a",))  # hangs off the cycle
    pkgs = discover_packages(root)
    with pytest.raises(DependencyCycle) as info:
        build_order(pkgs)
    err = info.value
    assert isinstance(err, SymphonyError)
    assert err.cycle == ["a", "b", "a"]
    assert "a -> b -> a" in str(err)
    assert str((root / "p/a/pyproject.toml").resolve()) in str(err)
    assert str((root / "p/b/pyproject.toml").resolve()) in str(err)
    assert "x" not in err.cycle
    # nothing was built
    assert not list(root.rglob("dist"))


def test_three_cycle_starts_at_smallest_name(tmp_path: Path, ws):
    root = ws.make_root(tmp_path, ["p/*"])
    ws.add_package(root, "p/m", "m", "m_mod", dependencies=("z",))
    ws.add_package(root, "p/z", "z", "z_mod", dependencies=("k",))
    ws.add_package(root, "p/k", "k", "k_mod", dependencies=("m",))
    with pytest.raises(DependencyCycle, match="k -> m -> z -> k"):
        build_order(discover_packages(root))


def test_broken_pyproject_names_file_and_line(tmp_path: Path, ws):
    root = ws.make_root(tmp_path, ["p/*"])
    ws.write(root / "p/bad/pyproject.toml", '[project]\nname = "bad"\nversion = = "1"\n')
    with pytest.raises(WorkspaceError) as info:
        discover_packages(root)
    assert f"{(root / 'p/bad/pyproject.toml').resolve()}:3" in str(info.value)


def test_configuration_errors(tmp_path: Path, ws):
    root = ws.make_root(tmp_path / "nomatch", ["nothing/*"])
    with pytest.raises(WorkspaceError, match="matched no pyproject.toml"):
        discover_packages(root)
    root = ws.make_root(tmp_path / "noname", ["p/*"])
    ws.write(root / "p/a/pyproject.toml", '[project]\nversion = "1"\n')
    with pytest.raises(WorkspaceError, match="no \\[project\\] name"):
        discover_packages(root)
    root = ws.make_root(tmp_path / "dupe", ["p/*"])
    ws.add_package(root, "p/one", "Same_Name", "one")
    ws.add_package(root, "p/two", "same-name", "two")
    with pytest.raises(WorkspaceError, match="two workspace packages are named 'same-name'"):
        discover_packages(root)
    with pytest.raises(WorkspaceError, match="not found"):
        discover_packages(tmp_path / "missing")


def test_host_config(tmp_path: Path, ws):
    root = ws.make_root(tmp_path / "none")
    assert host_config(root) is None
    root = ws.make_root(tmp_path / "str", extra='host = "make web"\nhost_outputs = ["web/*.js"]\n')
    cfg = host_config(root)
    assert isinstance(cfg, HostConfig)
    assert cfg.command == "make web" and cfg.outputs == ("web/*.js",) and cfg.root == root.resolve()
    root = ws.make_root(tmp_path / "argv", extra='host = ["make", "web"]\n')
    cfg = host_config(root)
    assert cfg.command == ("make", "web") and cfg.outputs == () and cfg.display == "make web"
    root = ws.make_root(tmp_path / "bad", extra="host = 3\n")
    with pytest.raises(WorkspaceError, match="host must be"):
        host_config(root)
    root = ws.make_root(tmp_path / "orphan", extra='host_outputs = ["x"]\n')
    with pytest.raises(WorkspaceError, match="host is not"):
        host_config(root)
