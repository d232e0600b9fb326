"""Dynamics: how loud a run is.  pp < p < mf < f < ff.

A beat or movement may declare the level it needs; a run at a quieter level
deselects it.  ``pp`` runs no handler at all: each beat only proves that its
handler resolves and its fixtures exist.
"""

from __future__ import annotations

from typing import TypeGuard

from ..score.levels import DYNAMICS
from ..score.model import Beat, Movement

DEFAULT = "mf"
_RANK = {name: i for i, name in enumerate(DYNAMICS)}


def is_dynamic(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value in _RANK


def required(beat: Beat, movement: Movement) -> str | None:
    """The level a beat needs: its own marking, else its movement's; unknown markings need nothing."""
    for value in (beat.dynamics, movement.dynamics):
        if is_dynamic(value):
            return value
    return None


def allows(chosen: str, needed: str | None) -> bool:
    return needed is None or _RANK[needed] <= _RANK[chosen]


def at_least(chosen: str, level: str) -> bool:
    return _RANK[chosen] >= _RANK[level]
