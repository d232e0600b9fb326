"""The real work of the build symphony for Python projects, as a plain library.

No pytest here: the build pipeline's beats are thin calls into these functions.

- :mod:`.context`: :func:`load_build_context` (pyproject, git, Python, platform).
- :mod:`.workspace`: :func:`discover_packages`, :func:`build_order`, :func:`host_config`.
- :mod:`.packaging`: :func:`build_package` (PyPA ``build`` subprocess, the wheel from the sdist),
  :func:`remove_partial`, :func:`run_host_build`; :mod:`.process` runs and logs the subprocesses.
- :mod:`.distdir`: :func:`publish` built files into ``dist/`` and :func:`undo` it exactly.
- :mod:`.reproducible`: :func:`source_date_epoch` and :func:`compare_builds`.
- :mod:`.metadata`: :func:`check_metadata` (``twine check --strict``'s checks).
- :mod:`.artifacts`: :func:`collect_artifacts`, :func:`sha256_file`, :func:`verify_wheel`,
  :func:`verify_sdist`, :func:`write_artifact_manifest`.
- :mod:`.settings`: :func:`build_isolation`, :func:`score_thresholds`, :func:`docs_dir`.
- :mod:`.specs`: the project's specs and its domain registry.
- :mod:`.manifests`: the hashed manifests of movement 2 (and :func:`spec_manifest_mismatches`).
- :mod:`.seqdocs`: Markdown docs per sequence.  :mod:`.verification`: Ruff and score thresholds.
- :mod:`.report`: the build report and the ``ff`` archive.  :mod:`.files`: atomic writes.

Names load on first use: every pytest session imports the build handlers, and only a
build needs what they call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

#: submodule -> the names it exports here
_EXPORTS: dict[str, tuple[str, ...]] = {
    "artifacts": (
        "MANIFEST_SCHEMA",
        "artifact_info",
        "artifact_kind",
        "collect_artifacts",
        "parse_artifact_filename",
        "sha256_file",
        "verify_artifact",
        "verify_sdist",
        "verify_wheel",
        "write_artifact_manifest",
    ),
    "context": (
        "git_state",
        "load_build_context",
        "previous_build",
    ),
    "distdir": (
        "DistChange",
        "publish",
        "undo",
    ),
    "files": (
        "canonical_json",
        "write_atomic",
        "write_json",
    ),
    "handler_manifests": (
        "generate_project_manifests",
        "handler_info",
    ),
    "manifests": (
        "generate_manifests",
        "spec_manifest_mismatches",
        "validate_manifests",
        "write_canonical_specs",
    ),
    "metadata": (
        "MetadataCheck",
        "MetadataProblems",
        "check_metadata",
    ),
    "packaging": (
        "LOG_TAIL_LINES",
        "BuildFailed",
        "BuildResult",
        "HostBuildFailed",
        "HostResult",
        "build_command",
        "build_package",
        "check_host_outputs",
        "log_tail",
        "remove_partial",
        "reproduce_command",
        "run_host_build",
        "snapshot_dist",
    ),
    "report": (
        "archive_build",
        "report_markdown",
        "write_build_report",
    ),
    "reproducible": (
        "Comparison",
        "NotReproducible",
        "compare_builds",
        "source_date_epoch",
    ),
    "seqdocs": (
        "DocsConflict",
        "sequence_markdown",
        "write_sequence_docs",
    ),
    "settings": (
        "NO_ISOLATION_ENV",
        "Isolation",
        "Thresholds",
        "build_isolation",
        "docs_dir",
        "metadata_strict",
        "score_thresholds",
    ),
    "specs": (
        "Domain",
        "SpecEntry",
        "check_registry",
        "find_spec_files",
        "load_specs",
        "read_domain_registry",
        "regenerate_registry",
        "spec_problems",
    ),
    "verification": (
        "LintFailed",
        "check_thresholds",
        "find_ruff",
        "run_ruff",
        "violation_line",
    ),
    "workspace": (
        "DependencyCycle",
        "HostConfig",
        "Package",
        "WorkspaceError",
        "build_order",
        "build_settings",
        "discover_packages",
        "host_config",
        "normalize_name",
        "pyproject_files",
        "read_pyproject",
    ),
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # what static tools see; at run time __getattr__ does the same lazily
    from .artifacts import (  # noqa: F401
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
    from .context import (  # noqa: F401
        git_state,
        load_build_context,
        previous_build,
    )
    from .distdir import DistChange, publish, undo  # noqa: F401
    from .files import (  # noqa: F401
        canonical_json,
        write_atomic,
        write_json,
    )
    from .handler_manifests import generate_project_manifests, handler_info  # noqa: F401
    from .manifests import (  # noqa: F401
        generate_manifests,
        spec_manifest_mismatches,
        validate_manifests,
        write_canonical_specs,
    )
    from .metadata import MetadataCheck, MetadataProblems, check_metadata  # noqa: F401
    from .packaging import (  # noqa: F401
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
        reproduce_command,
        run_host_build,
        snapshot_dist,
    )
    from .report import (  # noqa: F401
        archive_build,
        report_markdown,
        write_build_report,
    )
    from .reproducible import Comparison, NotReproducible, compare_builds, source_date_epoch  # noqa: F401
    from .seqdocs import (  # noqa: F401
        DocsConflict,
        sequence_markdown,
        write_sequence_docs,
    )
    from .settings import (  # noqa: F401
        NO_ISOLATION_ENV,
        Isolation,
        Thresholds,
        build_isolation,
        docs_dir,
        metadata_strict,
        score_thresholds,
    )
    from .specs import (  # noqa: F401
        Domain,
        SpecEntry,
        check_registry,
        find_spec_files,
        load_specs,
        read_domain_registry,
        regenerate_registry,
        spec_problems,
    )
    from .verification import (  # noqa: F401
        LintFailed,
        check_thresholds,
        find_ruff,
        run_ruff,
        violation_line,
    )
    from .workspace import (  # noqa: F401
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
