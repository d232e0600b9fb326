"""Feature flags in the OpenFeature flagd file format, evaluated with the OpenFeature SDK.

:class:`FlagEvaluator` puts flagd's own provider in its offline file mode
(``FLAGD_RESOLVER=file``): flagd's evaluator applies the targeting rules, fractional
splits included (murmur3 over ``flag key + targeting key``), with no daemon and no
network.  The SDK and provider come with the ``delivery`` extra and are imported only
here, when a flag is evaluated.

Release semantics: a flag's *release variant* is the variant a progressive release
turns on (for a boolean flag, the variant whose value is ``true``; else the one named
``on``); a flag is *dark* when neither the empty context nor any key of the sample
gets that variant.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from ..paths import shown_path
from . import git
from .errors import DeliveryError, Finding
from .inputs import load_flag_document
from .settings import DeliverySettings

if TYPE_CHECKING:
    from openfeature.evaluation_context import EvaluationContext
    from openfeature.flag_evaluation import FlagEvaluationDetails

__all__ = ["DarkResult", "FlagEvaluator", "check_dark", "new_flags", "release_variant", "sample_keys"]

DOMAIN = "pytest-symphony-delivery"


def sample_keys(settings: DeliverySettings) -> list[str]:
    """The fixed key sample: ``<sample_prefix>00000`` ... (``sample_size`` keys)."""
    return [f"{settings.sample_prefix}{i:05d}" for i in range(settings.sample_size)]


def release_variant(flag: str, definition: dict[str, Any], display: str = "") -> str:
    """The variant a release turns on; DeliveryError when the flag does not say."""
    variants = definition.get("variants", {})
    on: list[str] = [name for name, value in variants.items() if value is True]
    if len(on) == 1 and all(isinstance(v, bool) for v in variants.values()):
        return on[0]
    if "on" in variants:
        return "on"
    raise DeliveryError(
        "flags",
        [
            Finding(
                f"flag {flag!r}: no release variant (no true value, no variant named 'on')",
                display,
                0,
                "name the released variant 'on'",
            )
        ],
    )


class FlagEvaluator:
    """The OpenFeature client over flagd's offline file provider, for one flags file.

    Use as a context manager; the provider re-reads nothing after start, so evaluate an
    edited file with a new evaluator.
    """

    def __init__(self, path: Path, document: dict[str, Any]):
        try:
            from openfeature import api
            from openfeature.contrib.provider.flagd import FlagdProvider
            from openfeature.contrib.provider.flagd.config import ResolverType
        except ImportError as exc:
            raise DeliveryError(
                "flags",
                [
                    Finding(
                        f"the OpenFeature SDK is not installed ({exc.name})",
                        None,
                        0,
                        "pip install 'pytest-symphony[delivery]'",
                    )
                ],
            ) from exc
        self.document = document
        self._provider = FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(path))
        api.set_provider_and_wait(self._provider, domain=DOMAIN)
        self.client = api.get_client(DOMAIN)

    def __enter__(self) -> "FlagEvaluator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._provider.shutdown()

    def details(self, flag: str, key: str | None = None) -> FlagEvaluationDetails[Any]:
        """OpenFeature's evaluation details for ``flag`` with targeting key ``key`` (None: empty context)."""
        from openfeature.evaluation_context import EvaluationContext

        definition = self.document["flags"][flag]
        default = definition["variants"].get(definition.get("defaultVariant") or "", None)
        context = EvaluationContext(targeting_key=key) if key is not None else EvaluationContext()
        with _quiet() if key is None else _nothing():  # flagd logs an error for a split without a key
            return self._typed(flag, definition, default, context)

    def _typed(
        self, flag: str, definition: dict[str, Any], default: Any, context: EvaluationContext
    ) -> FlagEvaluationDetails[Any]:
        values = list(definition["variants"].values())
        if all(isinstance(v, bool) for v in values):
            return self.client.get_boolean_details(flag, bool(default), context)
        if all(isinstance(v, str) for v in values):
            return self.client.get_string_details(flag, default or "", context)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return self.client.get_integer_details(flag, default or 0, context)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return self.client.get_float_details(flag, float(default or 0), context)
        return self.client.get_object_details(flag, default if default is not None else {}, context)

    def share(self, flag: str, variant: str, keys: Iterable[str]) -> float:
        """Percent of ``keys`` that get ``variant``."""
        keys = list(keys)
        hits = sum(1 for key in keys if self.details(flag, key).variant == variant)
        return 100.0 * hits / len(keys) if keys else 0.0


@contextmanager
def _quiet() -> Iterator[None]:
    logger = logging.getLogger("openfeature.contrib")
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def new_flags(settings: DeliverySettings, since_tag: str | None, document: dict[str, Any] | None = None) -> list[str]:
    """Flags in the flags file now that it did not have at ``since_tag`` (all of them without a tag)."""
    if document is None:
        document, _ = load_flag_document(settings)
    current = list(document["flags"])
    if since_tag is None:
        return current
    rel = shown_path(settings.path("flags"), settings.root)
    old = git.git(settings.root, "show", f"{since_tag}:{rel}", check=False)
    try:
        before = set(json.loads(old)["flags"]) if old.strip() else set()
    except (ValueError, KeyError, TypeError):
        before = set()
    return [f for f in current if f not in before]


@dataclass(frozen=True)
class DarkResult:
    flags: dict[str, Any]  #: flag -> {"variant": release variant, "default": variant for the empty context, "share": %}
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"flags": self.flags, "findings": [f.to_json() for f in self.findings]}


def check_dark(settings: DeliverySettings, flags: Sequence[str], *, path: Path | None = None) -> DarkResult:
    """Every flag in ``flags`` is dark by default: off for the empty context and for the whole sample."""
    document, path = load_flag_document(settings, path)
    display = shown_path(path, settings.root)
    findings, report = [], {}
    unknown = [f for f in flags if f not in document["flags"]]
    findings += [Finding(f"flag {f!r} is not in the flags file", display, 0, "add it, dark") for f in unknown]
    wanted = [f for f in flags if f in document["flags"]]
    if wanted:
        with FlagEvaluator(path, document) as evaluator:
            for flag in wanted:
                variant = release_variant(flag, document["flags"][flag], display)
                default = evaluator.details(flag).variant
                share = evaluator.share(flag, variant, sample_keys(settings))
                report[flag] = {"variant": variant, "default": default, "share": share}
                if default == variant or share > 0:
                    findings.append(
                        Finding(
                            f"new flag {flag!r} is not dark: {share:g}% of the sample and "
                            f"{'the' if default == variant else 'not the'} empty context get "
                            f"{variant!r}",
                            display,
                            _flag_line(path, flag),
                            "ship new flags off (defaultVariant off, no targeting or 0%) and "
                            "raise them in the release beat",
                        )
                    )
    return DarkResult(report, tuple(findings))


def _flag_line(path: Path, flag: str) -> int:
    needle = json.dumps(flag) + ":"
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if needle in line.replace('" :', '":'):
                return number
    except OSError:
        pass
    return 0
