"""pytest --symphony-fix, --symphony-diff, --symphony-unsafe-fixes, --symphony-rollback:
what a user sees, through real pytest runs."""

from __future__ import annotations

import json

import pytest

SPEC = """\
# the release pipeline
id: release
name: Release
description: Ships it
kind: build
status: active
beats: 3   # declared by hand
events: [built]
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
        event: built
      - name: Pack
        handler: pack
        event: packed
"""

HANDLERS = """
@handler
def build():
    return {"ok": True}


def pack():  # not registered yet
    return {"ok": True}
"""

FIXED_SPEC = SPEC.replace("beats: 3", "beats: 2").replace("events: [built]", "events: [built, packed]")


@pytest.fixture
def proj(project):
    project.spec("release.yaml", SPEC)
    project.handlers(HANDLERS)
    return project


def _files(pytester):
    return {
        p.relative_to(pytester.path).as_posix(): p.read_bytes()
        for p in sorted(pytester.path.rglob("*"))
        if p.is_file() and not {".symphony", ".pytest_cache", "__pycache__"} & set(p.parts)
    }


def test_fix_applies_the_safe_fixes_phase_by_phase_and_says_so(proj, pytester):
    result = proj.run("-p", "no:randomly", "--symphony-fix")
    assert result.ret == 0, result.stdout.str()
    assert (pytester.path / "sequences" / "release.yaml").read_text() == FIXED_SPEC
    assert "@handler\ndef pack():  # not registered yet" in (pytester.path / "handlers.py").read_text()
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*- symphony fix -*",
            "phase 1 domain & orchestration: nothing to fix",
            "phase 2 sequence: kept the fixes of 2 violation(s) in 1 file(s) [[]snapshot *-2-sequence[]]",
            "phase 3 handler & BDD: kept the fixes of 1 violation(s) in 1 file(s) [[]snapshot *-3-handler[]]",
            "code * fixed  not fixable  rolled back",
            "BEAT_COUNT_MISMATCH * 1            0            0",
            "INVALID_EVENT_REFERENCE * 1            0            0",
            "TELEMETRY_NOT_INSTRUMENTED * 1            0            0",
            "score * before   after  band after",
            "Orchestration * 1.00  Excellent",
            "review the changes; undo them with pytest --symphony-rollback",
        ]
    )
    assert "conformity: 22 passed, 0 failed, 0 skipped" in out, "snapshot and fix beats run; analyze passes"


def test_fixing_twice_changes_nothing(proj, pytester):
    proj.run("-p", "no:randomly", "--symphony-fix")
    fixed = _files(pytester)
    result = proj.run("-p", "no:randomly", "--symphony-fix")
    assert result.ret == 0
    assert _files(pytester) == fixed
    result.stdout.fnmatch_lines(["phase 2 sequence: nothing to fix", "phase 3 handler & BDD: nothing to fix"])


def test_what_no_fix_can_mend_still_fails_the_run(project, pytester):
    project.spec("release.yaml", SPEC.replace("handler: pack", "handler: pakc"))
    project.handlers(HANDLERS)
    result = project.run("-p", "no:randomly", "--symphony-fix")
    assert result.ret == 1
    assert "beats: 2" in (pytester.path / "sequences" / "release.yaml").read_text()
    result.stdout.fnmatch_lines(
        [
            "HANDLER_NOT_FOUND * 0            1            0",
            "unsafe fixes not applied (HANDLER_NOT_FOUND 1): add --symphony-unsafe-fixes to apply them",
            "FAILED *sequence-beat-alignment::analyze::sequences/release.yaml*",
        ]
    )


def test_unsafe_fixes_apply_with_their_flag(project, pytester):
    project.spec("release.yaml", SPEC.replace("handler: pack", "handler: pakc"))
    project.handlers(HANDLERS.replace("def pack", "@handler\ndef pack"))
    result = project.run("-p", "no:randomly", "--symphony-fix", "--symphony-unsafe-fixes")
    assert result.ret == 0, result.stdout.str()
    assert "handler: pack\n" in (pytester.path / "sequences" / "release.yaml").read_text()


def test_diff_prints_the_diffs_writes_nothing_and_fails(proj, pytester):
    before = _files(pytester)
    result = proj.run("-p", "no:randomly", "--symphony-diff")
    assert result.ret == 1
    assert _files(pytester) == before
    assert not (pytester.path / ".symphony" / "snapshots").exists()
    result.stdout.fnmatch_lines(
        [
            "*- symphony diff -*",
            "# phase 2 sequence",
            "--- a/sequences/release.yaml",
            "+++ b/sequences/release.yaml",
            "-beats: 3   # declared by hand",
            "-events: [[]built[]]",
            "+beats: 2   # declared by hand",
            "+events: [[]built, packed[]]",
            "# phase 3 handler & BDD",
            "+@handler",
            "2 file(s) would change (3 violation(s) fixed); nothing was written; pytest --symphony-fix applies these fixes",
            "FAILED *sequence-beat-alignment::fix*",
        ]
    )


def test_diff_failure_names_the_phase_and_holds_its_diff(proj):
    out = proj.run("-p", "no:randomly", "--symphony-diff").stdout.str()
    assert (
        "sequence: --symphony-diff: 1 file(s) would change; pytest --symphony-fix applies these fixes\n"
        "--- a/sequences/release.yaml" in out
    )


def test_diff_passes_when_no_fix_would_apply(proj):
    proj.run("-p", "no:randomly", "--symphony-fix")
    result = proj.run("-p", "no:randomly", "--symphony-diff")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["no fix would apply"])


def test_rollback_restores_the_last_run_or_a_named_snapshot(proj, pytester):
    before = _files(pytester)
    proj.run("-p", "no:randomly", "--symphony-fix")
    snaps = sorted(p.name for p in (pytester.path / ".symphony" / "snapshots").iterdir())
    assert [s.rsplit("-", 2)[1:] for s in snaps] == [["2", "sequence"], ["3", "handler"]]
    result = proj.run("--symphony-rollback=" + snaps[1])
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"snapshot {snaps[1]}: 1 file(s) restored: handlers.py"])
    assert _files(pytester)["handlers.py"] == before["handlers.py"]
    result = proj.run("--symphony-rollback")
    assert result.ret == 0
    assert _files(pytester) == before
    result = proj.run("--symphony-rollback=nope")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["nothing restored: no snapshot or run 'nope' under *"])


def test_rollback_refuses_to_overwrite_later_work(proj, pytester):
    proj.run("-p", "no:randomly", "--symphony-fix")
    spec = pytester.path / "sequences" / "release.yaml"
    spec.write_text(spec.read_text() + "# my note\n")
    result = proj.run("--symphony-rollback")
    assert result.ret == 1
    assert spec.read_text().endswith("# my note\n")
    result.stdout.fnmatch_lines(
        ["nothing restored: snapshot *: 1 file(s) changed since the fix*sequences/release.yaml*"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--symphony-fix", "--symphony-diff"], "choose one"),
        (["--symphony-unsafe-fixes"], "goes with --symphony-fix or --symphony-diff"),
        (["--symphony-fix-commit"], "goes with --symphony-fix"),
        (["--symphony-rollback", "--symphony-fix"], "run it on its own"),
    ],
)
def test_option_mistakes_are_usage_errors(proj, args, message):
    result = proj.run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


PLUGIN = """
from pytest_symphony.conformity import Code, Category, Dimension, Fix, FixSafety, Edit, Place, Severity, Violation
from pytest_symphony.conformity import register_code
from pytest_symphony.conformity.checks import WorkspaceCheck

register_code(Code("TODO_MARKER", Category.ORCHESTRATION, Dimension.ORCHESTRATION, Severity.MAJOR,
                   FixSafety.SAFE, "A spec says TODO.", "Replace TODO with DONE."))


class TodoMarker(WorkspaceCheck):
    code = "TODO_MARKER"

    def check(self, ws):
        for spec in ws.specs:
            at = (spec.text or "").find("TODO")
            if at >= 0:
                yield Violation(self.code, "a TODO", Place(spec.rel, spec.text.count("\\n", 0, at) + 1, 1),
                                fix=Fix("replace TODO with DONE", "safe"))


def pytest_symphony_register_checks(registry):
    registry.add(TodoMarker)


def pytest_symphony_autofix(violation, root):
    if violation.code != "TODO_MARKER":
        return None
    text = (root / violation.place.path).read_text()
    at = text.find("TODO")
    return Fix("replace TODO with DONE", "safe", (Edit(violation.place.path, at, at + 4, REPLACEMENT),))
"""


@pytest.mark.parametrize(("replacement", "kept"), [("DONE", True), ("TODO\\n        timing: soonish", False)])
def test_a_plugins_fix_goes_through_the_same_snapshot_recheck_and_rollback(proj, pytester, replacement, kept, request):
    from pytest_symphony.conformity.codes import unregister_code

    request.addfinalizer(lambda: unregister_code("TODO_MARKER"))  # the in-process run registers it here
    spec = pytester.path / "sequences" / "release.yaml"
    spec.write_text(FIXED_SPEC.replace("name: Build\n        handler", "name: Build  # TODO\n        handler"))
    pytester.makeconftest(
        PLUGIN.replace("REPLACEMENT", repr(replacement.replace("\\n", "\n").replace("TODO\n", "DONE\n")))
    )
    before = spec.read_text()
    result = proj.run("-p", "no:randomly", "--symphony-fix")
    if kept:
        assert spec.read_text() == before.replace("# TODO", "# DONE")
        result.stdout.fnmatch_lines(["TODO_MARKER * 1            0            0"])
    else:
        assert spec.read_text() == before
        result.stdout.fnmatch_lines(
            [  # dropped alone: phase 3's fix of handlers.py is kept
                "phase 1 domain & orchestration: nothing to fix (1 fix(es) dropped: they failed their proof)",
                "phase 3 handler & BDD: kept the fixes of 1 violation(s) in 1 file(s) *",
                "TODO_MARKER * 0            1            0",
                "not fixable: sequences/release.yaml:*:* TODO_MARKER: fix dropped, the others kept: it created what "
                "was not there before: 1 INVALID_TIMING in sequences/release.yaml",
            ]
        )
        assert "ROLLED BACK" not in result.stdout.str()


def test_a_stale_build_manifest_is_regenerated(proj, pytester):
    proj.ini("symphony_manifests = manifests")  # the project commits its manifests there
    proj.run("-p", "no:randomly", "--symphony-fix")
    manifest = pytester.path / "manifests" / "sequences.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps(
            {"sequences": [{"id": "release", "path": "sequences/release.yaml", "content_hash": "0", "builtin": False}]}
        )
    )
    result = proj.run("-p", "no:randomly", "--symphony-fix")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["MANIFEST_MISMATCH * 1            0            0"])
    rows = json.loads(manifest.read_text())["sequences"]
    assert [r["id"] for r in rows] == ["release"] and rows[0]["content_hash"] != "0"
    assert (pytester.path / "manifests" / "index.json").is_file()
    assert "MANIFEST_MISMATCH" not in proj.run("-p", "no:randomly", "--symphony=conformity").stdout.str()


def test_fix_runs_under_xdist_and_reports_on_the_controller(proj, pytester):
    result = proj.run("-p", "no:randomly", "--symphony-fix", "-n", "2")
    assert result.ret == 0, result.stdout.str()
    assert (pytester.path / "sequences" / "release.yaml").read_text() == FIXED_SPEC
    result.stdout.fnmatch_lines(["phase 2 sequence: kept the fixes of 2 violation(s) in 1 file(s)*"])


def test_fixes_are_recorded_in_the_run_history(proj, pytester):
    from pytest_symphony.telemetry.store import HistoryStore

    proj.run("-p", "no:randomly", "--symphony-fix")
    with HistoryStore(pytester.path / ".symphony" / "history.sqlite").open() as store:
        rows = store.rows("SELECT code, path, status FROM fixes ORDER BY code")
    assert rows == [
        ("BEAT_COUNT_MISMATCH", "sequences/release.yaml", "kept"),
        ("INVALID_EVENT_REFERENCE", "sequences/release.yaml", "kept"),
        ("TELEMETRY_NOT_INSTRUMENTED", "handlers.py", "kept"),
    ]


def test_a_stale_manifest_of_an_earlier_build_never_fails_conformity(proj, pytester):
    stale = pytester.path / ".symphony" / "manifests" / "sequences.json"  # the build's output, not committed
    stale.parent.mkdir(parents=True)
    stale.write_text(
        json.dumps(
            {"sequences": [{"id": "older", "path": "sequences/older.yaml", "content_hash": "0", "builtin": False}]}
        )
    )
    result = proj.run("-p", "no:randomly", "--symphony=conformity")
    assert "MANIFEST_MISMATCH" not in result.stdout.str()
