"""The table of every command-line option and ini key of pytest-symphony, each declared once.

What a setting is (:class:`Setting`) and the settings themselves (:data:`SETTINGS`); the
readers (registering them with pytest, reading a value) are in :mod:`.options`.  Imported
at every pytest start wherever the plugin is installed, so it imports nothing heavy.
"""

from __future__ import annotations

import argparse
from typing import Any, Literal

from .score.levels import DYNAMICS

CONFORMITY_FORMATS = ("text", "json", "sarif", "github")


class _Unset:
    """The default pytest hands back for an ini key the config does not set."""

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Any = _Unset()


#: the ini types of pytest's ``Parser.addini``
IniType = Literal["string", "paths", "pathlist", "args", "linelist", "bool", "int", "float"]


class Setting:
    """One setting: an ini key, a command-line flag, or both (the flag wins).

    A plain class, not a dataclass: building the table costs microseconds at every start.
    """

    __slots__ = ("name", "help", "default", "ini_type", "flag", "extra")

    def __init__(
        self,
        name: str,
        help: str,
        *,
        default: Any = None,
        ini_type: IniType | None = None,
        flag: str | None = None,
        **extra: Any,
    ) -> None:
        self.name = name  # the ini key, and the option's dest
        self.help = help
        self.default = default
        self.ini_type = ini_type  # pytest's ini type ("string", "args", "linelist", "bool"); None: no ini key
        if ini_type and flag is None:  # every ini key has a command-line twin: --symphony-fail-on, ...
            flag = "--" + name.replace("_", "-")
            if ini_type == "bool":
                extra.setdefault("action", argparse.BooleanOptionalAction)
            else:
                extra.setdefault("metavar", "A,B" if ini_type in ("args", "linelist") else "VALUE")
        self.flag = flag  # the command-line twin, e.g. "--symphony-fail-on"
        self.extra = extra  # argparse's action, choices, metavar, nargs, const

    def flag_kwargs(self) -> dict[str, Any]:
        """argparse arguments; a flag that has an ini twin defaults to None, so "not given" shows."""
        default = None if self.ini_type else self.default
        return {"dest": self.name, "help": self.help, "default": default, **self.extra}


_MB = 1024 * 1024

SETTINGS: tuple[Setting, ...] = (
    # -- the core: which specs, which handlers, where telemetry goes ---------------------------
    Setting(
        "symphony",
        "run only these sequences: comma-separated ids, aliases of built-in pipelines "
        "(build, conformity, delivery, report), id/movement (delivery/release), or 'all'; every other test "
        "is deselected",
        flag="--symphony",
        metavar="NAMES",
    ),
    Setting(
        "symphony_dynamic",
        "how loud the run is: pp (resolve only, run no handler), p, mf (default), f, ff; "
        "beats that need a louder level are deselected",
        flag="--symphony-dynamic",
        choices=DYNAMICS,
    ),
    Setting(
        "symphony_isolated",
        "run selected beats alone: the earlier beats of their sequences are not pulled "
        "in, so symphony.state starts empty",
        flag="--symphony-isolated",
        action="store_true",
        default=False,
    ),
    Setting(
        "symphony_resume",
        "restore the state the run RUN_ID (default: the last run) checkpointed instead of "
        "re-running the beats before the first failed or selected beat of each sequence",
        flag="--symphony-resume",
        nargs="?",
        const="last",
        metavar="RUN_ID",
    ),
    Setting(
        "symphony_list",
        "list every sequence the project and the built-in pipelines offer (id, file, "
        "movements, beats, beats per dynamic) and run nothing",
        flag="--symphony-list",
        action="store_true",
        default=False,
    ),
    Setting(
        "symphony_paths",
        "folders whose *.json/*.yaml/*.yml specs are collected",
        default=["sequences"],
        ini_type="args",
    ),
    Setting(
        "symphony_handlers",
        "dotted modules (or alias=module) whose @handler functions beats may use",
        default=[],
        ini_type="args",
    ),
    Setting("symphony_dir", "folder for telemetry, history and artifacts", default=".symphony", ini_type="string"),
    Setting("symphony_max_spec_bytes", "largest spec file to load", default=str(10 * _MB), ini_type="string"),
    Setting(
        "symphony_timeout_method",
        "how beats with a timeout are stopped unless they say: thread or process "
        "(the handler runs in a child process that is stopped at the deadline)",
        default="thread",
        ini_type="string",
    ),
    # -- telemetry ------------------------------------------------------------------------------
    Setting(
        "symphony_keep_runs",
        "run folders to keep under <symphony_dir>/runs, oldest removed first (0 keeps "
        "all; the history keeps every run)",
        default="30",
        ini_type="string",
    ),
    Setting(
        "symphony_history_timeout",
        "seconds to wait for another process's lock on history.sqlite before the "
        "records wait in the run's telemetry.jsonl",
        default="10",
        ini_type="string",
    ),
    Setting(
        "symphony_history_import",
        "load the records of run RUN_ID (or all runs) that are in their "
        "telemetry.jsonl but not in history.sqlite, then exit",
        flag="--symphony-history-import",
        metavar="RUN_ID",
    ),
    Setting(
        "symphony_shard",
        "run shard I of N (CI jobs in parallel): whole sequences and test files, balanced "
        "by the durations in the history",
        flag="--symphony-shard",
        metavar="I/N",
    ),
    Setting(
        "symphony_history_merge",
        "merge the history.sqlite files of the shards of one run (and their "
        "telemetry.jsonl) into this project's history as one run, then exit",
        flag="--symphony-history-merge",
        nargs="+",
        metavar="FILE",
    ),
    # -- BDD ----------------------------------------------------------------------------------
    Setting(
        "symphony_scaffold",
        "append one scenario per acceptance criterion (linked to its beat) to the "
        "sequence's feature in any symphony_features folder, else to <id slug>.feature in the folder nearest "
        "the spec, and step stubs that skip in <step_defs>/; only appends what is missing",
        flag="--symphony-scaffold",
        metavar="SEQUENCE_ID",
    ),
    Setting(
        "symphony_features",
        "folders whose *.feature files are collected as scenarios (no test module needed)",
        default=["features"],
        ini_type="args",
    ),
    Setting(
        "symphony_step_defs",
        "folders of step definition modules (pytest-bdd @given/@when/@then), imported at startup",
        default=["step_defs"],
        ini_type="args",
    ),
    # -- conformity -----------------------------------------------------------------------------
    Setting(
        "symphony_format",
        "write the conformity report as text, json (versioned schema), sarif (SARIF 2.1.0) "
        "or github (workflow annotations); to the terminal, or to --symphony-output",
        flag="--symphony-format",
        choices=CONFORMITY_FORMATS,
    ),
    Setting(
        "symphony_output",
        "file for the --symphony-format report (default: the terminal)",
        flag="--symphony-output",
        metavar="PATH",
    ),
    Setting(
        "symphony_approve",
        "approve the workspace as it is: write symphony.lock (spec and handler hashes, "
        "sequence contracts) and run nothing else",
        flag="--symphony-approve",
        action="store_true",
        default=False,
    ),
    Setting(
        "symphony_fail_on",
        "conformity violations at or above this severity fail (CRITICAL, MAJOR, MINOR, "
        "INFO; dynamics f and ff tighten MAJOR to MINOR)",
        default="MAJOR",
        ini_type="string",
        flag="--symphony-fail-on",
        metavar="SEVERITY",
    ),
    Setting(
        "symphony_conformity",
        "add the conformity items (one per checked file) to every plain run",
        default=False,
        ini_type="bool",
    ),
    Setting(
        "symphony_domain_registry",
        "the domain registry file (default: DOMAIN_REGISTRY.json in the rootdir, when present)",
        default="",
        ini_type="string",
    ),
    Setting(
        "symphony_cadences",
        "free-text beat timings accepted as cadences (glob patterns, one a line)",
        default=[],
        ini_type="linelist",
    ),
    Setting(
        "symphony_require_bdd", "every beat needs a linked scenario (BDD_SPEC_MISSING)", default=False, ini_type="bool"
    ),
    Setting(
        "symphony_manifests",
        "folder where the project commits the build manifests; MANIFEST_MISMATCH "
        "compares the specs with them only there (default: none)",
        default="",
        ini_type="string",
    ),
    # -- fixes ----------------------------------------------------------------------------------
    Setting(
        "symphony_fix",
        "run the conformity pipeline in fix mode: apply the safe fixes phase by phase "
        "(snapshot, atomic writes, re-check, keep or roll the phase back)",
        flag="--symphony-fix",
        action="store_true",
        default=False,
    ),
    Setting(
        "symphony_unsafe_fixes",
        "with --symphony-fix or --symphony-diff: also apply the unsafe fixes (they may change behaviour)",
        flag="--symphony-unsafe-fixes",
        action="store_true",
        default=False,
    ),
    Setting(
        "symphony_diff",
        "print the unified diff of every fix that would apply, write nothing, and fail when any would (CI)",
        flag="--symphony-diff",
        action="store_true",
        default=False,
    ),
    Setting(
        "symphony_rollback",
        "restore the files of the last fixing run (or of the run or snapshot ID) and run nothing else",
        flag="--symphony-rollback",
        nargs="?",
        const="last",
        metavar="ID",
    ),
    Setting(
        "symphony_fix_commit",
        "with --symphony-fix in a git work tree: commit each kept phase (refuses when changes are staged)",
        flag="--symphony-fix-commit",
        action="store_true",
        default=False,
    ),
    # -- reports --------------------------------------------------------------------------------
    Setting(
        "symphony_report",
        "at the end of the run, write reports from the run history: comma-separated md, json, html (or all)",
        default="",
        ini_type="string",
        flag="--symphony-report",
        metavar="FORMATS",
    ),
    Setting(
        "symphony_report_dir",
        "folder for the reports (default: <symphony_dir>/reports; the ini value is "
        "relative to the rootdir, the option to the current folder); each run also keeps a copy in "
        "<symphony_dir>/runs/<run id>/reports",
        default="",
        ini_type="string",
        flag="--symphony-report-dir",
        metavar="DIR",
    ),
    Setting(
        "symphony_report_runs",
        "reports analyse the newest N runs of the history (0: every run); the history keeps them all",
        default="1000",
        ini_type="string",
        flag="--symphony-report-runs",
        metavar="N",
    ),
    # -- OpenTelemetry --------------------------------------------------------------------------
    Setting(
        "symphony_otel",
        "export the run as OpenTelemetry traces (one per sequence run) and metrics over "
        "OTLP/HTTP, configured by the OTEL_* environment variables (OTEL_EXPORTER_OTLP_ENDPOINT, "
        "OTEL_SERVICE_NAME, ...) and TRACEPARENT; needs pip install 'pytest-symphony[otel]'",
        default=False,
        ini_type="bool",
        flag="--symphony-otel",
        action="store_true",
    ),
)

__all__ = ["CONFORMITY_FORMATS", "SETTINGS", "UNSET", "IniType", "Setting"]
