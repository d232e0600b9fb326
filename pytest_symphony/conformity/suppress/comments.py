"""Suppression comments in Python and Gherkin files (``# symphony: ignore[...]``) and
the line each one applies to."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Literal, Sequence

from ..violation import Place
from .suppression import ALL, Suppression, split_codes

_DIRECTIVE = re.compile(r"#\s*symphony:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?")

Language = Literal["python", "gherkin"]


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
                            split_codes(m.group("codes")),
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
                comments.append(_Comment(n, indent + 1, split_codes(m.group("codes")), True))
            continue
        code_lines.append(n)
        if trailing:
            m = _DIRECTIVE.search(line)
            if m:
                comments.append(_Comment(n, m.start() + 1, split_codes(m.group("codes")), False))
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
