"""Traceability: acceptance criteria, the Gherkin scenarios linked to beats, their steps'
definitions, feature narratives, and beats' links to tests.

One category, three concerns: :mod:`.scenarios`, :mod:`.stories`, :mod:`.testlinks`
(a check's category is the name of this package, see :mod:`..base`).
"""

from .scenarios import BddSpecMissing, OrphanedScenario, ScenarioIncomplete, StepDefinitionMissing
from .stories import AcceptanceCriteriaMissing, FeatureNarrativeMissing
from .testlinks import TestLinkBroken

CHECKS = [
    BddSpecMissing,
    StepDefinitionMissing,
    ScenarioIncomplete,
    FeatureNarrativeMissing,
    AcceptanceCriteriaMissing,
    TestLinkBroken,
    OrphanedScenario,
]
