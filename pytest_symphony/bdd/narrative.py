"""A user story as a feature's narrative, in grammatical English or not at all.

A narrative is the Gherkin description "As a <persona> / I want <goal> / In order to
<benefit>" (or "So that <benefit>", the Connextra form).  Specs write user stories as
``{persona, goal, benefit}`` or as text ("As a release manager, I need signed wheels");
their goals and benefits are phrases of any shape: "deterministically resolve schemas"
(an action: "I want to ..."), "the create flow to be fast" (a thing: "I want ..."), "we
meet our commitments" (a clause: "So that ..."), "to ship faster" ("In order to ...").

:func:`narrative` writes the three lines when every part reads as one of those shapes,
and otherwise returns None with the reason (a missing part, or a benefit that is only a
noun phrase such as "discovery-driven workflows"): a narrative that is not English is
worse than none, and whoever reads the reason can write it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["narrative", "has_narrative", "parse_story"]

_NARRATIVE_PARTS = (
    re.compile(r"\b(?:in order to|so that)\b", re.I),
    re.compile(r"\bas an?\b", re.I),
    re.compile(r"\bi (?:want|need|would like|wish)\b", re.I),
)
_STORY = re.compile(
    r"^\s*as (?P<a>an?)\s+(?P<p>.+?),?\s+i\s+(?P<v>want|need|would like|wish)\s+(?P<g>.+?)"
    r"(?:,?\s+(?P<c>so that|in order to)\s+(?P<b>.+?))?\s*[.!]?\s*$",
    re.I | re.S,
)
_DETERMINERS = frozenset(
    "the a an my our your their its his her this that these those every each all some any no it them us me "
    "everyone everything".split()
)
_SUBJECTS = frozenset("i we you they he she it everyone everybody nobody people".split())
_AUXILIARIES = frozenset(
    "can cannot could will would may might must shall should is are was were be been am isn't aren't won't can't "
    "remains remain stays stay becomes become has have had does do did gets get keeps keep".split()
)
#: Base-form verbs common at the start of a benefit ("get fixes", "ship faster"): an action.
_ACTIONS = frozenset(
    "get ship reduce avoid save keep make know see find deliver release deploy build track enable support ensure "
    "improve increase meet prevent catch detect fix learn plan prove reuse run test trust understand".split()
)


def has_narrative(description: str) -> bool:
    """Whether a feature's description holds the three parts of a narrative."""
    return all(p.search(description or "") for p in _NARRATIVE_PARTS)


def parse_story(story: Any) -> tuple[str | None, str | None, str | None]:
    """(persona, "I want ..." line, "In order to / So that ..." line) of a model ``UserStory``:
    from its fields, else read from its text, whose own words are kept ("I need signed
    wheels", "so that audits pass").  A part that is missing or cannot be phrased is None."""
    if story is None:
        return None, None, None
    persona, goal, benefit = (_clean(getattr(story, k, None)) for k in ("persona", "goal", "benefit"))
    want = f"I want {_goal(goal)}" if goal else None
    why = _benefit(benefit) if benefit else None
    text = _clean(getattr(story, "text", None))
    if text and not (persona and want and why):
        m = _STORY.match(text)
        if m:
            persona = persona or f"{m['a'].lower()} {_clean(m['p'])}"
            want = want or f"I {m['v'].lower()} {_clean(m['g'])}"
            if not benefit and m["b"]:
                benefit, why = _clean(m["b"]), f"{m['c'][0].upper()}{m['c'][1:].lower()} {_clean(m['b'])}"
    return persona, want, why if benefit else None


def narrative(story: Any) -> tuple[list[str] | None, str]:
    """The narrative lines of a user story, or None and why it cannot be written."""
    if story is None:
        return None, "there is no user story"
    persona, want, why = parse_story(story)
    benefit = _clean(getattr(story, "benefit", None))
    if benefit and why is None:
        return None, (
            f"the user story's benefit {benefit!r} reads as neither an action nor a clause, so no "
            '"In order to" or "So that" line says it in English'
        )
    missing = [name for name, part in (("persona", persona), ("goal", want), ("benefit", why)) if not part]
    if missing:
        return None, f"the user story has no {' and no '.join(missing)}"
    assert persona and want and why
    return [f"As {_with_article(persona)}", want, why], ""


def _with_article(persona: str) -> str:
    """ "a release manager", "an operator", "a user"; an article already there is kept."""
    if re.match(r"(?:an?|the)\s", persona, re.I):
        return persona[0].lower() + persona[1:]
    vowel_sound = persona[:1].lower() in "aeiou" and not re.match(
        r"(?:uni|use|usu|uti|eu|one\b|ur[aeiou])", persona, re.I
    )
    return f"{'an' if vowel_sound else 'a'} {persona}"


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split()).strip(" ,;.")
    return text or None


def _words(text: str) -> list[str]:
    return [w.strip("(),;:'\"").lower() for w in text.split()]


def _goal(goal: str) -> str:
    """ "to <action>" for an action, the goal as it is for a thing one wants."""
    first, raw = _words(goal)[0], goal.split()[0]
    if first == "to" or first in _DETERMINERS or not first.isalpha() or any(c.isupper() for c in raw[1:]):
        return goal  # "to ...", "the flow to ...", "2 retries", "uI changes" (an acronym: a thing)
    if first.endswith("s") and not first.endswith(("ss", "us")):
        return goal  # "wheels on the index": a plural thing
    return f"to {goal}"


def _benefit(benefit: str) -> str | None:
    words = _words(benefit)
    if words[0] == "to":
        return f"In order to {benefit.split(None, 1)[1]}" if len(words) > 1 else None
    if words[0] in _ACTIONS:
        return f"In order to {benefit}"
    if words[0] in _SUBJECTS or any(w in _AUXILIARIES or w in _ACTIONS for w in words[1:]) or len(words) >= 4:
        return f"So that {benefit}"
    return None
