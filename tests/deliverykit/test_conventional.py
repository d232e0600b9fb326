"""Conventional Commits: what parses, what is refused and why, and the version it implies."""

from __future__ import annotations

import pytest

from pytest_symphony.deliverykit.conventional import NotConventional, bump_level, next_version, parse_message


def test_header_scope_bang_body_and_footers():
    cc = parse_message(
        "feat(search)!: find by tag\n\nLonger text\nover lines.\n\nsecond paragraph\n\n"
        "Refs: #12\nFeature: search\nBREAKING CHANGE: the old query\n  syntax is gone"
    )
    assert (cc.type, cc.scope, cc.description, cc.breaking) == ("feat", "search", "find by tag", True)
    assert cc.body == "Longer text\nover lines.\n\nsecond paragraph"
    assert cc.footer("refs") == ["#12"] and cc.footer("Feature") == ["search"]
    assert cc.footer("BREAKING CHANGE") == ["the old query\n  syntax is gone"]


@pytest.mark.parametrize(
    "message, breaking",
    [
        ("fix: a", False),
        ("FIX: upper-case type", False),
        ("refactor!: drop py2", True),
        ("chore: x\n\nBREAKING-CHANGE: y", True),
        ("fix: a\n\nCloses #3", False),
    ],
)
def test_valid_messages(message, breaking):
    assert parse_message(message).breaking is breaking


@pytest.mark.parametrize(
    "message, says",
    [
        ("Add search", "is not 'type(scope): description'"),
        ("feat:no space", "no space after the colon"),
        ("feat: ", "empty description"),
        ("feat(): x", "empty scope"),
        ("feat: x\nbody right below", "separated from the header by one blank line"),
        ('Revert "feat: x"', "git's default revert message"),
        ("fixup! feat: x", "squash it"),
        ("feat: x\n\nbreaking change: y", "must be written in upper case"),
    ],
)
def test_refused_messages_say_what_to_change(message, says):
    with pytest.raises(NotConventional, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_message(message)


def test_allowed_types():
    parse_message("docs: x", ["feat", "docs"])
    with pytest.raises(NotConventional, match="type 'feature' is not one of feat, fix"):
        parse_message("feature: x", ["feat", "fix"])


@pytest.mark.parametrize(
    "messages, level, after",
    [
        (["fix: a", "docs: b"], "patch", "1.2.4"),
        (["fix: a", "feat: b"], "minor", "1.3.0"),
        (["feat: a", "fix!: b"], "major", "2.0.0"),
        (["perf: a"], "patch", "1.2.4"),
        (["docs: a", "chore: b"], None, None),
    ],
)
def test_bump_and_next_version(messages, level, after):
    parsed = [parse_message(m) for m in messages]
    assert bump_level(parsed) == level
    assert next_version("v1.2.3", parsed) == after


def test_versions_before_one_and_without_a_tag():
    breaking = [parse_message("feat!: new api")]
    assert next_version("v0.4.1", breaking) == "1.0.0"
    assert next_version("v0.4.1", breaking, major_version_zero=True) == "0.5.0"
    assert next_version(None, [parse_message("feat: first")]) == "0.1.0"
    with pytest.raises(ValueError, match="tag releases like v1.2.3"):
        next_version("release-x", breaking)
