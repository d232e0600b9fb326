"""TEST_LINK_BROKEN: test titles match with their bracketed tags stripped, and a `testFile`
is looked up only inside the project (nothing outside is read or revealed)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pytest_symphony.conformity.engine import check_workspace

CORPUS = Path(os.environ["SYMPHONY_SHARED"]) / "corpus" / "renderx"

SPEC = """\
id: release
name: Release
description: Ships it
kind: build
status: active
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
        acceptanceCriteria: [a wheel exists]
        testFile: {test_file}
        testCase: {test_case}
"""


def _links(project, test_file: str, test_case: str = "test_build") -> None:
    project.spec("release.yaml", SPEC.format(test_file=test_file, test_case=json.dumps(test_case)))
    project.handlers("@handler\ndef build():\n    return {}\n")


def _test_link_messages(root: Path) -> list[str]:
    return [v.message for v in check_workspace(root, use_cache=False).violations if v.code == "TEST_LINK_BROKEN"]


def test_corpus_test_titles_with_tags_match_their_test_cases(tmp_path):
    """Six beats of the corpus link a test case (five canvas beats, the legacy stub's beat); the
    repository's test files title them with `[AC:...]` tags in front: with those files
    present, none of the links is broken."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    shutil.copytree(CORPUS / "sequences", tmp_path / "sequences")
    titles: dict[Path, list[str]] = {}
    for path in sorted((tmp_path / "sequences").glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        lists = [m.get("beats") for m in spec.get("movements", [])]
        for beat in (b for beats in lists if isinstance(beats, list) for b in beats):
            if "testCase" in beat:
                test_file = tmp_path / beat["testFile"].replace("\\", "/")
                titles.setdefault(test_file, []).append(f"[AC:{spec['id']}:{len(titles)}] {beat['testCase']}")
    assert sum(map(len, titles.values())) == 6
    for test_file, names in titles.items():
        test_file.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(f"  it({json.dumps(name)}, async () => {{}});\n" for name in names)
        test_file.write_text(f"describe('create', () => {{\n{body}}});\n", encoding="utf-8")
    assert _test_link_messages(tmp_path) == []


def test_a_tagged_test_case_matches_an_untagged_title_and_a_missing_one_is_still_reported(project):
    (project.pytester.path / "tests").mkdir()
    (project.pytester.path / "tests" / "release.spec.ts").write_text(
        "it('renders the toggle', () => {});\nit(\"[AC:2][smoke] keeps   the state\", () => {});\n", encoding="utf-8"
    )
    _links(project, "tests/release.spec.ts", "[AC:1] renders the toggle")
    assert _test_link_messages(project.pytester.path) == []
    _links(project, "tests/release.spec.ts", "keeps the state")
    assert _test_link_messages(project.pytester.path) == []
    _links(project, "tests/release.spec.ts", "[AC:3] drops the state")
    assert _test_link_messages(project.pytester.path) == [
        "beat 1.1 'Build' links test case '[AC:3] drops the state', which tests/release.spec.ts does not hold"
    ]


OUTSIDE = (
    "beat 1.1 'Build' links test file {!r}, which is outside the project (testFile paths are relative to "
    "the rootdir or the spec's folder, and stay inside the project)"
)


@pytest.mark.parametrize("exists", [True, False], ids=["outside-file-exists", "outside-file-missing"])
def test_a_test_file_outside_the_project_is_never_looked_at(project, exists):
    root = project.pytester.path
    secret = root.parent / f"secret_{root.name}.py"
    if exists:
        secret.write_text("def test_build():\n    pass\n", encoding="utf-8")
    assert secret.is_file() is exists
    for link in (f"../{secret.name}", str(secret), f"sequences/../../{secret.name}"):
        _links(project, link)
        # the same words whether the file is there or not, and no verdict about its content
        assert _test_link_messages(root) == [OUTSIDE.format(link)], link
    result = project.run("--symphony=conformity", "-p", "no:randomly")
    out = result.stdout.str()
    assert "which is outside the project" in out and "does not hold" not in out and "does not exist" not in out


def test_a_symlink_leading_out_of_the_project_is_outside(project):
    root = project.pytester.path
    outside = root.parent / f"outside_{root.name}"
    outside.mkdir()
    (outside / "test_release.py").write_text("def test_other():\n    pass\n", encoding="utf-8")
    try:
        (root / "linked").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks are not available here")
    _links(project, "linked/test_release.py")
    assert _test_link_messages(root) == [OUTSIDE.format("linked/test_release.py")]


def test_an_absolute_path_inside_the_project_is_followed(project):
    root = project.pytester.path
    (root / "tests").mkdir()
    (root / "tests" / "test_release.py").write_text("def test_build():\n    pass\n", encoding="utf-8")
    _links(project, str(root / "tests" / "test_release.py"))
    assert _test_link_messages(root) == []
