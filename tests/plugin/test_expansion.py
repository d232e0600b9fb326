"""Expanded beats (one item per target computed at collection), non-critical beats, named pipelines."""

EXPANDED = """
id: fan
movements:
  - name: Build
    beats:
      - {name: Prepare, handler: prepare}
      - {name: Package, handler: build_one, expand: packages}
      - {name: Record, handler: record}
"""


def test_a_beat_expands_into_one_item_per_target(project):
    project.spec("fan.yaml", EXPANDED)
    project.handlers("""
        from pytest_symphony import Target, expander

        @expander("packages")
        def packages(config):
            return [Target("core", {"n": 1}), Target("app", {"n": 2}), "cli"]

        @handler
        def prepare(symphony):
            symphony.state["built"] = []

        @handler
        def build_one(symphony):
            symphony.state["built"].append(symphony.target.id)

        @handler
        def record(symphony):
            assert symphony.state["built"] == ["core", "app", "cli"]
    """)
    result = project.run("-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "*fan::build::prepare PASSED*",
            "*fan::build::package::core PASSED*",
            "*fan::build::package::app PASSED*",
            "*fan::build::package::cli PASSED*",
            "*fan::build::record PASSED*",
        ]
    )


def test_an_expander_that_raises_fails_the_beat_before_any_target(project):
    project.spec("fan.yaml", EXPANDED)
    project.handlers("""
        from pytest_symphony import expander

        @expander("packages")
        def packages(config):
            raise ValueError("dependency cycle: a -> b -> a")

        @handler
        def prepare(): pass
        @handler
        def build_one(): pass
        @handler
        def record(): pass
    """)
    result = project.run("-v")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*fan::build::package::expand FAILED*", "*dependency cycle: a -> b -> a*"])


def test_target_location_points_at_its_file(project):
    project.spec("fan.yaml", EXPANDED)
    project.handlers("""
        from pytest_symphony import Target, expander

        @expander("packages")
        def packages(config):
            return [Target("pkg/pyproject.toml", None, path=str(config.rootpath / "pkg" / "pyproject.toml"), line=3)]

        @handler
        def prepare(): pass
        @handler
        def build_one(): pass
        @handler
        def record(): pass
    """)
    items, _ = project.pytester.inline_genitems()
    target = [i for i in items if i.nodeid.endswith("pkg/pyproject.toml")][0]
    assert target.location[:2] == ("pkg/pyproject.toml", 2)


def test_non_critical_failures_do_not_stop_the_sequence(project):
    project.spec(
        "soft.yaml",
        """
        id: soft
        movements:
          - name: M
            beats:
              - {name: Lint, handler: lint, critical: false}
              - {name: Build, handler: build}
    """,
    )
    project.handlers("""
        @handler
        def lint(): raise AssertionError("3 lint warnings")
        @handler
        def build(): pass
    """)
    project.run().assert_outcomes(passed=1, failed=1)


def test_plugins_supply_pipelines_collected_only_when_named(project):
    spec_dir = project.pytester.mkdir("elsewhere")
    (spec_dir / "nightly.yaml").write_text(
        "id: nightly-pipeline\nmovements:\n  - name: M\n    beats:\n      - {name: Go, handler: go}\n"
    )
    project.pytester.makeconftest("""
        from pathlib import Path
        from pytest_symphony.pipelines import Pipeline

        def pytest_symphony_pipelines(config):
            return [Pipeline("nightly", Path(__file__).parent / "elsewhere" / "nightly.yaml")]
    """)
    project.handlers("@handler\ndef go(): print('WENT')\n")
    project.pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    project.run().assert_outcomes(passed=1)
    result = project.run("--symphony=nightly", "-v", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*symphony:nightly::nightly-pipeline::m::go*WENT*"])
    project.run("--symphony=nightly-pipeline").assert_outcomes(passed=1)
