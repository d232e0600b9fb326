"""Suppressions: silencing a violation at its place.

In Python and Gherkin files, a comment::

    # symphony: ignore[HANDLER_NOT_FOUND, EXCEPTION_SWALLOWED]
    # symphony: ignore                      (every code)

A comment after code on a line applies to that line.  A comment alone on its line
applies to the next line holding code (Python) or a non-comment, non-blank line
(Gherkin, whose comments are always whole lines); stacked comment lines all apply to
that same line.  A violation is silenced when its line is the target line and its
code is listed (or the comment lists none).

In specs, a member at sequence, movement or beat level::

    "x-symphony-ignore": ["INVALID_TIMING"]      (or a single string; [] means every code)

silences, for the listed codes, every violation in that spec file whose JSON pointer
lies inside that object (a sequence-level member covers the whole file), and every
violation in another file (a feature, a handler module) that names the same sequence
and, for a movement or beat member, one of the beats inside it.

:func:`apply_suppressions` splits violations into kept and suppressed and lists every
suppression that silenced nothing, code by code, and every unknown code named in one.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Literal, Mapping, NamedTuple, Sequence

from .codes import is_known
from .violation import Place, Violation, json_pointer

__all__ = [
    "ALL",
    "SPEC_MEMBER",
    "Suppression",
    "UnusedSuppression",
    "SuppressionResult",
    "parse_comments",
    "comment_suppressions",
    "spec_suppressions",
    "apply_suppressions",
]

#: The code set of a suppression that names no code: it silences every code.
ALL: frozenset[str] = frozenset({"*"})

SPEC_MEMBER = "x-symphony-ignore"

_DIRECTIVE = re.compile(r"#\s*symphony:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?")

Language = Literal["python", "gherkin"]


@dataclass(frozen=True)
class Suppression:
    """One suppression comment or spec member.

    ``place`` is where it is written.  For comments ``target_line`` is the line it
    silences (``None`` when no line follows an own-line comment).  For spec members
    ``pointer`` is the object it sits in (``""`` for the sequence), ``sequence`` the
    sequence id, ``beats`` the ids/numbers of the beats inside the object (``None`` for
    the sequence level: every beat).
    """

    kind: Literal["comment", "spec"]
    place: Place
    codes: frozenset[str]
    target_line: int | None = None
    pointer: str | None = None
    sequence: str | None = None
    beats: frozenset[str] | None = None

    @property
    def all_codes(self) -> bool:
        return self.codes == ALL

    @property
    def text(self) -> str:
        codes = "" if self.all_codes else ", ".join(sorted(self.codes))
        if self.kind == "comment":
            return f"# symphony: ignore[{codes}]" if codes else "# symphony: ignore"
        listed = [] if self.all_codes else sorted(self.codes)
        return f'"{SPEC_MEMBER}": {json.dumps(listed)}'

    def matches(self, v: Violation) -> bool:
        if not (self.all_codes or v.code in self.codes):
            return False
        if self.kind == "comment":
            return v.place.path == self.place.path and v.place.line == self.target_line
        return self._matches_spec(v)

    def _matches_spec(self, v: Violation) -> bool:
        assert self.pointer is not None
        if v.place.path == self.place.path:
            if self.pointer == "":
                return True
            p = v.place.pointer
            return p is not None and (p == self.pointer or p.startswith(self.pointer + "/"))
        if self.sequence is None or v.sequence != self.sequence:
            return False
        if self.beats is None:
            return True
        return v.beat is not None and v.beat in self.beats


@dataclass(frozen=True)
class UnusedSuppression:
    """A suppression (or one code in it) that silenced nothing, or that names an
    unknown code.  ``code`` is ``None`` for a code-less suppression."""

    suppression: Suppression
    code: str | None
    reason: Literal["unused", "unknown"]

    @property
    def place(self) -> Place:
        return self.suppression.place

    @property
    def message(self) -> str:
        if self.reason == "unknown":
            return f"suppression names unknown conformity code {self.code}"
        if self.code is None:
            return f"suppression {self.suppression.text} silences nothing"
        return f"suppression of {self.code} silences nothing"

    @property
    def key(self) -> tuple:
        p = self.place
        return (p.path, p.line, p.col, self.code or "", self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "code": self.code,
            "message": self.message,
            "location": self.place.to_dict(),
        }


class SuppressionResult(NamedTuple):
    kept: list[Violation]
    suppressed: list[Violation]
    unused: list[UnusedSuppression]


def _split_codes(raw: str | None) -> frozenset[str]:
    if raw is None:
        return ALL
    codes = frozenset(c.strip() for c in raw.split(",") if c.strip())
    return codes or ALL


# -- comments --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Comment:
    line: int
    col: int  # 1-based column of the directive's '#'
    codes: frozenset[str]
    own_line: bool


def _python_comments(text: str) -> tuple[list[_Comment], list[int]] | None:
    """Directive comments and the lines that start a code token, via tokenize."""
    comments: list[_Comment] = []
    code_lines: set[int] = set()
    skip = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                m = _DIRECTIVE.search(tok.string)
                if m:
                    comments.append(
                        _Comment(
                            tok.start[0],
                            tok.start[1] + m.start() + 1,
                            _split_codes(m.group("codes")),
                            own_line=not tok.line[: tok.start[1]].strip(),
                        )
                    )
            elif tok.type not in skip:
                # a multi-line token (string) starts code on its first line only
                code_lines.add(tok.start[0])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return comments, sorted(code_lines)


def _line_comments(text: str, *, trailing: bool) -> tuple[list[_Comment], list[int]]:
    """Line-based scan: Gherkin, or Python that does not tokenize."""
    comments: list[_Comment] = []
    code_lines: list[int] = []
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = _DIRECTIVE.match(stripped)
            if m:
                indent = len(line) - len(line.lstrip())
                comments.append(_Comment(n, indent + 1, _split_codes(m.group("codes")), True))
            continue
        code_lines.append(n)
        if trailing:
            m = _DIRECTIVE.search(line)
            if m:
                comments.append(_Comment(n, m.start() + 1, _split_codes(m.group("codes")), False))
    return comments, code_lines


def _comments(text: str, language: Language) -> tuple[list[_Comment], list[int]]:
    if language == "python":
        found = _python_comments(text)
        if found is not None:
            return found
        return _line_comments(text, trailing=True)
    if language == "gherkin":
        return _line_comments(text, trailing=False)
    raise ValueError(f"unknown language {language!r}; expected 'python' or 'gherkin'")


def _target(comment: _Comment, code_lines: Sequence[int]) -> int | None:
    if not comment.own_line:
        return comment.line
    for n in code_lines:  # sorted
        if n > comment.line:
            return n
    return None


def comment_suppressions(path: str, text: str, language: Language = "python") -> list[Suppression]:
    """Every ``# symphony: ignore`` comment of a Python or Gherkin file."""
    comments, code_lines = _comments(text, language)
    return [
        Suppression(
            kind="comment",
            place=Place(path, c.line, c.col),
            codes=c.codes,
            target_line=_target(c, code_lines),
        )
        for c in comments
    ]


def parse_comments(text: str, language: Language = "python") -> dict[int, frozenset[str]]:
    """Target line -> codes silenced there (:data:`ALL` for every code)."""
    out: dict[int, frozenset[str]] = {}
    for s in comment_suppressions("<text>", text, language):
        if s.target_line is None:
            continue
        prev = out.get(s.target_line)
        if prev is None:
            out[s.target_line] = s.codes
        elif ALL in (prev, s.codes):
            out[s.target_line] = ALL
        else:
            out[s.target_line] = prev | s.codes
    return out


# -- spec members ----------------------------------------------------------------------


def _member_codes(value: Any) -> frozenset[str] | None:
    if isinstance(value, str):
        return _split_codes(value)
    if isinstance(value, (list, tuple)) and all(isinstance(c, str) for c in value):
        codes = frozenset(c.strip() for c in value if c.strip())
        return codes or ALL
    return None


def _beat_keys(beat: Mapping[str, Any]) -> set[str]:
    keys = set()
    for k in ("id", "beatId", "number", "beat"):
        v = beat.get(k)
        if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
            keys.add(str(v))
    return keys


def _beat_list(movement: Mapping[str, Any]) -> tuple[str, list]:
    """The key and list a movement's beats are under (``beats``, ``steps`` or ``sequence``,
    the first non-empty list, as the normalizer takes them)."""
    for key in ("beats", "steps", "sequence"):
        value = movement.get(key)
        if isinstance(value, list) and value:
            return key, value
    return "beats", []


def _line_for(pointer: str, lines: Mapping[str, int] | None) -> int:
    if not lines:
        return 1
    for p in (pointer + "/" + SPEC_MEMBER, pointer):
        if p in lines:
            return max(1, int(lines[p]))
    return 1


def spec_suppressions(
    path: str,
    spec: Mapping[str, Any],
    lines: Mapping[str, int] | None = None,
) -> list[Suppression]:
    """``x-symphony-ignore`` members of one spec mapping (its raw, loaded form).

    ``lines`` maps JSON pointers to source lines (the pointer of the member itself, or
    of the object holding it), for reporting a suppression that silences nothing.  A
    member whose value is neither a string nor a list of strings is reported as a
    suppression of the unknown code ``<invalid>``.
    """
    if not isinstance(spec, Mapping):
        return []
    seq_id = spec.get("id") or spec.get("sequenceId")
    seq_id = str(seq_id) if isinstance(seq_id, (str, int)) and str(seq_id) else None
    out: list[Suppression] = []

    def add(obj: Mapping[str, Any], pointer: str, beats: frozenset[str] | None) -> None:
        if SPEC_MEMBER not in obj:
            return
        codes = _member_codes(obj[SPEC_MEMBER])
        if codes is None:
            codes = frozenset({"<invalid>"})
        out.append(
            Suppression(
                kind="spec",
                place=Place(path, _line_for(pointer, lines), 1, pointer=pointer + "/" + SPEC_MEMBER),
                codes=codes,
                pointer=pointer,
                sequence=seq_id,
                beats=beats,
            )
        )

    add(spec, "", None)
    movements = spec.get("movements")
    if isinstance(movements, list):
        for mi, movement in enumerate(movements):
            if not isinstance(movement, Mapping):
                continue
            list_key, beat_list = _beat_list(movement)
            keys: set[str] = set()
            for b in beat_list:
                if isinstance(b, Mapping):
                    keys |= _beat_keys(b)
            add(movement, json_pointer("movements", mi), frozenset(keys))
            for bi, beat in enumerate(beat_list):
                if isinstance(beat, Mapping):
                    add(beat, json_pointer("movements", mi, list_key, bi), frozenset(_beat_keys(beat)))
    # flat specs: top-level beats list
    top_beats = spec.get("beats")
    if isinstance(top_beats, list):
        for bi, beat in enumerate(top_beats):
            if isinstance(beat, Mapping):
                add(beat, json_pointer("beats", bi), frozenset(_beat_keys(beat)))
    return out


# -- applying --------------------------------------------------------------------------


def apply_suppressions(
    violations: Iterable[Violation],
    suppressions: Iterable[Suppression],
    *,
    known: Collection[str] | None = None,
    active: Collection[str] | None = None,
) -> SuppressionResult:
    """Split ``violations`` into kept and suppressed; list what silenced nothing.

    ``known``: the code names a suppression may name (default: the catalog and plugin
    codes); any other name is reported as ``unknown``.  ``active``: the codes whose
    checks ran; a suppression of a code that did not run is not reported as unused
    (default: every code ran).  Results are sorted by place.
    """
    sups = list(suppressions)
    used: set[tuple[int, str]] = set()  # (suppression index, code or "*")
    kept: list[Violation] = []
    suppressed: list[Violation] = []
    # comments can only match on their own (path, target line): index them
    by_line: dict[tuple[str, int], list[int]] = {}
    spec_idx: list[int] = []
    for i, s in enumerate(sups):
        if s.kind == "comment":
            if s.target_line is not None:
                by_line.setdefault((s.place.path, s.target_line), []).append(i)
        else:
            spec_idx.append(i)
    for v in violations:
        hit = False
        for i in by_line.get((v.place.path, v.place.line), []) + spec_idx:
            s = sups[i]
            if s.matches(v):
                hit = True
                used.add((i, "*" if s.all_codes else v.code))
        (suppressed if hit else kept).append(v)

    def is_known_code(code: str) -> bool:
        return code in known if known is not None else is_known(code)

    unused: list[UnusedSuppression] = []
    for i, s in enumerate(sups):
        if s.all_codes:
            if (i, "*") not in used:
                unused.append(UnusedSuppression(s, None, "unused"))
            continue
        for code in sorted(s.codes):
            if not is_known_code(code):
                unused.append(UnusedSuppression(s, code, "unknown"))
            elif (i, code) not in used and (active is None or code in active):
                unused.append(UnusedSuppression(s, code, "unused"))
    kept.sort(key=lambda v: v.key)
    suppressed.sort(key=lambda v: v.key)
    unused.sort(key=lambda u: u.key)
    return SuppressionResult(kept, suppressed, unused)
