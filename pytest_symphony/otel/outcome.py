"""What an export did: the one value the exporter process hands back to the pytest run.

Plain data (no SDK import): the controller reads it from the exporter process's output
for the terminal summary and the warning.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class ExportOutcome:
    endpoint: str = ""
    traces: list[tuple[str, str]] = field(default_factory=list)  # (trace id, sequence) of each root run
    spans: int = 0  # spans built
    exported: int = 0  # spans the collector took
    metrics: int = 0  # gauges
    joined: str | None = None  # the TRACEPARENT trace id the runs joined
    problem: str | None = None  # why something was not exported
    off: str | None = None  # the standard switch that turned export off
    cpu_seconds: float = 0.0  # the exporter process's own CPU time, spent beside the run
    #: configuration problems that did not stop the export: (the environment variable at fault, what is wrong)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ExportOutcome":
        data = json.loads(text)
        outcome = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        outcome.traces = [tuple(t) for t in outcome.traces]  # type: ignore[misc]
        outcome.notes = [tuple(n) for n in outcome.notes]  # type: ignore[misc]
        return outcome
