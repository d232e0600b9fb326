"""Where scaffolded scenarios go, and which sequences can have them.

One rule for ``--symphony-scaffold``, the BDD_SPEC_MISSING fix and the detection that
names the fix's destination: a sequence's scenarios go to the feature it already has in
any configured features folder, else to a new ``<slug of its id>.feature`` in the folder
nearest its spec; a sequence id that a ``@beat:<id>/<beat>`` tag cannot carry gets none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import shown_path
from ..score.normalize import slugify
from ..score.links import LINK_TAG

__all__ = [
    "link_problem",
    "duplicate_problem",
    "feature_name",
    "FeatureIndex",
    "feature_home",
    "existing_features",
    "linked_sequences",
]

#: What a sequence id cannot hold to be written in a ``@beat:<id>/<beat>`` tag.
_TAG_BREAKING = re.compile(r"[\s@#/\x00-\x1f\x7f]")
#: A link tag's sequence id, as scaffolding writes it.
_LINKED = re.compile(rf"@{LINK_TAG}:([^\s/@#]+)")


def link_problem(sequence_id: str) -> str | None:
    """Why no scenario can be linked to the sequence by a tag (None: it can)."""
    if not sequence_id or _TAG_BREAKING.search(sequence_id):
        return (
            f"sequence id {sequence_id!r} holds a blank, a control character, '@', '#' or '/', which a @{LINK_TAG}:<sequence-id>/<beat> "
            "tag cannot carry: rename the sequence, or link scenarios by the beats' `scenario` field"
        )
    return None


def duplicate_problem(sequence_id: str) -> str:
    """Why no scenario is scaffolded for a sequence whose id more than one spec declares."""
    return (
        f"sequence id '{sequence_id}' is declared by more than one spec: a scenario linked to it would be "
        "ambiguous (fix DUPLICATE_SEQUENCE_ID first)"
    )


def feature_name(sequence_id: str) -> str:
    """The file name of a new feature for a sequence: its id's slug (never a path)."""
    return f"{slugify(sequence_id) or 'sequence'}.feature"


@dataclass
class FeatureIndex:
    """Existing features by file name and by the sequences they link to (the first of each,
    in path order): where a sequence's scenarios go, looked up in constant time."""

    by_name: dict[str, str] = field(default_factory=dict)
    by_sequence: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, features: list[tuple[str, set[str]]]) -> "FeatureIndex":
        index = cls()
        for rel, linked in sorted(features):
            index.by_name.setdefault(rel.rsplit("/", 1)[-1], rel)
            for sequence_id in linked:
                index.by_sequence.setdefault(sequence_id, rel)
        return index


def feature_home(
    sequence_id: str, spec_path: str, folders: list[str], features: "FeatureIndex | list[tuple[str, set[str]]]"
) -> str:
    """Where a sequence's scenarios go, as a path relative to the rootdir.

    ``folders``: the configured features folders (relative, in ini order); ``features``:
    every feature file under them (relative path, the sequence ids it links to by tag), or
    their :class:`FeatureIndex`.  The sequence's own feature, in any folder, comes first:
    one named after its id (or its slug), else the first that links to it.  Failing that,
    a new file named after the id's slug, in the configured folder nearest its spec (the
    most path components in common; the first on a tie).
    """
    index = features if isinstance(features, FeatureIndex) else FeatureIndex.of(features)
    for name in (f"{sequence_id}.feature", feature_name(sequence_id)):
        if name in index.by_name:
            return index.by_name[name]
    if sequence_id in index.by_sequence:
        return index.by_sequence[sequence_id]
    spec_parts = spec_path.split("/")[:-1]

    def shared(folder: str) -> int:
        parts = [p for p in folder.strip("/").split("/") if p not in ("", ".")]
        n = 0
        while n < min(len(parts), len(spec_parts)) and parts[n] == spec_parts[n]:
            n += 1
        return n

    folders = [f.strip("/") or "." for f in folders] or ["features"]
    best = max(folders, key=lambda f: (shared(f), -folders.index(f)))
    return f"{best}/{feature_name(sequence_id)}" if best != "." else feature_name(sequence_id)


def existing_features(roots: list[Path], root: Path) -> list[tuple[str, set[str]]]:
    """(path relative to ``root``, sequence ids linked by tag) of every feature under ``roots``."""
    found: list[tuple[str, set[str]]] = []
    seen: set[Path] = set()
    for folder in roots:
        for path in sorted(folder.rglob("*.feature")) if folder.is_dir() else ():
            if path in seen:
                continue
            seen.add(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            found.append((shown_path(path, root), linked_sequences(text)))
    return found


def linked_sequences(text: str) -> set[str]:
    """The sequence ids a feature's text links to by ``@beat:`` tags."""
    return set(_LINKED.findall(text))
