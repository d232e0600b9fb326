"""Spec files to positioned data: bytes, text, and the parse every reader shares.

``read_source`` turns a path into a :class:`Source`: the file's bytes, and either the
top-level mapping or the problems that stopped it.  The data is positioned
(:mod:`.positions`): mappings are :class:`Located`, lists :class:`LocatedList`, each with
its line, column and text span and the spans of its members or items.  Nothing here
raises for bad input: an unreadable, oversized, non-UTF-8, empty or malformed file gives
a :class:`~pytest_symphony.score.model.SpecProblem` with the line and column to look at.

JSON is parsed by :mod:`.json_parse`, YAML by :mod:`.yaml_parse`.  A text is parsed once
per session whoever asks (:mod:`.cache`): :func:`parse_checked` for what a spec may hold,
:func:`parse_data` for other readers of spec-like files (the fixer, registries).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from json.decoder import JSONDecodeError
from typing import Any

import yaml

from . import cache, integrity
from .json_parse import SourceFloat, parse_json, parse_json_scanner
from .model import SpecProblem
from .positions import Located, LocatedList, item_line, line_of
from .yaml_parse import ALIAS_EXPANSION_LIMIT, Stop, kind, parse_yaml

#: Spec file suffixes this package loads.
SPEC_SUFFIXES: tuple[str, ...] = (".json", ".yaml", ".yml")

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Source:
    """One spec file read and parsed: ``data`` is the top-level mapping, or None.

    ``sha256`` is the hash of ``content`` (empty when the file could not be read); a
    parsed file also gives its ``text``, format (``fmt``) and the hash the parse is
    cached by (``text_sha256``: that of the text without a byte-order mark).
    """

    path: str
    content: bytes
    data: Located | None
    problems: tuple[SpecProblem, ...] = ()
    sha256: str = ""
    text: str = ""
    fmt: str = ""
    text_sha256: str = ""


# ---------------------------------------------------------------------------- reading


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _too_big(size: int, limit: int) -> str:
    return (
        f"file is {_size(size)}, over the {_size(limit)} limit for spec files (ini symphony_max_spec_bytes); split it"
    )


def read_bytes(path: str | os.PathLike[str], display: str, max_bytes: int) -> tuple[bytes | None, SpecProblem | None]:
    """The file's bytes, refusing (by its size, before reading) anything over ``max_bytes``."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            return None, SpecProblem(display, f"cannot read the spec file: it is {what}")
        if st.st_size > max_bytes:
            return None, SpecProblem(display, _too_big(st.st_size, max_bytes))
        with open(path, "rb") as f:
            content = f.read(max_bytes + 1)  # a file that grew since the stat stops here too
    except OSError as e:
        reason = e.strerror or type(e).__name__
        return None, SpecProblem(display, f"cannot read the spec file: {reason}")
    if len(content) > max_bytes:
        return None, SpecProblem(display, _too_big(len(content), max_bytes))
    return content, None


def decode(content: bytes, display: str) -> tuple[str | None, SpecProblem | None]:
    """Strict UTF-8 (a BOM is accepted and dropped), else where the first bad byte is."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, SpecProblem(display, "file is UTF-16 encoded; save the file as UTF-8", 1, 1)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        start = e.start
        line = content.count(b"\n", 0, start) + 1
        line_start = content.rfind(b"\n", 0, start) + 1
        bom = 3 if line == 1 and content.startswith(b"\xef\xbb\xbf") else 0
        column = len(content[line_start + bom : start].decode("utf-8", "replace")) + 1
        bad = content[start]
        return None, SpecProblem(
            display,
            f"file is not valid UTF-8 (byte 0x{bad:02x} at line {line}, column {column}); save the file as UTF-8",
            line,
            column,
        )
    return text, None


# ---------------------------------------------------------------------------- entry


def _yaml_problem(display: str, e: yaml.YAMLError, text: str) -> SpecProblem:
    problem = getattr(e, "problem", None)
    if isinstance(e, yaml.reader.ReaderError):  # a character YAML forbids
        char = e.character
        code = ord(char) if isinstance(char, str) else int(char)
        pos = e.position
        if e.encoding == "?":  # libyaml counts bytes of the UTF-8 text
            pos = len(text.encode("utf-8")[:pos].decode("utf-8", "ignore"))
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return SpecProblem(
            display,
            f"invalid YAML: the control character #x{code:02x} is not allowed; remove it",
            line,
            column,
        )
    if not problem:
        return SpecProblem(display, " ".join(f"invalid YAML: {e}".split()))
    message = f"invalid YAML: {problem}"
    context, cmark = getattr(e, "context", None), getattr(e, "context_mark", None)
    if context:
        message += f" ({context}" + (f" at line {cmark.line + 1})" if cmark is not None else ")")
    mark = getattr(e, "problem_mark", None) or cmark
    if mark is None:
        return SpecProblem(display, message)
    return SpecProblem(display, message, mark.line + 1, mark.column + 1)


def parse_text(text: str, display: str, fmt: str) -> tuple[Any, SpecProblem | None]:
    """Parse ``text`` as "json" or "yaml"; (data, None) or (None, the first problem)."""
    data, problems = parse_checked(text, display, fmt)
    return data, (problems[0] if problems else None)


def parse_checked(
    text: str, display: str, fmt: str, *, sha256: str | None = None
) -> tuple[Any, tuple[SpecProblem, ...]]:
    """Parse ``text`` as "json" or "yaml" and hold it to what a spec may contain.

    (data, ()) or (None, problems): a syntax error, or every duplicate key, a lone
    surrogate, an integer beyond 64 bits (see :mod:`.integrity`).  Parsed once per text
    (``sha256``: the text's hash, when the caller has it).
    """
    key = _parse_key(fmt, sha256 or cache.digest(text))
    data, problems = cache.parses.get(key, lambda: _parse_checked(str(text), fmt), len(text))
    if problems:
        problems = tuple(replace(p, path=display) for p in problems)
    return data, problems


def release_parse(source: Source) -> None:
    """Let the shared cache go of ``source``'s parse: its readers keep what they hold, and a
    later one parses the text again (:class:`~.documents.SpecText`)."""
    cache.parses.discard(_parse_key(source.fmt, source.text_sha256))


def _parse_key(fmt: str, sha256: str, *, checked: bool = True) -> tuple[str, bool, str]:
    """The cache key of a text's parse: checked (what the spec loader reads), or loose (the
    fallback of :func:`parse_data`)."""
    return (fmt, checked, sha256)


def parse_data(text: str, fmt: str) -> Any:
    """The data a spec-like text holds, as any reader but the spec loader sees it (a key
    written twice: the last wins; integers of any size).  Raises what the parsers raise.

    Shares the spec loader's parse of the same text when that one found nothing amiss.
    """
    text = str(text)  # an exact str: libyaml's reader refuses subclasses
    sha256 = cache.digest(text)
    data, problems = cache.parses.get(_parse_key(fmt, sha256), lambda: _parse_checked(text, fmt), len(text))
    if not problems:
        return data
    return cache.parses.get(_parse_key(fmt, sha256, checked=False), lambda: _parse_loose(text, fmt), len(text))


def _parse_loose(text: str, fmt: str) -> Any:
    return parse_json(text) if fmt == "json" else parse_yaml(text)


def _parse_checked(text: str, fmt: str) -> tuple[Any, tuple[SpecProblem, ...]]:
    """The parse itself; its problems name no file (the caller's display is put in)."""
    display = ""
    findings: list[integrity.Finding] = []
    try:
        data = parse_json(text, findings) if fmt == "json" else parse_yaml(text, findings)
    except JSONDecodeError as e:
        return None, (SpecProblem(display, _json_message(e), e.lineno, e.colno),)
    except integrity.IntegerOutOfRange as e:
        line, column = integrity.locate_number(text, e.text)
        return None, (SpecProblem(display, str(e), line, column),)
    except Stop as e:
        return None, (SpecProblem(display, e.message, e.line, e.column),)
    except yaml.YAMLError as e:
        return None, (_yaml_problem(display, e, text),)
    except RecursionError:
        return None, (SpecProblem(display, f"invalid {fmt.upper()}: nested too deeply; flatten the file"),)
    except (ValueError, TypeError, OverflowError, MemoryError) as e:
        return None, (SpecProblem(display, f"invalid {fmt.upper()}: {e}"),)
    if findings:
        findings.sort(key=lambda f: (f.line, f.column))
        return None, tuple(SpecProblem(display, f.message, f.line, f.column) for f in findings)
    return data, ()


def _json_message(e: JSONDecodeError) -> str:
    """The decoder's whole message: "Unterminated string starting at line 3 column 9", never "... at"."""
    where = f"line {e.lineno} column {e.colno}"
    if e.msg.endswith(" at"):
        return f"invalid JSON: {e.msg} {where}"
    return f"invalid JSON: {e.msg} at {where}"


def format_of(path: str | os.PathLike[str], text: str) -> str:
    """ "json" or "yaml" by suffix; by the first character for any other suffix."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def read_source(path: str | os.PathLike[str], *, display: str, max_bytes: int) -> Source:
    """Read, decode and parse one spec file; never raises for bad input."""
    content, problem = read_bytes(path, display, max_bytes)
    if content is None:
        return Source(display, b"", None, (problem,) if problem else ())
    return source_of(path, content, display)


def source_of(path: str | os.PathLike[str], content: bytes, display: str, sha256: str | None = None) -> Source:
    """:func:`read_source` for bytes already read from ``path`` (``sha256``: their hash)."""
    sha256 = sha256 or cache.digest(content)
    text, problem = decode(content, display)
    if text is None:
        return Source(display, content, None, (problem,) if problem else (), sha256)
    if not text.strip():
        return Source(display, content, None, (SpecProblem(display, _EMPTY, 1, 1),), sha256)
    text_sha = sha256 if not content.startswith(_BOM) else cache.digest(content[len(_BOM) :])
    fmt = format_of(path, text)
    data, problems = parse_checked(text, display, fmt, sha256=text_sha)
    if problems:
        return Source(display, content, None, problems, sha256)
    if data is None:  # a YAML file of comments only
        return Source(display, content, None, (SpecProblem(display, _EMPTY, 1, 1),), sha256)
    if not isinstance(data, Located):  # the parsers make every mapping one
        line, col = getattr(data, "line", 1), getattr(data, "col", 1)
        message = (
            f"the top level is {kind(data)}; a spec is a mapping with an id and movements (id: ..., movements: [...])"
        )
        return Source(display, content, None, (SpecProblem(display, message, line or 1, col or 1),), sha256)
    return Source(display, content, data, (), sha256, text, fmt, text_sha)


_EMPTY = "file is empty: a spec needs at least an id and movements"

__all__ = [
    "ALIAS_EXPANSION_LIMIT",
    "Located",
    "LocatedList",
    "SourceFloat",
    "SPEC_SUFFIXES",
    "Source",
    "item_line",
    "line_of",
    "parse_checked",
    "parse_data",
    "parse_json",
    "parse_json_scanner",
    "parse_text",
    "parse_yaml",
    "read_source",
    "source_of",
]
