"""The build's plain libraries: specs and the domain registry, manifests, sequence docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_symphony.buildkit import (
    DocsConflict,
    check_registry,
    discover_packages,
    find_spec_files,
    generate_manifests,
    load_specs,
    read_domain_registry,
    regenerate_registry,
    spec_manifest_mismatches,
    spec_problems,
    validate_manifests,
    write_canonical_specs,
    write_sequence_docs,
)
from pytest_symphony.buildkit.workspace import WorkspaceError

from .conftest import make_workspace, write

RELEASE = """
id: release
name: Release
domainId: shipping
events: [packed]
movements:
  - name: Ship
    beats:
      - {name: Pack, handler: pack, event: packed, acceptanceCriteria: [{given: sources, when: packing, then: a wheel}]}
      - {name: Sign, handler: sign}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path, {"core": (), "app": ("core",)})
    write(root / "sequences" / "release.yaml", RELEASE)
    write(
        root / "sequences" / "nested" / "audit.json",
        '{"id": "audit", "movements": [{"name": "A", "beats": [{"handler": "pack"}]}]}',
    )
    write(root / "sequences" / ".hidden" / "skip.yaml", "id: skipped\n")
    write(root / "sequences" / "notes.txt", "not a spec")
    return root


def _entries(root: Path):
    return load_specs([(p, p.relative_to(root).as_posix(), None) for p in find_spec_files([root / "sequences"])])


def _resolve(ref, sequence_id):
    return {"name": ref.name, "module": "handlers", "origin": "project"} if ref.name != "sign" else None


def _manifests(root: Path, entries) -> Path:
    out = root / ".symphony" / "manifests"
    canonical = write_canonical_specs(out, entries)
    generate_manifests(
        out,
        root=root,
        entries=entries,
        packages=discover_packages(root),
        handlers=[
            {"name": "pack", "module": "handlers", "origin": "project", "file": str(root / "handlers.py"), "line": 3}
        ],
        resolve=_resolve,
        canonical=canonical,
        commit="abc123",
    )
    return out


def test_spec_files_are_found_like_collection_finds_them(project: Path):
    found = [p.relative_to(project).as_posix() for p in find_spec_files([project / "sequences", project / "missing"])]
    assert found == ["sequences/nested/audit.json", "sequences/release.yaml"]


def test_duplicate_ids_and_broken_specs_are_problems(tmp_path: Path):
    write(tmp_path / "a.yaml", "id: same\nmovements: [{name: M, beats: [{handler: h}]}]\n")
    write(tmp_path / "b.yaml", "id: same\nmovements: [{name: M, beats: [{handler: h}]}]\n")
    write(tmp_path / "c.json", "{ nope")
    problems = spec_problems(load_specs([(tmp_path / n, n, None) for n in ("a.yaml", "b.yaml", "c.json")]))
    assert (
        problems[0]
        == "b.yaml:1: sequence id 'same' is already declared in a.yaml; give one of the two files another id"
    )
    assert problems[1].startswith("c.json:1:3: ") and len(problems) == 2


def test_domain_registry_in_both_shapes(tmp_path: Path):
    simple = write(tmp_path / "simple.json", '{"domains": [{"id": "shipping", "sequences": ["release"]}]}')
    renderx = write(
        tmp_path / "renderx.json",
        json.dumps(
            {
                "domains": {
                    "shipping": {
                        "domain_id": "shipping",
                        "sequence_files": ["sequences/release.yaml", "sequences/gone.json"],
                    }
                }
            }
        ),
    )
    assert [(d.id, d.sequences) for d in read_domain_registry(simple)] == [("shipping", ("release",))]
    assert read_domain_registry(renderx)[0].sequences == ("sequences/release.yaml", "sequences/gone.json")
    write(tmp_path / "bad.json", '{"domains": 3}')
    with pytest.raises(WorkspaceError, match="needs a 'domains' list"):
        read_domain_registry(tmp_path / "bad.json")
    with pytest.raises(WorkspaceError, match=r"missing.json: the domain registry does not exist"):
        read_domain_registry(tmp_path / "missing.json")


def test_registry_agreement_errors_and_warnings(project: Path, tmp_path: Path):
    entries = _entries(project)
    domains = read_domain_registry(
        write(
            tmp_path / "r.json",
            json.dumps({"domains": [{"id": "billing", "sequences": ["invoice", "sequences/release.yaml"]}]}),
        )
    )
    check = check_registry(domains, entries, Path("r.json"))
    assert check.errors == [
        "sequences/release.yaml:1: sequence 'release' names domain 'shipping', which r.json "
        "does not register; add the domain or fix domainId"
    ]
    assert check.warnings == ["r.json: domain 'billing' lists sequence id 'invoice', which no scanned spec is"]


def test_regenerated_registry_groups_sequences_by_domain(project: Path):
    registry = regenerate_registry(_entries(project), generated_at="now")
    assert registry["domains"] == [
        {"id": "shipping", "sequences": ["release"], "sequence_files": ["sequences/release.yaml"]}
    ]
    assert registry["sequences_without_domain"] == ["audit"]


def test_manifests_are_complete_and_consistent(project: Path):
    out = _manifests(project, _entries(project))
    index = json.loads((out / "index.json").read_text())
    assert index["commit"] == "abc123" and set(index["specs"]) == {"audit", "release"}
    packages = json.loads((out / "packages.json").read_text())
    assert packages["build_order"] == ["core", "app"] and packages["packages"][0]["workspace_dependencies"] == ["core"]
    topics = json.loads((out / "topics.json").read_text())["topics"]
    assert topics == [
        {
            "name": "packed",
            "declared_by": ["release"],
            "emitted_by": [{"sequence": "release", "beat": "1.1", "name": "Pack"}],
        }
    ]
    canonical = json.loads((out / "specs" / "release.json").read_text())
    assert canonical["movements"][0]["beats"][0]["acceptanceCriteria"][0]["then"] == ["a wheel"]
    problems = validate_manifests(out, root=project)
    assert problems == ["interactions.json: release beat 1.2: handler 'sign' resolves to no registered handler"]


def test_tampering_and_spec_changes_are_caught(project: Path):
    entries = _entries(project)
    out = _manifests(project, entries)
    (out / "topics.json").write_text((out / "topics.json").read_text().replace("packed", "unpacked"))
    assert any(
        "topics.json: SHA-256" in p and "changed after generation" in p for p in validate_manifests(out, root=project)
    )
    out = _manifests(project, entries)
    (project / "sequences" / "release.yaml").write_text(RELEASE.replace("Release", "Release 2"))
    assert (
        "sequences/release.yaml: changed since the manifests were generated (sequence 'release')"
        in validate_manifests(out, root=project)
    )


def test_manifest_mismatches_for_conformity(project: Path):
    entries = _entries(project)
    out = _manifests(project, entries)
    now = [(e.sequence.id, e.display, e.sequence.content_hash) for e in entries]
    assert spec_manifest_mismatches(out, now) == []
    changed = [(sid, d, "0" * 64 if sid == "release" else h) for sid, d, h in now[1:]] + [
        ("new", "sequences/new.yaml", "1")
    ]
    assert spec_manifest_mismatches(out, changed) == [
        f"sequences/new.yaml: sequence 'new' is missing from the build manifest {out / 'sequences.json'}",
        f"sequences/release.yaml: sequence 'release' changed since the build manifest {out / 'sequences.json'} was generated",
        f"{out / 'sequences.json'}: lists sequence 'audit' (sequences/nested/audit.json), whose spec is gone",
    ]
    assert spec_manifest_mismatches(project / "nowhere", now) == []


def test_canonical_specs_of_vanished_sequences_are_removed(project: Path):
    out = project / "m"
    write_canonical_specs(out, _entries(project))
    (project / "sequences" / "nested" / "audit.json").unlink()
    write_canonical_specs(out, _entries(project))
    assert sorted(p.name for p in (out / "specs").iterdir()) == ["release.json"]


def test_sequence_docs_pages_and_index(project: Path):
    out = project / "docs" / "generated"
    result = write_sequence_docs(out, _entries(project))
    assert sorted(p.name for p in result.written) == ["audit.md", "index.md", "release.md"]
    page = (out / "release.md").read_text()
    assert "| 1.1 | Pack | `pack` | `packed` |  |  |" in page
    assert "  - **Then** a wheel" in page and "## Events" in page
    (project / "sequences" / "nested" / "audit.json").unlink()
    again = write_sequence_docs(out, _entries(project))
    assert [p.name for p in again.removed] == ["audit.md"]


def test_sequence_docs_leave_hand_written_files_alone(project: Path):
    out = project / "docs" / "generated"
    own = write(out / "release.md", "# written by a person\n")
    with pytest.raises(DocsConflict, match="release.md"):
        write_sequence_docs(out, _entries(project))
    assert own.read_text() == "# written by a person\n" and not (out / "index.md").exists()
