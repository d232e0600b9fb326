"""Loading the delivery inputs: each file checked against its JSON Schema, then made records.

Reading and checking one file is :mod:`.documents`.  A file that does not parse or validate
raises :class:`DeliveryError` listing every problem with its line; a file that is absent
loads as no records with ``present=False``, and the gate that needs it says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generic, Iterator, TypeVar

from ..paths import shown_path
from ..score.source import item_line, line_of
from .documents import read_document, validate
from .errors import DeliveryError, Finding
from .records import (
    Deployment,
    DeploymentStatus,
    FeedbackRecord,
    Hypothesis,
    Incident,
    Measurement,
    ResearchRecord,
    RoadmapItem,
)
from .settings import DeliverySettings
from .timeutil import parse_days, parse_time

__all__ = [
    "Loaded",
    "load_deployments",
    "load_feedback",
    "load_flag_document",
    "load_hypotheses",
    "load_incidents",
    "load_measurements",
    "load_research",
    "load_roadmap",
    "parse_deployment",
]

_RECORD_SUFFIXES = (".yaml", ".yml", ".json")
T = TypeVar("T")
#: one raw record (its file shown as, its line, the findings so far) to a record, or None when it is bad
Maker = Callable[[dict[str, Any], str, int, list[Finding]], T | None]


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """The records of one input, where they came from, and whether the file was there."""

    records: tuple[T, ...]
    path: Path
    present: bool

    def __iter__(self) -> Iterator[T]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def _document(settings: DeliverySettings, name: str, schema_name: str) -> tuple[Any, Path, str] | None:
    path = settings.path(name)
    if not path.is_file():
        return None
    display = shown_path(path, settings.root)
    data = read_document(path, display)
    findings = validate(data, schema_name, display)
    if findings:
        raise DeliveryError("inputs", findings)
    return data, path, display


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _RECORD_SUFFIXES)
    return []


def _timestamp(value: Any, display: str, line: int, field: str, findings: list[Finding]) -> Any:
    """``value`` as a zoned datetime; else None, with a finding naming ``field`` at ``line``."""
    try:
        return parse_time(value)
    except ValueError as exc:
        findings.append(
            Finding(f"{field}: {exc}", display, line, "use ISO 8601 with a zone, e.g. 2024-05-01T10:00:00Z")
        )
        return None


def _records_from_file_or_folder(settings: DeliverySettings, name: str, make: Maker[T]) -> Loaded[T]:
    """Records of a file-or-folder input (research, feedback): one record or a list per file."""
    path = settings.path(name)
    records: list[T] = []
    findings: list[Finding] = []
    for file in _files(path):
        display = shown_path(file, settings.root)
        data = read_document(file, display)
        problems = validate(data, name, display)
        if problems:
            findings.extend(problems)
            continue
        items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items):
            line = item_line(items, index, line_of(item, 1)) if isinstance(data, list) else line_of(item, 1)
            record = make(item, display, line, findings)
            if record is not None:
                records.append(record)
    if findings:
        raise DeliveryError("inputs", findings)
    return Loaded(tuple(records), path, path.exists())


def _records_from_file(settings: DeliverySettings, name: str, make: Maker[T], key: str | None = None) -> Loaded[T]:
    """Items of a one-file input (the document a list, or the list under ``key``), each made by ``make``."""
    doc = _document(settings, name, name)
    if doc is None:
        return Loaded((), settings.path(name), False)
    data, path, display = doc
    listed = data[key] if key else data
    records: list[T] = []
    findings: list[Finding] = []
    for index, raw in enumerate(listed):
        record = make(raw, display, item_line(listed, index), findings)
        if record is not None:
            records.append(record)
    if findings:
        raise DeliveryError("inputs", findings)
    return Loaded(tuple(records), path, True)


def load_roadmap(settings: DeliverySettings) -> Loaded[RoadmapItem]:
    seen: dict[str, int] = {}

    def make(raw: dict[str, Any], display: str, line: int, findings: list[Finding]) -> RoadmapItem:
        if raw["id"] in seen:
            findings.append(
                Finding(
                    f"item id {raw['id']!r} is used twice (first on line {seen[raw['id']]})",
                    display,
                    line,
                    "give every roadmap item its own id",
                )
            )
        seen.setdefault(raw["id"], line)
        wsjf = raw.get("wsjf") or {}
        return RoadmapItem(
            id=raw["id"],
            title=raw["title"],
            status=raw["status"],
            business_value=wsjf.get("business_value"),
            time_criticality=wsjf.get("time_criticality"),
            risk_reduction=wsjf.get("risk_reduction"),
            job_size=wsjf.get("job_size"),
            feature=raw.get("feature"),
            flag=raw.get("flag"),
            line=line,
        )

    return _records_from_file(settings, "roadmap", make, key="items")


def load_hypotheses(settings: DeliverySettings) -> Loaded[Hypothesis]:
    def make(raw: dict[str, Any], display: str, line: int, findings: list[Finding]) -> Hypothesis:
        start = _timestamp(raw["start"], display, line, "start", findings) if raw.get("start") else None
        return Hypothesis(
            id=raw["id"],
            feature=raw["feature"],
            metric=raw["metric"],
            target=float(raw["target"]),
            window_days=parse_days(raw["window"]),
            direction=raw.get("direction", "at_least"),
            statement=raw.get("statement"),
            start=start,
            line=line,
        )

    return _records_from_file(settings, "hypotheses", make)


def load_research(settings: DeliverySettings) -> Loaded[ResearchRecord]:
    def make(raw: dict[str, Any], display: str, line: int, findings: list[Finding]) -> ResearchRecord | None:
        when = _timestamp(raw["date"], display, line, "date", findings)
        features = tuple(raw.get("features") or ()) + ((raw["feature"],) if raw.get("feature") else ())
        roles = tuple(str(p["role"]).strip().lower() for p in raw["participants"])
        return (
            None if when is None else ResearchRecord(raw["id"], features, when, roles, raw.get("method"), display, line)
        )

    return _records_from_file_or_folder(settings, "research", make)


def load_feedback(settings: DeliverySettings) -> Loaded[FeedbackRecord]:
    def make(raw: dict[str, Any], display: str, line: int, findings: list[Finding]) -> FeedbackRecord | None:
        when = _timestamp(raw["date"], display, line, "date", findings)
        return (
            None
            if when is None
            else FeedbackRecord(raw["kind"], int(raw["score"]), when, raw.get("feature"), raw.get("id"), display, line)
        )

    return _records_from_file_or_folder(settings, "feedback", make)


def load_measurements(settings: DeliverySettings) -> Loaded[Measurement]:
    def make(raw: dict[str, Any], display: str, line: int, findings: list[Finding]) -> Measurement | None:
        when = _timestamp(raw["measured_at"], display, line, "measured_at", findings)
        return (
            None
            if when is None
            else Measurement(raw["metric"], float(raw["value"]), when, raw.get("feature"), raw.get("source"), line)
        )

    return _records_from_file(settings, "measurements", make)


def parse_deployment(raw: dict[str, Any], display: str = "<deployment>", line: int = 0) -> Deployment:
    """One deployment from its GitHub Deployments shape; DeliveryError when it does not fit."""
    findings = validate(raw, "deployment", display, line_offset=line)
    if findings:
        raise DeliveryError("inputs", findings)
    created = _timestamp(raw["created_at"], display, line, "created_at", findings)
    statuses = []
    for status in raw["statuses"]:
        at = _timestamp(status["created_at"], display, line, "statuses/created_at", findings)
        if at is not None:
            statuses.append(DeploymentStatus(status["state"], at, status.get("description")))
    if findings:
        raise DeliveryError("inputs", findings)
    return Deployment(
        id=str(raw["id"]),
        sha=raw["sha"].lower(),
        environment=raw["environment"],
        created_at=created,
        statuses=tuple(statuses),
        ref=raw.get("ref"),
        description=raw.get("description"),
        payload=dict(raw.get("payload") or {}),
        line=line,
    )


def load_deployments(settings: DeliverySettings) -> Loaded[Deployment]:
    """``deployments.jsonl``: one deployment per line; blank lines are allowed."""
    path = settings.path("deployments")
    if not path.is_file():
        return Loaded((), path, False)
    display = shown_path(path, settings.root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeliveryError(
            "inputs", [Finding(f"cannot read: {exc}", display, 0, "save it as UTF-8 JSON lines")]
        ) from exc
    items: list[Deployment] = []
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            findings.append(
                Finding(f"not JSON: {exc.msg} (column {exc.colno})", display, number, "write one JSON object per line")
            )
            continue
        try:
            deployment = parse_deployment(raw, display, number)
        except DeliveryError as exc:
            findings.extend(exc.findings)
            continue
        if deployment.id in seen:
            findings.append(
                Finding(
                    f"deployment id {deployment.id!r} is used twice (first on line {seen[deployment.id]})",
                    display,
                    number,
                    "give every deployment its own id",
                )
            )
        seen.setdefault(deployment.id, number)
        items.append(deployment)
    if findings:
        raise DeliveryError("inputs", findings)
    return Loaded(tuple(items), path, True)


def load_incidents(settings: DeliverySettings) -> Loaded[Incident]:
    def make(raw: dict[str, Any], display: str, line: int, findings: list[Finding]) -> Incident | None:
        opened = _timestamp(raw["opened_at"], display, line, "opened_at", findings)
        resolved = (
            _timestamp(raw["resolved_at"], display, line, "resolved_at", findings) if raw.get("resolved_at") else None
        )
        if opened and resolved and resolved < opened:
            findings.append(
                Finding(
                    f"incident {raw['id']}: resolved_at is before opened_at",
                    display,
                    line,
                    "fix one of the two timestamps",
                )
            )
        if opened is None:
            return None
        return Incident(
            id=str(raw["id"]),
            opened_at=opened,
            severity=str(raw["severity"]).lower(),
            resolved_at=resolved,
            root_cause=(raw.get("root_cause") or None) and raw["root_cause"].lower(),
            deployment=None if raw.get("deployment") is None else str(raw["deployment"]),
            title=raw.get("title"),
            line=line,
        )

    return _records_from_file(settings, "incidents", make)


def load_flag_document(settings: DeliverySettings, path: Path | None = None) -> tuple[dict[str, Any], Path]:
    """The flagd flags file as data (validated); DeliveryError when absent or invalid."""
    path = Path(path) if path is not None else settings.path("flags")
    display = shown_path(path, settings.root)
    if not path.is_file():
        raise DeliveryError(
            "inputs",
            [
                Finding(
                    "no flags file",
                    display,
                    0,
                    "create it in the flagd format (see docs/delivery.md), or set [tool.symphony.delivery] flags",
                )
            ],
        )
    data = read_document(path, display)
    findings = validate(data, "flags", display)
    if findings:
        raise DeliveryError("inputs", findings)
    return data, path
