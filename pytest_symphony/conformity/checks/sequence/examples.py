"""The small workspaces the sequence checks' VALID/INVALID examples are written in."""

from __future__ import annotations

HANDLERS = (
    "from pytest_symphony import handler\n\n\n"
    "@handler\ndef build():\n    return {'ok': True}\n\n\n"
    "@handler\ndef pack():\n    return {'ok': True}\n"
)


def ws(spec: str, name: str = "release.yaml", **extra: str) -> dict[str, str]:
    return {"handlers.py": HANDLERS, f"sequences/{name}": spec, **extra}


def seq(beats: str, head: str = "", movement: str = "") -> str:
    """A one-movement YAML sequence; ``beats`` are indented list items (8 spaces)."""
    return f"id: release\nname: Release\n{head}movements:\n  - name: Build\n{movement}    beats:\n{beats}"


B1 = "      - name: Build\n        handler: build\n"
B2 = "      - name: Pack\n        handler: pack\n"
