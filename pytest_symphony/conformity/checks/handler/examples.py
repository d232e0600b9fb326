"""The small workspaces the handler checks' VALID/INVALID examples are written in."""

from __future__ import annotations

SPEC = (
    "id: release\nname: Release\nmovements:\n  - name: Build\n    beats:\n      - name: Build\n        handler: build\n"
)


def ws(handlers: str, spec: str = SPEC, **extra: str) -> dict[str, str]:
    return {
        "handlers.py": "from pytest_symphony import handler\n\n\n" + handlers,
        "sequences/release.yaml": spec,
        **extra,
    }
