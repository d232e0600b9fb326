"""A beat's links to tests: `testFile` exists inside the project and holds `testCase`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal

from ...codes import FixSafety, Severity
from ...sources import inside
from ...violation import Violation
from ..base import Example, SpecCheck
from ..places import beat_pointer, spec_violation
from .examples import AC, SPEC, ws

if TYPE_CHECKING:
    from ...sources import LoadedSpec
    from ...workspace import Workspace


_TAG = re.compile(r"\[[^\[\]\n]*\]")
_QUOTED = re.compile(r"""(['"`])((?:(?!\1)[^\\\n]|\\.)+)\1""")
_SCENARIO_LINE = re.compile(r"^\s*Scenario(?: Outline| Template)?:\s*(.+?)\s*$", re.M)


def test_title(text: str) -> str:
    """A test title as matched: bracketed tags (``[AC:...]``, ``[smoke]``) removed, blanks collapsed."""
    return " ".join(_TAG.sub(" ", text).split())


def test_titles(text: str) -> set[str]:
    """Every quoted string and scenario name of a test file, as :func:`test_title` reads it."""
    titles = {test_title(m.group(2)) for m in _QUOTED.finditer(text)}
    return titles | {test_title(m.group(1)) for m in _SCENARIO_LINE.finditer(text)}


def _test_case_found(text: str, titles: set[str], case: str) -> bool:
    """Whether ``case`` is a test function, test class, scenario or quoted test title in ``text``;
    titles match with their bracketed tags stripped on both sides."""
    if re.search(rf"\b(?:def|class)\s+{re.escape(case)}\b", text):
        return True
    wanted = test_title(case)
    return bool(wanted) and wanted in titles


def linked_test_file(written: str, spec_folder: Path, root: Path) -> Path | Literal[False] | None:
    """The file a ``testFile`` names, looked up only inside the project: its path, None when
    no such file is in the project, False when the link points outside the project (which
    is never looked at, so no message tells whether something exists there)."""
    rel = written.replace("\\", "/")
    root = root.resolve()
    candidates = [(root / rel).resolve(), (spec_folder / rel).resolve()]
    kept = [c for c in candidates if inside(c, root)]
    found = next((c for c in kept if c.is_file()), None)
    if found is None and len(kept) < len(candidates):
        return False
    return found


class TestLinkBroken(SpecCheck):
    code = "TEST_LINK_BROKEN"
    severity = Severity.MAJOR
    fix = FixSafety.NONE
    summary = (
        "A beat's `testFile` does not exist (relative to the rootdir or to the spec's folder; "
        "backslashes read as separators), or points outside the project (`../`, an absolute path "
        "or a symlink leading out: never looked at, so the message says nothing of what is "
        "there), or its `testCase` is found in that file as no test function, test class, "
        "scenario or quoted test title (`it('...')`). Titles match with bracketed tags removed "
        "on both sides: `testCase: renders the toggle` matches `it('[AC:canvas-1] renders the "
        "toggle')`."
    )
    __test__ = False  # not a pytest test class
    BUILTIN = False
    TESTS = "describe('release', () => {\n  it('[AC:release-1] builds a wheel', () => {});\n});\n"
    VALID = (
        Example(
            ws(
                spec=SPEC + AC + "        testFile: tests/test_release.py\n        testCase: test_build\n",
                **{"tests/test_release.py": "def test_build():\n    pass\n"},
            )
        ),
        Example(
            ws(
                spec=SPEC + AC + "        testFile: __tests__\\\\release.spec.ts\n        testCase: builds a wheel\n",
                **{"__tests__/release.spec.ts": TESTS},
            )
        ),
    )
    INVALID = (
        Example(ws(spec=SPEC + AC + "        testFile: tests/test_gone.py\n"), at=("sequences/release.yaml", 12)),
        Example(
            ws(
                spec=SPEC + AC + "        testFile: tests/test_release.py\n        testCase: test_pack\n",
                **{"tests/test_release.py": "def test_build():\n    pass\n"},
            ),
            at=("sequences/release.yaml", 13),
        ),
        Example(ws(spec=SPEC + AC + "        testFile: ../outside.py\n"), at=("sequences/release.yaml", 12)),
    )

    def check_sequence(self, spec: LoadedSpec, ws: Workspace) -> Iterable[Violation]:
        texts: dict[Path, tuple[str, set[str]]] = {}
        for m in spec.sequence.movements:
            for b in m.beats:
                test_file = b.raw.get("testFile")
                if not isinstance(test_file, str) or not test_file.strip():
                    continue
                written = test_file.strip()
                found = linked_test_file(written, spec.path.parent, ws.root)
                if not found:
                    why = (
                        "which is outside the project (testFile paths are relative to the rootdir or the "
                        "spec's folder, and stay inside the project)"
                        if found is False
                        else "which does not exist"
                    )
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' links test file {written!r}, {why}",
                        node=b.raw,
                        key="testFile",
                        pointer=beat_pointer(m, b),
                        beat=b,
                        span=True,
                    )
                    continue
                case = b.raw.get("testCase")
                if not isinstance(case, str) or not case.strip():
                    continue
                if found not in texts:
                    try:
                        text = found.read_text(encoding="utf-8", errors="replace")
                    except OSError:
                        text = ""
                    texts[found] = (text, test_titles(text))
                if not _test_case_found(*texts[found], case.strip()):
                    yield spec_violation(
                        self.code,
                        spec,
                        f"beat {m.number}.{b.number} '{b.title}' links test case {case!r}, which {written} does not hold",
                        node=b.raw,
                        key="testCase",
                        pointer=beat_pointer(m, b),
                        beat=b,
                        span=True,
                    )
