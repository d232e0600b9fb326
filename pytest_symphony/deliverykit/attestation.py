"""Beat 6's evidence: an in-toto Statement v1 with an SLSA v1 provenance predicate per build.

The statement's subjects are the artifacts with their SHA-256 digests; its predicate
says what was built (the git commit, the build pipeline, ``SOURCE_DATE_EPOCH``), by whom
(the builder id) and when.  :func:`verify_provenance` recomputes every digest from the
files: a statement whose digests do not match the artifacts fails the beat.
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..paths import shown_path
from .. import __version__
from ..buildkit.artifacts import sha256_file
from ..buildkit.files import canonical_json, write_atomic
from . import git
from .documents import validate
from .errors import DeliveryError, Finding
from .settings import DeliverySettings
from .timeutil import iso, utc_now

__all__ = ["BUILD_TYPE", "ProvenanceResult", "provenance", "source_date_epoch", "verify_provenance"]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://pytest-symphony.dev/delivery/build/v1"
BUILDER_ID = f"https://pytest-symphony.dev/builder/local@{__version__}"


def source_date_epoch(root: Path, rev: str = "HEAD") -> int:
    """The committer time of ``rev`` in seconds: the ``SOURCE_DATE_EPOCH`` of a reproducible build."""
    return int(git.git(root, "show", "-s", "--format=%ct", rev).strip())


@dataclass(frozen=True)
class ProvenanceResult:
    path: Path
    statement: dict[str, Any]
    subjects: Mapping[str, str]  #: artifact name -> sha256

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "subjects": dict(self.subjects)}


def _remote(root: Path) -> str:
    url = git.git(root, "config", "--get", "remote.origin.url", check=False).strip()
    return f"git+{url}" if url else f"git+file://{Path(root).resolve().as_posix()}"


def provenance(
    settings: DeliverySettings,
    artifacts: Sequence[Path],
    out: Path,
    *,
    rev: str = "HEAD",
    invocation_id: str | None = None,
    started_on: datetime | None = None,
    finished_on: datetime | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ProvenanceResult:
    """Write the statement for ``artifacts`` to ``out`` (atomically), then verify it against the files."""
    files = [Path(a) for a in artifacts]
    missing = [f for f in files if not f.is_file()]
    if not files:
        raise DeliveryError("provenance", [Finding("no artifacts to attest", None, 0, "run the build first")])
    if missing:
        raise DeliveryError(
            "provenance", [Finding(f"artifact {f} does not exist", None, 0, "run the build first") for f in missing]
        )
    commit = git.resolve(settings.root, rev)
    if commit is None:
        raise DeliveryError("provenance", [Finding(f"{rev!r} is not a commit", str(settings.root), 0, "commit first")])
    subjects = {f.name: sha256_file(f) for f in files}
    epoch = source_date_epoch(settings.root, commit)
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": digest}} for name, digest in sorted(subjects.items())],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "source": {"uri": _remote(settings.root), "digest": {"gitCommit": commit}},
                    **dict(parameters or {}),
                },
                "internalParameters": {
                    "SOURCE_DATE_EPOCH": epoch,
                    "python": platform.python_version(),
                    "platform": sys.platform,
                },
                "resolvedDependencies": [{"uri": _remote(settings.root), "digest": {"gitCommit": commit}}],
            },
            "runDetails": {
                "builder": {"id": BUILDER_ID},
                "metadata": {
                    "invocationId": invocation_id or f"{commit[:12]}-{epoch}",
                    "startedOn": iso(started_on or utc_now()),
                    "finishedOn": iso(finished_on or utc_now()),
                },
            },
        },
    }
    write_atomic(out, canonical_json(statement))
    verify_provenance(out, files, root=settings.root)
    return ProvenanceResult(Path(out), statement, subjects)


def verify_provenance(
    statement: Path | Mapping[str, Any], artifacts: Sequence[Path], *, root: Path | None = None
) -> dict[str, str]:
    """Check the statement's shape and that every artifact is a subject whose digest matches the file.

    Returns name -> sha256; raises DeliveryError listing every mismatch.
    """
    display = shown_path(statement, root) if isinstance(statement, Path) else "<statement>"
    if isinstance(statement, Path):
        try:
            data = json.loads(statement.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DeliveryError(
                "provenance", [Finding(f"unreadable statement: {exc}", display, 0, "run the build beat again")]
            ) from exc
    else:
        data = dict(statement)
    findings = validate(data, "provenance", display)
    if findings:
        raise DeliveryError("provenance", findings)
    recorded = {s["name"]: s["digest"]["sha256"] for s in data["subject"]}
    actual = {}
    for artifact in map(Path, artifacts):
        if not artifact.is_file():
            findings.append(
                Finding(f"artifact {artifact.name} is missing", shown_path(artifact, root), 0, "rebuild it")
            )
            continue
        actual[artifact.name] = digest = sha256_file(artifact)
        if artifact.name not in recorded:
            findings.append(
                Finding(
                    f"artifact {artifact.name} is not a subject of the statement",
                    display,
                    0,
                    "attest every artifact the build produced",
                )
            )
        elif recorded[artifact.name] != digest:
            findings.append(
                Finding(
                    f"artifact {artifact.name}: sha256 {digest} does not match the statement's "
                    f"{recorded[artifact.name]}",
                    display,
                    0,
                    "the file changed after the build: rebuild and attest it again",
                )
            )
    for name in sorted(set(recorded) - {Path(a).name for a in artifacts}):
        findings.append(
            Finding(
                f"subject {name} is not among the artifacts", display, 0, "pass every attested artifact, or rebuild"
            )
        )
    if findings:
        raise DeliveryError("provenance", findings)
    return actual
