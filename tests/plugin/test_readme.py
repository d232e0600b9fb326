"""The README's quick start works as written: its files, run, give what it shows."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quick_start_runs_as_the_readme_shows(pytester):
    text = README.read_text(encoding="utf-8")
    quick = text[text.index("## Quick start"):text.index("## The spec, field by field")]
    blocks = dict((lang, body) for lang, body in re.findall(r"```(ini|yaml|python)\n(.*?)```", quick, re.S))
    pytester.makeini(blocks["ini"])
    (pytester.path / "sequences").mkdir()
    (pytester.path / "sequences" / "release.yaml").write_text(blocks["yaml"], encoding="utf-8")
    pytester.makepyfile(handlers=blocks["python"])
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "sequences/release.yaml::release::build::compile PASSED*",
        "sequences/release.yaml::release::build::pack PASSED*",
        "release: 2 passed, 0 failed, 0 skipped in *s; slowest beat 1.* (* ms)",
    ])
