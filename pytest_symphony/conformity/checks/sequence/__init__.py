"""Sequence: counts and numbering, handlers and sub-sequences that resolve, events,
timing, dynamics and musical metadata of each sequence.

One category, three concerns: :mod:`.counts`, :mod:`.references`, :mod:`.timing`
(a check's category is the name of this package, see :mod:`..base`).
"""

from .counts import (
    BeatCountMismatch,
    BeatNumberingGap,
    DuplicateBeatId,
    EmptyMovement,
    MovementCountMismatch,
)
from .references import (
    HandlerNotFound,
    InvalidEventReference,
    SubsequenceNotFound,
    UnusedEvent,
)
from .timing import (
    InvalidDynamics,
    InvalidTiming,
    MusicalMetadataInvalid,
    TimingConstraintViolated,
)

CHECKS = [
    BeatCountMismatch,
    MovementCountMismatch,
    EmptyMovement,
    DuplicateBeatId,
    BeatNumberingGap,
    HandlerNotFound,
    SubsequenceNotFound,
    InvalidEventReference,
    UnusedEvent,
    TimingConstraintViolated,
    InvalidTiming,
    InvalidDynamics,
    MusicalMetadataInvalid,
]
