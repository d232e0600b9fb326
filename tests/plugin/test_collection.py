"""Every beat is a pytest item: node ids, locations, markers, selection by -k/-m/--lf."""

RELEASE = """
id: release
name: Release
events: [compiled, packed, shipped]
movements:
  - name: Build
    beats:
      - name: Compile
        handler: compile_sources
        event: compiled
      - name: Pack
        handler: pack
        event: packed
  - name: Ship
    beats:
      - name: Upload
        handler: upload
        event: shipped
"""

HANDLERS = """
@handler
def compile_sources(symphony):
    symphony.state["compiled"] = True

@handler
def pack(symphony):
    assert symphony.state["compiled"]
    return {"packed": "release.whl"}

@handler
def upload(symphony):
    assert symphony.state["packed"] == "release.whl"
"""


def test_each_beat_is_an_item_with_spec_node_id(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    result = project.run("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "sequences/release.yaml::release::build::compile",
            "sequences/release.yaml::release::build::pack",
            "sequences/release.yaml::release::ship::upload",
            "3 tests collected*",
        ]
    )


def test_beats_run_in_order_and_share_state(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    result = project.run("-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*release::build::compile PASSED*",
            "*release::build::pack PASSED*",
            "*release::ship::upload PASSED*",
        ]
    )


def test_location_points_at_the_beat_line(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    items, _ = project.pytester.inline_genitems()
    by_name = {item.name: item for item in items}
    path, lineno, domain = by_name["pack"].location
    assert path == "sequences/release.yaml"
    # "- name: Pack" is on line 10 of the spec (1-based); locations are 0-based
    assert lineno == 9
    assert "Pack" in domain


def test_markers_select_sequences_and_run_clean_under_strict(project):
    project.ini("strict = true")
    project.spec("release.yaml", RELEASE)
    project.spec(
        "other.json", '{"id": "other", "movements": [{"name": "m", "beats": [{"name": "b", "handler": "pack"}]}]}'
    )
    project.handlers(HANDLERS)
    result = project.run("-m", "symphony_release", "-q")
    result.assert_outcomes(passed=3, deselected=1)
    result = project.run("-m", "symphony and not symphony_release", "-q")
    result.stdout.fnmatch_lines(["*1 failed*3 deselected*"])


def test_keyword_selection_and_last_failed(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(
        HANDLERS.replace('assert symphony.state["packed"] == "release.whl"', "assert False, 'upload refused'")
    )
    result = project.run("-k", "compile", "-q")
    result.assert_outcomes(passed=1, deselected=2)
    project.run("-q").assert_outcomes(passed=2, failed=1)
    result = project.run("--lf", "-q")
    result.assert_outcomes(passed=2, failed=1)  # the failed beat, after the beats it stands on
    result.stdout.fnmatch_lines(["*upload refused*"])


def test_unknown_symphony_name_is_a_usage_error_listing_known(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    result = project.run("--symphony=relase")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*unknown sequence 'relase'; known: release*"])


def test_symphony_option_deselects_everything_else(project):
    project.spec("release.yaml", RELEASE)
    project.spec("other.yaml", "id: other\nmovements:\n  - name: m\n    beats:\n      - {name: b, handler: pack}\n")
    project.handlers(HANDLERS)
    project.pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = project.run("--symphony=release", "-q", "sequences", "test_plain.py")
    result.assert_outcomes(passed=3, deselected=2)


def test_slugs_are_unique(project):
    project.spec(
        "dup.yaml",
        """
        id: dup
        movements:
          - name: Build
            beats:
              - {name: Step, handler: pack}
              - {name: Step, handler: pack}
          - name: Build
            beats:
              - {handler: loadBuildContext}
    """,
    )
    project.handlers("@handler\ndef pack(symphony):\n    pass\n\n@handler\ndef loadBuildContext():\n    pass\n")
    result = project.run("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "sequences/dup.yaml::dup::build::step",
            "sequences/dup.yaml::dup::build::step-2",
            "sequences/dup.yaml::dup::build-2::load-build-context",
        ]
    )


def test_specs_outside_symphony_paths_are_not_collected(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    data = project.pytester.path / "data"
    data.mkdir()
    (data / "fixture.json").write_text('{"not": "a spec"}')
    result = project.run("--collect-only", "-q")
    result.stdout.fnmatch_lines(["3 tests collected*"])


def test_symphony_paths_are_collected_beside_testpaths(project):
    project.ini("testpaths = tests")
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    tests = project.pytester.mkdir("tests")
    (tests / "test_x.py").write_text("def test_x():\n    pass\n")
    project.run("-q").assert_outcomes(passed=4)


def test_junitxml_carries_beat_properties(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    project.run("--junitxml=out.xml").assert_outcomes(passed=3)
    xml = (project.pytester.path / "out.xml").read_text()
    assert '<property name="sequence" value="release" />' in xml
    assert '<property name="movement" value="ship" />' in xml
    assert '<property name="event" value="shipped" />' in xml


def test_symphony_list_names_every_sequence_and_runs_nothing(project):
    project.spec("release.yaml", RELEASE)
    project.spec("broken.yaml", "id: [unclosed\n")
    project.handlers(HANDLERS)
    result = project.run("--symphony-list")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "id * file * movements * beats * beats per dynamic",
            "release * sequences/release.yaml * pp * p * mf * f * ff *",
            "build (--symphony=build) * symphony:build * pp * p * mf * f * ff *",
            "sequences/broken.yaml: cannot load*",
        ]
    )
    assert not (project.pytester.path / ".symphony").exists()


def test_symphony_list_without_the_terminal_plugin_still_prints(project):
    project.spec("release.yaml", RELEASE)
    project.handlers(HANDLERS)
    result = project.run("--symphony-list", "-p", "no:terminal")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "id * file * movements * beats * beats per dynamic",
            "release * sequences/release.yaml * pp * p * mf * f * ff *",
        ]
    )


def test_every_sequence_node_carries_its_marker_when_plugins_select(project):
    """Markers are put on sequence nodes together at the end of collection (one read of the
    marker lines, not one per sequence): a plugin's selection hook still finds every one."""
    for n in range(12):
        project.spec(
            f"s{n:02d}.yaml",
            f"id: s{n:02d}\nmovements:\n  - name: m\n    beats:\n      - name: b\n        handler: compile_sources\n",
        )
    project.handlers(HANDLERS)
    project.pytester.makeconftest(
        """
        def pytest_collection_modifyitems(items):
            for item in items:
                assert item.get_closest_marker("symphony_" + item.nodeid.split("::")[1]), item.nodeid
        """
    )
    project.run("-m", "symphony_s07", "-q").assert_outcomes(passed=1, deselected=11)
