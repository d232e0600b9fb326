"""How a path is shown: relative to a root, in POSIX form, when it lies inside it; else whole.

One rule for every message, report, manifest and summary line (it used to be written nine
times).  A leaf: the build and delivery kits, which import no pytest, use it too.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["shown_path"]


def shown_path(path: str | os.PathLike[str], root: str | os.PathLike[str] | None, *, resolve: bool = True) -> str:
    """``path`` relative to ``root`` (POSIX) when inside it, else the whole path.

    ``resolve`` (the default) compares real paths, so symlinks and ``..`` do not hide that a
    file is inside; a path outside is then shown absolute.  ``resolve=False`` compares the
    paths as given, for paths pytest already made absolute (node locations, rootdir-based).
    """
    shown = Path(path)
    if root is None:
        return shown.as_posix()
    base = Path(root)
    if resolve:
        try:
            shown, base = shown.resolve(), base.resolve()
        except OSError:  # a loop of symlinks: shown as given
            pass
    try:
        return shown.relative_to(base).as_posix()
    except ValueError:
        return shown.as_posix()
