"""The metadata of built distributions, checked the way ``twine check --strict`` does.

The core metadata (a wheel's ``METADATA``, an sdist's ``PKG-INFO``) is parsed and
validated by :mod:`packaging.metadata` (required fields, known versions, valid values),
and the long description is rendered by ``readme_renderer``, the renderer PyPI uses:
reStructuredText that would not render is an error.  A missing long description or
content type is a warning, which fails the check when it is strict, as with twine.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path, PurePosixPath
from typing import Any

from pytest_symphony.errors import SymphonyError

__all__ = ["MetadataCheck", "MetadataProblems", "check_metadata", "read_core_metadata"]

#: Content types whose rendering cannot fail (twine's view): no renderer is run.
_NEVER_FAILS = frozenset({"text/plain", "text/markdown"})
_DOCUTILS_REPORT = re.compile(r"^<string>:(?P<line>\d*): \((?P<level>[A-Z]+)/\d\) (?P<message>.*)", re.M)


class MetadataProblems(SymphonyError):
    """One or more built distributions would be refused or shown broken by PyPI."""


@dataclass
class MetadataCheck:
    artifact: Path
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def failed(self, strict: bool) -> bool:
        return bool(self.errors or (strict and self.warnings))

    def to_json(self) -> dict[str, Any]:
        return {"artifact": self.artifact.name, "errors": list(self.errors), "warnings": list(self.warnings)}


def read_core_metadata(path: Path) -> bytes:
    """The raw core metadata file of a wheel or an sdist; raises ``ValueError`` when there is none."""
    path = Path(path)
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            if len(names) != 1:
                raise ValueError(f"expected one *.dist-info/METADATA, found {len(names)}")
            return zf.read(names[0])
    with tarfile.open(path, "r:gz") as tf:
        for member in tf:
            parts = PurePosixPath(member.name).parts
            if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                return tf.extractfile(member).read()  # type: ignore[union-attr]
    raise ValueError("no PKG-INFO at the top of the sdist")


def _validation_errors(raw_text: str) -> list[str]:
    from packaging.metadata import Metadata, parse_email

    raw, unparsed = parse_email(raw_text)
    errors = [
        f"field {name!r} cannot be parsed: {value!r}"
        for name, value in unparsed.items()
        if name.lower() != "license-file"
    ]  # valid, but only from metadata 2.4 parsers on
    try:
        Metadata.from_raw(raw, validate=True)
    except Exception as exc:  # an ExceptionGroup of InvalidMetadata (a backport on Python 3.10)
        errors += [str(e) for e in getattr(exc, "exceptions", [exc])]
    return errors


def _render_problems(description: str, content_type: str) -> str | None:
    """Why the description would not render on PyPI, or None when it renders."""
    import readme_renderer.rst

    stream = io.StringIO()
    if readme_renderer.rst.render(description, stream=stream) is not None:
        return None
    found = [
        f"line {m['line']}: {m['level'].capitalize()}: {m['message'].strip()}"
        for m in _DOCUTILS_REPORT.finditer(stream.getvalue())
    ]
    return "; ".join(found) or stream.getvalue().strip() or "docutils could not render it"


def check_metadata(path: Path) -> MetadataCheck:
    """Problems (errors and warnings) with one built distribution's core metadata."""
    result = MetadataCheck(Path(path))
    try:
        raw = read_core_metadata(path).decode("utf-8")
    except (OSError, ValueError, zipfile.BadZipFile, tarfile.TarError, UnicodeDecodeError) as exc:
        result.errors.append(f"the core metadata cannot be read: {exc}")
        return result
    result.errors += _validation_errors(raw)
    from email.parser import Parser

    message: Message = Parser().parsestr(raw)
    description = message.get_payload() or message.get("Description") or ""
    content_type = message.get("Description-Content-Type")
    if content_type is None:
        result.warnings.append("`long_description_content_type` missing; defaulting to `text/x-rst`")
        content_type = "text/x-rst"
    mime = content_type.split(";")[0].strip().lower()
    if not str(description).strip() or str(description).strip() == "UNKNOWN":
        result.warnings.append("`long_description` missing (set [project] readme)")
    elif mime not in _NEVER_FAILS:
        problem = _render_problems(str(description), mime)
        if problem:
            result.errors.append(
                f"`long_description` has syntax errors in markup and would not be rendered on PyPI: {problem}"
            )
    return result
