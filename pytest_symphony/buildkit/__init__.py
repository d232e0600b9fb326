"""The real work of the build symphony for Python projects, as a plain library.

No pytest here: the build pipeline's beats are thin calls into these functions.

- :mod:`.context`: :func:`load_build_context` (pyproject, git, Python, platform).
- :mod:`.workspace`: :func:`discover_packages`, :func:`build_order`, :func:`host_config`.
- :mod:`.packaging`: :func:`build_package` (PyPA ``build`` subprocess), :func:`remove_partial`,
  :func:`run_host_build`.
- :mod:`.artifacts`: :func:`collect_artifacts`, :func:`sha256_file`, :func:`verify_wheel`,
  :func:`verify_sdist`, :func:`write_artifact_manifest`.
"""

from __future__ import annotations

from .artifacts import (
    MANIFEST_SCHEMA,
    artifact_info,
    artifact_kind,
    collect_artifacts,
    parse_artifact_filename,
    sha256_file,
    verify_artifact,
    verify_sdist,
    verify_wheel,
    write_artifact_manifest,
)
from .context import git_state, load_build_context
from .packaging import (
    LOG_TAIL_LINES,
    BuildFailed,
    BuildResult,
    HostBuildFailed,
    HostResult,
    build_command,
    build_package,
    check_host_outputs,
    log_tail,
    remove_partial,
    run_host_build,
    snapshot_dist,
)
from .workspace import (
    DependencyCycle,
    HostConfig,
    Package,
    WorkspaceError,
    build_order,
    build_settings,
    discover_packages,
    host_config,
    normalize_name,
    pyproject_files,
    read_pyproject,
)

__all__ = [
    "LOG_TAIL_LINES",
    "MANIFEST_SCHEMA",
    "BuildFailed",
    "BuildResult",
    "DependencyCycle",
    "HostBuildFailed",
    "HostConfig",
    "HostResult",
    "Package",
    "WorkspaceError",
    "artifact_info",
    "artifact_kind",
    "build_command",
    "build_order",
    "build_package",
    "build_settings",
    "check_host_outputs",
    "collect_artifacts",
    "discover_packages",
    "git_state",
    "host_config",
    "load_build_context",
    "log_tail",
    "normalize_name",
    "parse_artifact_filename",
    "pyproject_files",
    "read_pyproject",
    "remove_partial",
    "run_host_build",
    "sha256_file",
    "snapshot_dist",
    "verify_artifact",
    "verify_sdist",
    "verify_wheel",
    "write_artifact_manifest",
]
