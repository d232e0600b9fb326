"""BDD features as first-class pytest items, linked to the beats they check.

``.feature`` files under ini ``symphony_features`` are collected directly (one item per
scenario, per example row), their steps run by pytest-bdd's machinery; a scenario tagged
``@beat:<sequence-id>/<beat>`` runs right after that beat, inside its sequence run.
See docs/bdd.md.
"""

from ..score.links import LINK_TAG

__all__ = ["LINK_TAG"]
