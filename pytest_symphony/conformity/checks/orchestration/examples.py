"""The small workspaces the orchestration checks' VALID/INVALID examples are written in."""

from __future__ import annotations

H = {"handlers.py": "from pytest_symphony import handler\n\n\n@handler\ndef build():\n    return {'ok': True}\n"}


def workspace(**specs: str) -> dict[str, str]:
    out = dict(H)
    for name, text in specs.items():
        out[f"sequences/{name.replace('__', '.')}"] = text
    return out


GOOD = """\
id: release
name: Release
description: Ships it
kind: delivery
status: active
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
"""
