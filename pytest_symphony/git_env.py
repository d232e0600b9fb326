"""The environment git runs in when a beat asks about the project: the caller's, without the
variables that point git at another repository (a git hook running pytest sets ``GIT_DIR``
and friends), with no optional locks, no prompts and untranslated output to parse.
"""

from __future__ import annotations

import os

__all__ = ["git_environment"]

#: Variables that would make ``git -C <root>`` read another repository than the project's.
REDIRECTS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
)


def git_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REDIRECTS}
    env.update(GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    return env
