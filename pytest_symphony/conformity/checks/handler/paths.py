"""Hardcoded paths, in a handler's string literals and in a spec's path fields."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

import libcst as cst

from ....score.model import Beat, Sequence
from ...codes import FixSafety, Severity
from ...syntax import ScanContext, string_value
from ...violation import Fix, Violation
from ..base import Example, PythonCheck, SpecCheck
from ..places import beat_pointer, spec_violation, value_edit
from .examples import SPEC, ws

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace

# handler literal paths: under a filesystem root, a drive path, or a backslash path
_ROOTS = "home|Users|tmp|var|usr|opt|etc|mnt|srv|root|private|Volumes|data|workspace|builds|runner"
_ABSOLUTE = re.compile(rf"^(?:/(?:{_ROOTS})(?:/[^\s/]+)+/?|[A-Za-z]:[\\/][^\s]*)$")
_BACKSLASH = re.compile(r"^(?:\.{1,2}\\|[\w-]+\\)(?:[\w .@-]+\\)*[\w .@-]+\.\w{1,8}$")
PATH_KEYS = re.compile(
    r"^(?:testFile|testFiles|file|files|path|paths|pattern|patterns|glob|globs|include|exclude|"
    r".*(?:Path|File|Files|Dir|Directory|Pattern|Patterns))$"
)


def literal_path_problem(value: str) -> str | None:
    if _ABSOLUTE.match(value):
        return "an absolute path"
    if _BACKSLASH.match(value):
        return "a backslash-separated path"
    return None


def spec_path_problem(value: str) -> str | None:
    if value.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", value):
        return "an absolute path"
    if "\\" in value:
        return "a backslash-separated path"
    return None


class HardcodedPath(PythonCheck, SpecCheck):
    code = "HARDCODED_PATH"
    severity = Severity.MINOR
    fix = FixSafety.SAFE
    summary = (
        "An absolute or backslash-separated path in a spec path field (`testFile`, `path`, "
        "`patterns`, any key ending in Path, File, Dir or Pattern, on a sequence, movement or "
        "beat or one mapping below a beat), or a hardcoded path in a handler's string literal: "
        "under a filesystem root (/home, /Users, /tmp, /var, /usr, /opt, /etc, /mnt, /srv, "
        "/root, ...), a drive path (C:\\...), or a backslash-separated file path. Docstrings are "
        "not checked."
    )
    fix_summary = (
        "In spec path fields, replace backslashes with forward slashes; absolute paths and "
        "handler literals are reported without a fix."
    )
    VALID = (
        Example(
            ws(
                "@handler\ndef build(tmp_path):\n    '''Writes /tmp/x only in the docstring.'''\n"
                "    return {'out': str(tmp_path / 'out.txt'), 'api': '/api/v1'}\n"
            )
        ),
        Example(ws("@handler\ndef build():\n    return {}\n", spec=SPEC + "        testFile: tests/test_build.py\n")),
    )
    INVALID = (
        Example(ws("@handler\ndef build():\n    return {'out': '/home/ci/out.txt'}\n"), at=("handlers.py", 6)),
        Example(
            ws("@handler\ndef build():\n    return {}\n", spec=SPEC + "        testFile: tests\\\\test_build.py\n"),
            at=("sequences/release.yaml", 8),
        ),
    )

    def visit_SimpleString(self, node: cst.SimpleString, ctx: ScanContext) -> None:
        raw = node.value
        if ctx.function is None or ("/" not in raw and "\\" not in raw) or id(node) in ctx.docstrings:
            return  # outside handlers, not path-like, or a docstring
        value = string_value(node)
        problem = literal_path_problem(value) if value is not None else None
        if problem:
            self.report(
                ctx,
                node,
                f"handler '{ctx.function}' hardcodes {problem} {value!r}; derive it from a "
                "fixture (tmp_path, rootpath) or the beat's inputs",
            )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        seq = spec.sequence
        nodes: list[tuple[Mapping[str, Any], str, Beat | None]] = [(spec.raw, "", None)]
        for m in seq.movements:
            nodes.append((m.raw, f"/movements/{m.index}", None))
            nodes += [(b.raw, beat_pointer(m, b), b) for b in m.beats]
        for node, pointer, beat in nodes:
            for key, value in node.items():
                if not isinstance(key, str) or not PATH_KEYS.match(key):
                    continue
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if not isinstance(v, str):
                        continue
                    problem = spec_path_problem(v)
                    if problem is None:
                        continue
                    fix = None
                    if "\\" in v and not isinstance(value, list):
                        fix = Fix(
                            "use forward slashes",
                            FixSafety.SAFE,
                            value_edit(spec, node, key, json.dumps(v.replace("\\", "/"))),
                        )
                    elif "\\" in v:
                        fix = Fix("use forward slashes", FixSafety.SAFE)
                    yield spec_violation(
                        self.code,
                        spec,
                        f"`{key}` is {problem}: {v!r}",
                        node=node,
                        key=key,
                        pointer=pointer,
                        beat=beat,
                        span=True,
                        fix=fix,
                    )
        nested = _nested_path_fields(seq, spec)
        yield from nested


def _nested_path_fields(seq: Sequence, spec: LoadedSpec) -> Iterator[Violation]:
    """Path fields one mapping below a beat (``input: {patterns: [...]}``)."""
    for m in seq.movements:
        for b in m.beats:
            for sub_key, sub in b.raw.items():
                if not isinstance(sub, dict):
                    continue
                for key, value in sub.items():
                    if not isinstance(key, str) or not PATH_KEYS.match(key):
                        continue
                    for v in value if isinstance(value, list) else [value]:
                        if isinstance(v, str) and spec_path_problem(v):
                            yield spec_violation(
                                HardcodedPath.code,
                                spec,
                                f"`{sub_key}.{key}` is {spec_path_problem(v)}: {v!r}",
                                node=sub,
                                key=key,
                                pointer=f"{beat_pointer(m, b)}/{sub_key}",
                                beat=b,
                                fix=Fix("use forward slashes", FixSafety.SAFE) if "\\" in v else None,
                            )
