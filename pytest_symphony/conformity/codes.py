"""The conformity code catalog: the public contract, as code.

Every code the conformity engine can report is a :class:`Code` in :data:`CATALOG`.
The names never change once released: users put them in suppression comments, CI
filters and dashboards.  ``docs/codes.md`` is generated from this module by
``scripts/gen_docs.py``; it is never edited by hand.

Plugins may add codes of their own through :func:`register_code`; they never enter
:data:`CATALOG` (which holds exactly the 45 built-in codes) and may not reuse a
built-in name.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterator, Mapping

__all__ = [
    "Severity",
    "FixSafety",
    "Dimension",
    "Category",
    "Code",
    "CATALOG",
    "CATEGORY_TITLES",
    "CATEGORY_DIMENSION",
    "register_code",
    "unregister_code",
    "lookup",
    "all_codes",
    "is_known",
]


class Severity(enum.Enum):
    """How bad a violation is.  Ordered: ``INFO < MINOR < MAJOR < CRITICAL``."""

    INFO = "INFO"
    MINOR = "MINOR"
    MAJOR = "MAJOR"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: "str | Severity") -> "Severity":
        """``"major"``, ``"MAJOR"`` or ``Severity.MAJOR`` -> ``Severity.MAJOR``."""
        if isinstance(text, Severity):
            return text
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {choices}") from None


_SEVERITY_RANK = {Severity.INFO: 0, Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}


class FixSafety(enum.Enum):
    """Ruff's model: ``safe`` fixes keep meaning and every piece of user content and are
    applied by ``--symphony-fix``; ``unsafe`` fixes are valid but may change behaviour or
    drop something and need ``--symphony-unsafe-fixes``; ``none``: reported only."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"

    def __str__(self) -> str:
        return self.value


class Dimension(enum.Enum):
    """The five conformity scores a code counts in."""

    ORCHESTRATION = "Orchestration"
    HANDLER = "Handler"
    GOVERNANCE = "Governance"
    TRACEABILITY = "Traceability"
    DEPENDENCY = "Dependency"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: "str | Dimension") -> "Dimension":
        if isinstance(text, Dimension):
            return text
        for d in cls:
            if d.value.lower() == str(text).strip().lower():
                return d
        raise ValueError(f"unknown dimension {text!r}")


class Category(enum.Enum):
    """Where a code's check lives (one check module per category)."""

    ORCHESTRATION = "orchestration"
    SEQUENCE = "sequence"
    HANDLER = "handler"
    TRACEABILITY = "traceability"
    GOVERNANCE = "governance"
    DEPENDENCY = "dependency"

    def __str__(self) -> str:
        return self.value


CATEGORY_TITLES: Mapping[Category, str] = MappingProxyType(
    {
        Category.ORCHESTRATION: "Orchestration",
        Category.SEQUENCE: "Sequence",
        Category.HANDLER: "Handler",
        Category.TRACEABILITY: "Traceability",
        Category.GOVERNANCE: "Governance",
        Category.DEPENDENCY: "Dependency",
    }
)

#: The dimension every built-in code of a category counts in.
CATEGORY_DIMENSION: Mapping[Category, Dimension] = MappingProxyType(
    {
        Category.ORCHESTRATION: Dimension.ORCHESTRATION,
        Category.SEQUENCE: Dimension.ORCHESTRATION,
        Category.HANDLER: Dimension.HANDLER,
        Category.TRACEABILITY: Dimension.TRACEABILITY,
        Category.GOVERNANCE: Dimension.GOVERNANCE,
        Category.DEPENDENCY: Dimension.DEPENDENCY,
    }
)

CODE_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")


@dataclass(frozen=True)
class Code:
    """One conformity code.

    ``summary`` says precisely when the code is reported; ``fix_summary`` what its fix
    does (``None`` when ``fix`` is ``FixSafety.NONE``).  A code with a fix may still be
    reported without one where the fix cannot apply to that instance (the summary says
    which); each violation carries the fix it would apply.
    """

    name: str
    category: Category
    dimension: Dimension
    severity: Severity
    fix: FixSafety
    summary: str
    fix_summary: str | None = None

    def __post_init__(self) -> None:
        if not CODE_NAME.match(self.name):
            raise ValueError(f"code name {self.name!r} must be UPPER_SNAKE_CASE")
        if (self.fix is FixSafety.NONE) != (self.fix_summary is None):
            raise ValueError(
                f"{self.name}: fix_summary must be given exactly when fix is safe or unsafe"
            )


_O, _S, _H, _T, _G, _D = (
    Category.ORCHESTRATION,
    Category.SEQUENCE,
    Category.HANDLER,
    Category.TRACEABILITY,
    Category.GOVERNANCE,
    Category.DEPENDENCY,
)
_CRIT, _MAJ, _MIN, _INFO = Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.INFO
_SAFE, _UNSAFE, _NONE = FixSafety.SAFE, FixSafety.UNSAFE, FixSafety.NONE


def _c(
    name: str,
    category: Category,
    severity: Severity,
    fix: FixSafety,
    summary: str,
    fix_summary: str | None = None,
) -> Code:
    return Code(name, category, CATEGORY_DIMENSION[category], severity, fix, summary, fix_summary)


_CODES: tuple[Code, ...] = (
    # -- Orchestration -----------------------------------------------------------------
    _c(
        "SEQUENCE_PARSE_ERROR", _O, _CRIT, _NONE,
        "A spec file is not valid JSON or YAML, or is not UTF-8, or holds what a parser accepts "
        "but a spec must not: a key repeated in one mapping (one violation per repeat, naming "
        "the line of the first), a lone surrogate, an integer beyond 64 bits. Reported at the "
        "line and column of the parser's first error (for undecodable bytes, the line and "
        "column of the first bad byte).",
    ),
    _c(
        "SCHEMA_VIOLATION", _O, _CRIT, _NONE,
        "The normalized spec fails the shipped sequence JSON Schema (or has a structural "
        "problem the loader reports, such as a beat that is not a mapping). One violation "
        "per schema error, placed at the failing member's JSON pointer and its source line. "
        "A spec that fails the schema is checked for nothing else until it passes.",
    ),
    _c(
        "SEQUENCE_ID_MISSING", _O, _CRIT, _SAFE,
        "A spec declares neither `id` nor `sequenceId`, or declares them empty.",
        "Set `id` to the spec file's stem (its name without extensions).",
    ),
    _c(
        "DUPLICATE_SEQUENCE_ID", _O, _CRIT, _NONE,
        "Two or more spec files declare the same sequence id. Reported on each of those "
        "files, naming the others.",
    ),
    _c(
        "DOMAIN_NOT_FOUND", _O, _MAJ, _NONE,
        "A spec's `domainId` names no domain in the configured domain registry. Checked "
        "only when a registry is configured.",
    ),
    _c(
        "ORPHANED_DOMAIN_REFERENCE", _O, _MIN, _UNSAFE,
        "The domain registry lists a sequence, by id or by file path, that no scanned "
        "spec defines. Read from each domain's `sequences`, `sequence_files` and "
        "`orchestration.sequence_files`; a file reference resolves when the file exists "
        "(beside the registry or under the rootdir) or when its file stem is the id or "
        "file stem of a scanned spec (registries often list a spec at its path in another "
        "repository layout).",
        "Remove that sequence reference from the registry (unsafe: the registry may name "
        "sequences kept outside the scanned paths).",
    ),
    _c(
        "CIRCULAR_DEPENDENCY", _O, _CRIT, _NONE,
        "A cycle among sequences invoking sub-sequences, or among the workspace's "
        "packages' declared dependencies (the root pyproject.toml and those matched by "
        "`[tool.symphony.build] packages`). Reported once per cycle, naming its members in "
        "order.",
    ),
    _c(
        "MANIFEST_MISMATCH", _O, _MAJ, _SAFE,
        "The manifest written by the build symphony exists and no longer matches the "
        "specs: a recorded content hash differs from the spec's current hash, or a spec "
        "is missing from it, or it lists a spec that is gone.",
        "Regenerate the manifest from the current specs.",
    ),
    _c(
        "METADATA_MISSING", _O, _MIN, _SAFE,
        "A sequence lacks `name`, `description`, `kind` or `status` (one violation per "
        "missing field; an empty string counts as missing).",
        "Set `name` from the sequence id; a missing `description`, `kind` or `status` is "
        "reported without a fix.",
    ),
    # -- Sequence ----------------------------------------------------------------------
    _c(
        "BEAT_COUNT_MISMATCH", _S, _MAJ, _SAFE,
        "A declared beat count differs from the actual number of beats: a top-level "
        "`beats` integer against all beats of the sequence, or a movement's `beats` "
        "integer beside its beat list against that list. Where a movement declares beats "
        "the loader did not read (a count alone, or its list under a key it does not "
        "know), the top-level count is compared with the beats read plus that "
        "movement's count, and reported without a fix; a spec that read no beat at all "
        "is not compared (the loader and EMPTY_MOVEMENT report it).",
        "Set the declared count to the actual number of beats, only when every beat "
        "was read; beat lists are never touched.",
    ),
    _c(
        "MOVEMENT_COUNT_MISMATCH", _S, _MIN, _SAFE,
        "A declared movements count (`movementCount`, `movementsCount` or "
        "`totalMovements`; an integer `movements` is a schema violation) differs from the "
        "number of movements, or declared movement numbers (`movement`, `number` or a "
        "numeric `id`) are not 1, 2, 3, ... in list order.",
        "Set the declared count to the actual number of movements, or renumber the "
        "movements 1..n in list order.",
    ),
    _c(
        "EMPTY_MOVEMENT", _S, _MAJ, _NONE,
        "A movement has no beats (its beat list is missing or empty).",
    ),
    _c(
        "DUPLICATE_BEAT_ID", _S, _MAJ, _UNSAFE,
        "Two beats of one sequence share a string id, or two beats of one movement share a "
        "declared number (real specs number beats from 1 in every movement). Reported on "
        "every repeat after the first, naming the first.",
        "Renumber the repeated beats (unsafe: scenario links, test names and history "
        "keyed by the old id change meaning).",
    ),
    _c(
        "BEAT_NUMBERING_GAP", _S, _MIN, _SAFE,
        "Beat numbers within a movement where every beat declares one are not contiguous "
        "and ascending in list order (for example 1, 2, 4 or 2, 1); reported at the first "
        "beat out of place. Repeated numbers are DUPLICATE_BEAT_ID instead.",
        "Renumber the movement's beats consecutively from its first beat's number, in "
        "list order.",
    ),
    _c(
        "HANDLER_NOT_FOUND", _S, _CRIT, _UNSAFE,
        "A beat names no handler, or a handler it names resolves to no registered handler "
        "(resolved as the runtime resolves it: registered names first, then `module#func` "
        "and plain functions of the registered modules). The message names the closest "
        "registered names (\"did you mean\").",
        "When exactly one registered name is close, rename the reference in the spec to "
        "it; otherwise scaffold a stub handler in the configured handler module (unsafe: "
        "either changes what the beat runs).",
    ),
    _c(
        "SUBSEQUENCE_NOT_FOUND", _S, _CRIT, _NONE,
        "A beat invokes a sub-sequence id that no scanned spec defines.",
    ),
    _c(
        "INVALID_EVENT_REFERENCE", _S, _MAJ, _SAFE,
        "A beat's event is missing from its sequence's declared `events`. Checked only "
        "where the sequence declares `events`.",
        "Append the event to the sequence's `events`.",
    ),
    _c(
        "UNUSED_EVENT", _S, _INFO, _NONE,
        "An event declared in the sequence's `events` is neither a beat's `event` nor "
        "emitted by a literal `symphony.emit(\"<event>\")` statement in a handler of one of "
        "its beats.",
    ),
    _c(
        "TIMING_CONSTRAINT_VIOLATED", _S, _MAJ, _NONE,
        "In the last recorded run of the sequence, a beat's longest attempt exceeded its "
        "`timeout` or a duration-valued `timing` (\"< 500ms\"). Quiet when there is no run "
        "history.",
    ),
    _c(
        "INVALID_TIMING", _S, _MIN, _NONE,
        "A beat's `timing` or `timeout` is neither a duration (a number of milliseconds "
        "such as 1500, or text such as \"2s\", \"500ms\", \"< 500ms\"), nor a known "
        "keyword (immediate, deferred, after-beat, after-movement, async, sync, on-demand, "
        "parallel, sequential), nor a cadence the project declares as free text (glob "
        "patterns in ini `symphony_cadences`, such as `per *`). A `timeout` must be a "
        "duration: the runtime cannot apply anything else.",
    ),
    _c(
        "INVALID_DYNAMICS", _S, _MIN, _UNSAFE,
        "A dynamics marking (sequence, movement or beat `dynamics`) is not one of pp, p, "
        "mf, f, ff. A mapping or list under `dynamics` is a legend of the levels, not a "
        "marking.",
        "Replace it with the marking it equals ignoring case and spaces, else with mf "
        "(unsafe: changes which runs select the beat).",
    ),
    _c(
        "MUSICAL_METADATA_INVALID", _S, _MIN, _SAFE,
        "Musical metadata out of range: tempo outside 20-300 BPM, a key that is not a "
        "major or minor key (such as \"C Major\" or \"F# minor\"), or a time signature "
        "that is not N/M with N >= 1 and M a power of two.",
        "Replace each invalid value with its default: tempo 120, key \"C Major\", time "
        "signature \"4/4\".",
    ),
    # -- Handler -----------------------------------------------------------------------
    _c(
        "MISSING_IMPLEMENTATION", _H, _CRIT, _NONE,
        "A handler's body is only `pass`, `...`, a docstring, or `raise "
        "NotImplementedError` (with or without arguments), alone or combined.",
    ),
    _c(
        "SIGNATURE_MISMATCH", _H, _MAJ, _NONE,
        "A handler parameter without a default is neither an available fixture nor an "
        "input of a beat that uses the handler, so nothing could supply it. Reported once "
        "per handler and parameter, at the parameter, naming the first such beat.",
    ),
    _c(
        "TELEMETRY_NOT_INSTRUMENTED", _H, _MIN, _SAFE,
        "A function a beat runs (found as a plain function of a registered module) is not "
        "registered through the handler decorator, so it carries no beat metadata.",
        "Add the handler decorator to the function, and its import to the module.",
    ),
    _c(
        "EXCEPTION_SWALLOWED", _H, _MAJ, _UNSAFE,
        "In a handler, a bare `except:`, or an `except` clause whose body only passes, "
        "continues or is `...`: failures turn green.",
        "Make the clause re-raise (unsafe: the handler now fails where it passed).",
    ),
    _c(
        "UNCHECKED_SUBPROCESS", _H, _MAJ, _UNSAFE,
        "In a handler, a `subprocess.run` or `subprocess.call` without `check=True`, or "
        "an `os.system`, whose exit status is neither checked nor used.",
        "Add `check=True` to the `subprocess` call (unsafe: the handler now fails on a "
        "non-zero exit); an `os.system` call is reported without a fix.",
    ),
    _c(
        "HARDCODED_PATH", _H, _MIN, _SAFE,
        "An absolute or backslash-separated path in a spec path field (`testFile`, "
        "`path`, `patterns`, any key ending in Path, File, Dir or Pattern, on a sequence, "
        "movement or beat or one mapping below a beat), or a hardcoded path in a handler's "
        "string literal: under a filesystem root (/home, /Users, /tmp, /var, /usr, /opt, "
        "/etc, /mnt, /srv, /root, ...), a drive path (C:\\...), or a backslash-separated "
        "file path. Docstrings are not checked.",
        "In spec path fields, replace backslashes with forward slashes; absolute paths "
        "and handler literals are reported without a fix.",
    ),
    _c(
        "DUPLICATE_HANDLER", _H, _MAJ, _NONE,
        "Two handler functions are registered under the same name.",
    ),
    _c(
        "ORPHAN_HANDLER", _H, _INFO, _NONE,
        "A registered handler is used by no beat of any scanned sequence.",
    ),
    # -- Traceability ------------------------------------------------------------------
    _c(
        "BDD_SPEC_MISSING", _T, _MAJ, _SAFE,
        "A beat with acceptance criteria (every beat, where ini `symphony_require_bdd` is "
        "true) has no linked Gherkin scenario: none tagged `@beat:<sequence>/<beat>` (on "
        "the scenario, its Rule or its Feature) and none named by the beat's `scenario` "
        "field. Built-in pipelines are not checked (their features live with the "
        "package).",
        "Scaffold a scenario per acceptance criterion, linked to the beat, into the "
        "sequence's feature: the one it has in any features folder (named after its id, "
        "or linking to it), else a new `<id slug>.feature` in the features folder nearest "
        "its spec. Reported without a fix (the message says why) when the sequence id is "
        "declared twice or cannot be written in a tag, or a criterion has no When or Then.",
    ),
    _c(
        "STEP_DEFINITION_MISSING", _T, _MAJ, _SAFE,
        "A step of a linked scenario matches no step definition of the step definition "
        "modules (ini `symphony_step_defs`) and conftest.py files, matched as pytest-bdd "
        "matches them (type, then exact text, parse, cfparse or regular expression; "
        "outline steps with every example row).",
        "Scaffold a step function for the step in the step definitions module; it calls "
        "`pytest.skip(\"step not written yet: ...\")`, so the suite stays as green as it was.",
    ),
    _c(
        "SCENARIO_INCOMPLETE", _T, _MAJ, _NONE,
        "A linked scenario has no When step or no Then step (`And`/`But` take the "
        "keyword of the step before them; Background steps count).",
    ),
    _c(
        "FEATURE_NARRATIVE_MISSING", _T, _MIN, _SAFE,
        "A feature's description lacks the narrative (\"As a\", \"I want\" (or need, would like, wish), "
        "and \"In order to\" or \"So that\") while its sequence (linked by a scenario's tag, "
        "or the feature file named `<sequence id>.feature`) has a user story.",
        "Write the narrative from the sequence's user story (`{persona, goal, benefit}` or "
        "\"As a ..., I want ..., so that ...\") into the feature description: \"I want to "
        "<goal>\" for an action, \"I want <goal>\" for a thing, \"In order to\" or \"So "
        "that\" as the benefit reads. Reported without a fix (the message says why) when a "
        "part is missing or the benefit is only a noun phrase.",
    ),
    _c(
        "ACCEPTANCE_CRITERIA_MISSING", _T, _MIN, _NONE,
        "A beat has no acceptance criteria (`acceptanceCriteria` or "
        "`acceptanceCriteriaStructured`, missing or empty; free lists such as "
        "`success_criteria` are not acceptance criteria).",
    ),
    _c(
        "TEST_LINK_BROKEN", _T, _MAJ, _NONE,
        "A beat's `testFile` does not exist (relative to the rootdir or to the spec's "
        "folder; backslashes read as separators), or points outside the project (`../`, "
        "an absolute path or a symlink leading out: never looked at, so the message says "
        "nothing of what is there), or its `testCase` is found in that file as no test "
        "function, test class, scenario or quoted test title (`it('...')`). Titles match "
        "with bracketed tags removed on both sides: `testCase: renders the toggle` "
        "matches `it('[AC:canvas-1] renders the toggle')`.",
    ),
    _c(
        "ORPHANED_SCENARIO", _T, _MIN, _NONE,
        "A scenario links to a sequence or beat that no scanned spec defines.",
    ),
    # -- Governance --------------------------------------------------------------------
    _c(
        "POLICY_NOT_REFERENCED", _G, _MIN, _NONE,
        "A declared governance policy is bound to no policy check, built-in or "
        "registered through the hook `pytest_symphony_policy_checks`: by name "
        "(`{text: ..., check: <name>}`) or by its text matching the check's pattern (the "
        "built-in checks are listed below).",
    ),
    _c(
        "METRIC_NOT_TRACKED", _G, _MIN, _NONE,
        "A declared governance metric has no recorded value in its sequence's run "
        "history (a recorded metric matches when its name and the declared text before "
        "any parenthesis slugify alike). Checked only for sequences with a recorded run.",
    ),
    _c(
        "UNAUTHORIZED_CHANGE", _G, _CRIT, _NONE,
        "A spec or handler file's content differs from the approved lock file "
        "(`symphony.lock`) and the change was not approved: changed, new since the "
        "approval, or gone. Approving (`--symphony-approve`) is an explicit user action, "
        "never a fix. Quiet when there is no lock (the run says so once).",
    ),
    _c(
        "ROLLBACK_NOT_DEFINED", _G, _MAJ, _NONE,
        "A sequence with rollback-capable beats (`rollbackCapable: true` on the beat or "
        "its declared handler) or beats marked `critical: true`, or whose `kind` names "
        "deployment, delivery, release, rollout or remediation, declares no rollback. A "
        "rollback is declared by a `rollback` or `rollbackHandler` (a handler name, or a "
        "mapping), or a `rollbackStrategy` (a mapping, with or without `handler`, or a "
        "text); a `rollbackStrategy` with `enabled: false` declares none.",
    ),
    _c(
        "GOVERNANCE_THRESHOLD_BREACHED", _G, _MAJ, _NONE,
        "A movement's visibility or consistency score is below its threshold: the lowest "
        "`visibility`/`consistency` metric its beats recorded in the last run, else the "
        "value the movement declares. The threshold is governance `thresholds.<name>`, "
        "else the number in a policy naming it (\"visibility score >= 0.7\", \"70%\"), "
        "else 0.7.",
    ),
    # -- Dependency --------------------------------------------------------------------
    _c(
        "UNRESOLVED_IMPORT", _D, _CRIT, _NONE,
        "A handler or step definition module imports a module or name that cannot be "
        "found in the environment, judged from files without importing anything "
        "(a name is checked when it comes from a module of the workspace). Imports inside "
        "a `try` whose handlers catch ImportError (or Exception), under "
        "`if TYPE_CHECKING:`, or in either branch of a test on the environment "
        "(`sys.version_info`, `sys.platform`, `os.name`, `platform.system()`) are exempt.",
    ),
    _c(
        "VERSION_CONSTRAINT_VIOLATED", _D, _MAJ, _NONE,
        "An installed distribution does not satisfy (or is missing for) a requirement the "
        "project declares (`[project] dependencies` of pyproject.toml, markers evaluated) "
        "or a spec declares (`requires`, `requirements` or `dependencies`: PEP 508 "
        "strings).",
    ),
    _c(
        "BREAKING_CHANGE_DETECTED", _D, _MAJ, _NONE,
        "Compared with the approved lock, a beat, movement or event was removed or "
        "renamed, or a handler's required parameters changed, without a major version "
        "bump of the sequence (the first number of `version`). Quiet when there is no "
        "lock.",
    ),
)

#: The 45 built-in codes, by name, in catalog order (grouped by category).
CATALOG: dict[str, Code] = {code.name: code for code in _CODES}
assert len(CATALOG) == len(_CODES), "duplicate code name in the catalog"

_PLUGIN_CODES: dict[str, Code] = {}


def register_code(code: Code) -> Code:
    """Add a plugin's code.  Re-registering an identical code is a no-op."""
    if code.name in CATALOG:
        raise ValueError(f"{code.name} is a built-in conformity code")
    existing = _PLUGIN_CODES.get(code.name)
    if existing is not None and existing != code:
        raise ValueError(f"conformity code {code.name} is already registered differently")
    _PLUGIN_CODES[code.name] = code
    return code


def unregister_code(name: str) -> None:
    """Remove a plugin code (tests and plugin teardown)."""
    _PLUGIN_CODES.pop(name, None)


def lookup(name: str) -> Code | None:
    """The built-in or plugin code called ``name``, or ``None``."""
    return CATALOG.get(name) or _PLUGIN_CODES.get(name)


def is_known(name: str) -> bool:
    return lookup(name) is not None


def all_codes() -> Iterator[Code]:
    """Built-in codes in catalog order, then plugin codes by name."""
    yield from CATALOG.values()
    for name in sorted(_PLUGIN_CODES):
        yield _PLUGIN_CODES[name]
