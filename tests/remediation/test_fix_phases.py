"""A phase keeps what stands and says why about the rest: a fix that creates a violation,
breaks a file or does not remove what it fixes is dropped alone (the others kept); what
no fix can be blamed for (rounds that do not settle, anything raising) restores the
phase whole.  Nothing that fails its proof ever survives."""

from __future__ import annotations

import json

import pytest

from pytest_symphony.conformity.codes import FixSafety
from pytest_symphony.conformity.engine import check_workspace
from pytest_symphony.conformity.settings import Settings
from pytest_symphony.conformity.violation import Edit
from pytest_symphony.remediation import Remediation, rollback
from pytest_symphony.remediation.fixers import builtin_fixers
from pytest_symphony.remediation.plan import PlannedFix
from pytest_symphony.remediation.snapshot import list_snapshots

SPEC = """\
# keep me
id: release
name: Release
beats: 3
tempo: 120
movements:
  - name: Build
    beats:
      - name: Build
        handler: build
"""


def remediation(root, **fixers):
    settings = Settings.from_root(root)
    return Remediation(
        root,
        settings,
        lambda: check_workspace(root),
        run_id="20250101T000000Z-test",
        snapshots_dir=settings.symphony_path / "snapshots",
        fixers={**builtin_fixers(), **fixers},
    )


def _replace(path, old, new, ctx):
    text = ctx.text(path)
    at = text.index(old)
    return Edit(path, at, at + len(old), new)


OTHER = SPEC.replace("id: release", "id: other").replace("beats: 3\n", "").replace("tempo: 120", "tempo: 900")


def test_a_fix_that_creates_a_violation_is_dropped_alone_and_the_others_are_kept(ws):
    ws.write("sequences/release.yaml", SPEC)
    ws.write("sequences/other.yaml", OTHER)  # its tempo gets a sound fix in the same phase

    def sloppy(violations, ctx):  # fixes the count, and writes a timing nothing can read on the way
        path = violations[0].place.path
        yield PlannedFix(
            "BEAT_COUNT_MISMATCH",
            tuple(violations),
            "count and timing",
            FixSafety.SAFE,
            (
                _replace(path, "beats: 3", "beats: 1", ctx),
                _replace(path, "handler: build", "handler: build\n        timing: soonish", ctx),
            ),
        )

    rem = remediation(ws.root, BEAT_COUNT_MISMATCH=sloppy)
    outcome = next(o for o in rem.run() if o.phase == "sequence")
    assert outcome.kept, outcome.reason
    assert ws.read("sequences/release.yaml") == SPEC, "the failing fix is not there"
    assert ws.read("sequences/other.yaml") == OTHER.replace("tempo: 900", "tempo: 120"), "the sound one is"
    (dropped,) = outcome.dropped
    assert dropped.violation.code == "BEAT_COUNT_MISMATCH"
    assert dropped.reason == (
        "fix dropped, the others kept: it created what was not there before: 1 INVALID_TIMING in sequences/release.yaml"
    )
    assert outcome.to_dict()["declined"][0]["reason"] == dropped.reason
    assert [f.code for f in outcome.applied] == ["MUSICAL_METADATA_INVALID"]
    assert "BEAT_COUNT_MISMATCH" in [v.code for v in rem.result.violations]
    snap = next(s for s in list_snapshots(ws.root / ".symphony" / "snapshots") if s.phase == "sequence")
    assert snap.state == "kept"
    rollback(ws.root, ws.root / ".symphony" / "snapshots")  # the run's snapshot still undoes all of it
    assert ws.read("sequences/other.yaml") == OTHER and ws.read("sequences/release.yaml") == SPEC


def test_a_file_that_no_longer_parses_drops_the_fix_that_broke_it(ws):
    ws.write("sequences/release.yaml", SPEC)
    ws.write("sequences/other.yaml", OTHER)
    ws.write("pyproject.toml", '[project]\nname = "app"\n')
    before = ws.files()

    def breaks_toml(violations, ctx):  # no proof covers TOML: the re-check must catch it
        yield PlannedFix(
            "BEAT_COUNT_MISMATCH",
            tuple(violations),
            "count",
            FixSafety.SAFE,
            (
                _replace("sequences/release.yaml", "beats: 3", "beats: 1", ctx),
                _replace("pyproject.toml", 'name = "app"', 'name = "app', ctx),
            ),
        )

    outcome = next(o for o in remediation(ws.root, BEAT_COUNT_MISMATCH=breaks_toml).run() if o.phase == "sequence")
    assert outcome.kept
    assert "pyproject.toml does not parse" in outcome.dropped[0].reason
    after = ws.files()
    assert after["pyproject.toml"] == before["pyproject.toml"]
    assert after["sequences/release.yaml"] == before["sequences/release.yaml"]
    assert b"tempo: 120" in after["sequences/other.yaml"]


def test_anything_raising_rolls_the_phase_back_and_names_it(ws):
    ws.write("sequences/release.yaml", SPEC)
    before = ws.files()
    settings = Settings.from_root(ws.root)
    checks = []

    def check():  # the re-check after the first round's writes fails
        checks.append(1)
        if len(checks) > 1:
            raise RuntimeError("engine bug")
        return check_workspace(ws.root)

    rem = Remediation(ws.root, settings, check, run_id="r", snapshots_dir=settings.symphony_path / "snapshots")
    outcome = next(o for o in rem.run() if o.phase == "sequence")
    assert not outcome.kept
    assert outcome.reason.startswith("RuntimeError: engine bug (test_fix_phases.py:")
    assert ws.files() == before
    assert outcome.after is outcome.before, "restored: the last check still describes the files"


def test_a_fix_that_does_not_remove_its_violation_is_dropped(ws):
    ws.write("sequences/release.yaml", SPEC)
    before = ws.files()

    def useless(violations, ctx):
        path = violations[0].place.path
        yield PlannedFix(
            "BEAT_COUNT_MISMATCH",
            tuple(violations),
            "a comment",
            FixSafety.SAFE,
            (_replace(path, "# keep me", "# keep me!", ctx),),
        )

    outcome = next(o for o in remediation(ws.root, BEAT_COUNT_MISMATCH=useless).run() if o.phase == "sequence")
    assert outcome.kept and outcome.applied == []
    assert outcome.dropped[0].reason == ("fix dropped, the others kept: it did not remove its violation (a comment)")
    assert ws.files() == before


def test_rounds_are_capped(ws):
    ws.write(
        "sequences/release.yaml",
        SPEC.replace("beats: 3\n", "") + "        acceptanceCriteria:\n          - given: a\n            when: b\n"
        "            then: c\n",
    )
    settings = Settings.from_root(ws.root)
    rem = Remediation(
        ws.root,
        settings,
        lambda: check_workspace(ws.root),
        run_id="r",
        max_rounds=1,
        snapshots_dir=settings.symphony_path / "snapshots",
    )
    before = ws.files()
    outcome = next(o for o in rem.run() if o.phase == "handler")  # scenario first, its step stubs next
    assert not outcome.kept and "did not settle after 1 rounds" in outcome.reason
    assert ws.files() == before


def test_a_fix_losing_content_is_refused_before_anything_is_written(ws):
    ws.write("sequences/release.yaml", SPEC)
    before = ws.files()

    def overwrites_beats(violations, ctx):  # the guide's system: beat arrays overwritten with integers
        text = ctx.text("sequences/release.yaml")
        start = text.index("movements:")
        yield PlannedFix(
            "BEAT_COUNT_MISMATCH",
            tuple(violations),
            "simplify",
            FixSafety.SAFE,
            (Edit("sequences/release.yaml", start, len(text), "movements: 1\n"),),
        )

    outcome = next(o for o in remediation(ws.root, BEAT_COUNT_MISMATCH=overwrites_beats).run() if o.phase == "sequence")
    assert outcome.kept and not outcome.applied and outcome.files == [], outcome.reason
    assert "would lose /movements" in outcome.declined[0].reason
    assert ws.files() == before


def test_overlapping_fixes_wait_for_the_next_round(ws):
    ws.write("sequences/release.yaml", SPEC.replace("tempo: 120", "tempo: 900"))
    seen = []

    def wide(violations, ctx):  # one edit spanning both the count and the tempo
        seen.append(len(violations))
        text = ctx.text("sequences/release.yaml")
        start, end = text.index("beats: 3"), text.index("tempo:") + len("tempo: 900")
        if "beats: 3" in text:
            yield PlannedFix(
                "BEAT_COUNT_MISMATCH",
                tuple(violations),
                "count",
                FixSafety.SAFE,
                (Edit("sequences/release.yaml", start, end, text[start:end].replace("3", "1", 1)),),
            )

    outcome = next(o for o in remediation(ws.root, BEAT_COUNT_MISMATCH=wide).run() if o.phase == "sequence")
    assert outcome.kept and outcome.rounds == 2
    assert [f.code for f in outcome.applied] == ["BEAT_COUNT_MISMATCH", "MUSICAL_METADATA_INVALID"]
    assert "beats: 1\ntempo: 120\n" in ws.read("sequences/release.yaml")


def test_unknown_fields_comments_and_key_order_survive_every_fix(ws):
    ws.write(
        "sequences/release.json",
        json.dumps(
            {
                "id": "release",
                "x-owner": {"team": "a", "tags": [1, 2]},
                "beats": 9,
                "events": ["built"],
                "movements": [
                    {
                        "name": "Build",
                        "custom": True,
                        "beats": [{"name": "Build", "handler": "build", "event": "shipped", "x-note": "keep"}],
                    }
                ],
            },
            indent=4,
        )
        + "\n",
    )
    run = ws.fix()
    assert all(o.kept for o in run.outcomes)
    data = json.loads(ws.read("sequences/release.json"))
    assert list(data) == ["id", "name", "x-owner", "beats", "events", "movements"]
    assert data["x-owner"] == {"team": "a", "tags": [1, 2]} and data["beats"] == 1
    assert data["events"] == ["built", "shipped"]
    assert data["movements"][0]["beats"][0]["x-note"] == "keep" and data["movements"][0]["custom"] is True
    assert '    "events": [\n        "built",\n        "shipped"\n    ],' in ws.read("sequences/release.json")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_endings_and_a_byte_order_mark_come_back_as_they_were(ws, newline):
    data = ("\ufeff" + SPEC.replace("\n", newline)).encode("utf-8")
    (ws.root / "sequences").mkdir()
    (ws.root / "sequences" / "release.yaml").write_bytes(data)
    ws.fix()
    after = (ws.root / "sequences" / "release.yaml").read_bytes()
    assert after == data.replace(b"beats: 3", b"beats: 1")


def test_a_file_edited_while_the_phase_runs_is_neither_overwritten_nor_restored(ws):
    ws.write("sequences/a.yaml", SPEC)
    ws.write("sequences/b.yaml", SPEC.replace("id: release", "id: other"))
    rem = remediation(ws.root)

    def someone_types(name, payload):  # after a.yaml is written, a person saves b.yaml
        if name == "written" and payload["path"] == "sequences/a.yaml":
            (ws.root / "sequences" / "b.yaml").write_text(SPEC.replace("id: release", "id: other") + "# mine\n")

    rem.on_event = someone_types
    outcome = next(o for o in rem.run() if o.phase == "sequence")
    assert not outcome.kept and "sequences/b.yaml changed while it was being fixed" in outcome.reason
    assert ws.read("sequences/a.yaml") == SPEC, "what the phase wrote is restored"
    assert ws.read("sequences/b.yaml").endswith("# mine\n"), "what the person wrote stays"
