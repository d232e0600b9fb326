"""What a spec may call and what it may pass: only registered handlers, never a fixture by accident."""

import pytest

HANDLERS = """
@handler
def ok():
    pass

@handler
def takes_tmp(tmp_path):
    print("TMP", tmp_path)

@handler
def takes_symphony(symphony):
    pass

def _private():
    print("PRIVATE RAN")

def helper():
    print("HELPER RAN")
"""


def _one_beat(project, beat: str, name: str = "s") -> None:
    project.spec(f"{name}.yaml", f"id: {name}\nmovements:\n  - name: m\n    beats:\n      - {beat}\n")


@pytest.mark.parametrize(
    "handler",
    ["_private", "helper", "handlers#_private", "handlers#helper", "pytest_configure", "conftest#pytest_configure"],
)
def test_only_registered_handlers_are_callable_from_a_spec(project, handler):
    project.handlers(HANDLERS)
    project.pytester.makeconftest("def pytest_configure(config):\n    print('HOOK RAN FROM A SPEC')\n")
    _one_beat(project, f"{{name: a, handler: '{handler}'}}")
    result = project.run("-q", "-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*names handler '{handler}', which no registered module provides*"])
    out = result.stdout.str()
    assert "PRIVATE RAN" not in out and "HELPER RAN" not in out and out.count("HOOK RAN FROM A SPEC") == 1


def test_handlers_a_plugin_registers_are_callable(project):
    project.handlers(HANDLERS)
    project.pytester.makeconftest("""
        def plain(symphony):
            symphony.state["plain"] = True

        def pytest_symphony_register_handlers(registry):
            registry.add(plain, "plainHandler")
    """)
    _one_beat(project, "{name: a, handler: plainHandler}")
    project.run("-q").assert_outcomes(passed=1)


@pytest.mark.parametrize("inputs,fixture", [("{tmp_path: /elsewhere}", "tmp_path"), ("{workspace: /x}", "workspace")])
def test_an_input_that_replaces_a_fixture_is_an_error_naming_both(project, inputs, fixture):
    project.handlers(HANDLERS + "\n@handler\ndef takes_workspace(workspace):\n    print('WS', workspace)\n")
    project.pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef workspace(tmp_path):\n    return tmp_path\n")
    handler = "takes_tmp" if fixture == "tmp_path" else "takes_workspace"
    _one_beat(project, f"{{name: a, handler: {handler}, inputs: {inputs}}}")
    result = project.run("-q", "-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*sequences/s.yaml:5: beat 1.1 'a' has an input '{fixture}' and a fixture '{fixture}' exists: the input "
            f"would replace the fixture*`overrideFixtures: [[]{fixture}]`*"
        ]
    )
    assert "/elsewhere" not in result.stdout.str() and "WS /x" not in result.stdout.str()


def test_an_explicit_override_is_allowed(project):
    project.handlers(HANDLERS)
    _one_beat(project, "{name: a, handler: takes_tmp, inputs: {tmp_path: /elsewhere}, overrideFixtures: [tmp_path]}")
    result = project.run("-q", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["TMP /elsewhere"])


def test_the_run_context_can_never_be_replaced(project):
    project.handlers(HANDLERS)
    _one_beat(project, "{name: a, handler: takes_symphony, inputs: {symphony: fake}, overrideFixtures: [symphony]}")
    result = project.run("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*has an input 'symphony', but 'symphony' is the run's own parameter*"])


def test_an_input_no_fixture_shares_is_just_an_input(project):
    project.handlers(HANDLERS + "\n@handler\ndef takes_fmt(fmt):\n    assert fmt == 'wheel'\n")
    _one_beat(project, "{name: a, handler: takes_fmt, inputs: {fmt: wheel}}")
    project.run("-q").assert_outcomes(passed=1)
