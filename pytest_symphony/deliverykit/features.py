"""Feature files as evidence: name, tags and scenarios of each ``.feature``, read with gherkin-official.

The BDD link rules belong to the runtime; the gates here take the feature files they are
given (:func:`read_features`) and link a roadmap item to a feature by the item's
``feature`` path or by a ``@feature:<item id>`` tag on the Feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..paths import shown_path
from .errors import DeliveryError, Finding

__all__ = ["FeatureDoc", "ScenarioDoc", "discover_features", "read_feature", "read_features"]


@dataclass(frozen=True)
class ScenarioDoc:
    name: str
    line: int
    tags: tuple[str, ...]
    steps: tuple[tuple[str, str], ...]  #: (keyword, text)


@dataclass(frozen=True)
class FeatureDoc:
    path: str  #: relative to the project root, POSIX
    name: str
    line: int
    tags: tuple[str, ...]  #: without the leading @
    scenarios: tuple[ScenarioDoc, ...]

    def tag_values(self, key: str) -> list[str]:
        """Values of ``@key:value`` tags."""
        return [t.split(":", 1)[1] for t in self.tags if t.startswith(f"{key}:")]


def _tags(node: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t["name"].lstrip("@") for t in node.get("tags", ())))


def read_feature(path: Path, root: Path) -> FeatureDoc | None:
    """One feature file; None when it holds no ``Feature:``.  Bad Gherkin raises DeliveryError at its line."""
    from gherkin.errors import CompositeParserException, ParserError
    from gherkin.parser import Parser
    from gherkin.token_scanner import TokenScanner

    display = shown_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
        document = Parser().parse(TokenScanner(text))
    except (OSError, UnicodeDecodeError) as exc:
        raise DeliveryError("features", [Finding(f"cannot read: {exc}", display)]) from exc
    except (CompositeParserException, ParserError) as exc:
        errors = getattr(exc, "errors", None) or [exc]
        raise DeliveryError(
            "features",
            [
                Finding(
                    str(e).split(": ", 1)[-1],
                    display,
                    int((getattr(e, "location", None) or {}).get("line") or 0),
                    "fix the Gherkin",
                )
                for e in errors
            ],
        ) from exc
    feature = document.get("feature")
    if not feature:
        return None
    scenarios: list[ScenarioDoc] = []

    def walk(children: Iterable[Mapping[str, Any]], inherited: tuple[str, ...]) -> None:
        for child in children:
            if "rule" in child:
                rule = child["rule"]
                walk(rule.get("children", ()), inherited + _tags(rule))
            elif "scenario" in child:
                s = child["scenario"]
                steps = tuple((st["keyword"].strip(), st["text"]) for st in s.get("steps", ()))
                scenarios.append(ScenarioDoc(s["name"], s["location"]["line"], inherited + _tags(s), steps))

    walk(feature.get("children", ()), ())
    return FeatureDoc(display, feature["name"], feature["location"]["line"], _tags(feature), tuple(scenarios))


def discover_features(root: Path, folders: Iterable[str] = ("features",)) -> list[Path]:
    """Every ``*.feature`` under the given folders of ``root``, sorted."""
    found: set[Path] = set()
    for folder in folders:
        base = Path(root) / folder
        if base.is_dir():
            found.update(p for p in base.rglob("*.feature") if p.is_file())
    return sorted(found)


def read_features(root: Path, paths: Iterable[Path | str] | None = None) -> list[FeatureDoc]:
    """The given feature files (default: ``features/**/*.feature``), every parse problem at once."""
    root = Path(root)
    files = [root / p for p in paths] if paths is not None else discover_features(root)
    docs: list[FeatureDoc] = []
    findings: list[Finding] = []
    for path in files:
        try:
            doc = read_feature(Path(path), root)
        except DeliveryError as exc:
            findings.extend(exc.findings)
            continue
        if doc is not None:
            docs.append(doc)
    if findings:
        raise DeliveryError("features", findings)
    return docs
