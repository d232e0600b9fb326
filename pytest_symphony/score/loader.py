"""The public entry: one spec file in, a :class:`LoadResult` out.

``load_spec`` reads (size-checked before reading), decodes, parses with line numbers
(:mod:`.source`), normalizes every known shape (:mod:`.normalize`) and validates the
normalized document against the shipped schema (:mod:`.validate`).  It never raises for
bad input: a file that cannot become a sequence gives ``sequence=None`` and every
problem found, each with file, line, column and (for schema errors) a JSON pointer.

A file is loaded once per session (:mod:`.cache`, keyed by its absolute path and the hash
of its bytes): every later reader gets the same result, under the path it shows.
"""

from __future__ import annotations

import dataclasses
import os

from . import cache
from .documents import RawDocument, SpecText
from .model import LoadResult, SpecProblem
from .normalize import normalize
from .source import SPEC_SUFFIXES, read_bytes, release_parse, source_of
from .validate import validate_sequence

#: Default for the ``symphony_max_spec_bytes`` ini option.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def _stem(path: str | os.PathLike[str]) -> str:
    name = os.path.basename(os.fspath(path))
    for suffix in SPEC_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return os.path.splitext(name)[0]


def load_spec(
    path: str | os.PathLike[str],
    *,
    display_path: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadResult:
    """Load one spec file into a :class:`~pytest_symphony.score.model.Sequence`.

    ``display_path`` (default ``str(path)``) is the path used in messages and as
    ``Sequence.path``.  Never raises for bad input; see :class:`LoadResult`.
    """
    display = display_path if display_path is not None else os.fspath(path)
    try:
        return _load(path, display, max_bytes)
    except Exception as e:  # a bug here must not take collection down with it
        message = f"internal error while loading the spec ({type(e).__name__}: {e}); please report it"
        return LoadResult(display, None, (SpecProblem(display, message),))


def _load(path: str | os.PathLike[str], display: str, max_bytes: int) -> LoadResult:
    content, problem = read_bytes(path, display, max_bytes)
    if content is None:
        return LoadResult(display, None, (problem,) if problem else ())
    sha256 = cache.digest(content)
    made = cache.loads.get(
        (os.path.abspath(path), sha256), lambda: _build(path, content, display, sha256), len(content)
    )
    return _shown(made, display)


def _shown(result: LoadResult, display: str) -> LoadResult:
    """``result`` under the path this reader shows (the sequence and problems alike)."""
    if result.path == display:
        return result

    def moved(problems: tuple[SpecProblem, ...]) -> tuple[SpecProblem, ...]:
        return tuple(dataclasses.replace(p, path=display) for p in problems)

    sequence = result.sequence
    if sequence is not None:
        sequence = dataclasses.replace(sequence, path=display)
    return LoadResult(display, sequence, moved(result.problems), moved(result.warnings))


def _build(path: str | os.PathLike[str], content: bytes, display: str, sha256: str) -> LoadResult:
    source = source_of(path, content, display, sha256)
    if source.data is None:
        return LoadResult(display, None, source.problems)
    document: RawDocument | None = None
    if not cache.keeps_documents():  # the model reaches its raw mappings through the text, not held
        document = SpecText(source.text, source.fmt, source.text_sha256, display)
        release_parse(source)
    sequence, problems = normalize(
        source.data, path=display, stem=_stem(path), content_hash=source.sha256, document=document
    )
    # a place normalize already explained is not reported twice by the schema
    covered = {p.pointer for p in problems if p.pointer is not None}
    warnings = tuple(p for p in problems if p.warning)
    problems = [p for p in problems if not p.warning]
    problems += [p for p in validate_sequence(sequence) if p.pointer not in covered]
    if problems:  # the file fails: its warnings are part of what to mend
        problems += warnings
        problems.sort(key=lambda p: (p.line, p.pointer or "", p.message))
        return LoadResult(display, None, tuple(problems))
    return LoadResult(display, sequence, (), warnings)


__all__ = ["DEFAULT_MAX_BYTES", "SPEC_SUFFIXES", "load_spec"]
