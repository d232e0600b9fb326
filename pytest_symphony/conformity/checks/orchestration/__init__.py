"""Orchestration: spec files load, ids are present and unique, the domain registry, the
build manifest and sub-sequence/package dependencies agree with the specs.

One category in three modules: :mod:`.files`, :mod:`.domains`, :mod:`.packages` (a
check's category is the name of this package, see :mod:`..base`).
"""

from .domains import DomainNotFound, OrphanedDomainReference
from .files import DuplicateSequenceId, SchemaViolation, SequenceIdMissing, SequenceParseError
from .packages import CircularDependency, ManifestMismatch, MetadataMissing

CHECKS = [
    SequenceParseError,
    SchemaViolation,
    SequenceIdMissing,
    DuplicateSequenceId,
    DomainNotFound,
    OrphanedDomainReference,
    CircularDependency,
    ManifestMismatch,
    MetadataMissing,
]
