"""Letters and schedules are read with a strict YAML loader: anchors and aliases are refused (a
342-byte file of nested aliases took 10 GB), nesting is capped, and a list used as a key, a
5000-digit number or any other unreadable value is a problem with the file and the line,
never a traceback. Property: random YAML never raises anything but our located error."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.core.edition.content import validate_edition
from mailer.core.errors import ScheduleError
from mailer.core.schedule.spec import parse_schedule

ZONE = ZoneInfo("Europe/Helsinki")
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
ATTACKS = {
    "billion laughs": (LAUGHS, 1),
    "self-referencing alias": "month: 2026-11\nloop: &l [*l]\n",
    "a list used as a key": "month: 2026-11\n? [a, b]\n: value\n",
    "a mapping used as a key": "month: 2026-11\n? {a: b}\n: value\n",
    "a 5000-digit integer": "month: 2026-11\nsubject: " + "9" * 5000 + "\n",
    "100,000-deep brackets": "month: 2026-11\nx: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "100,000-deep mappings": "month: 2026-11\nx: " + "{a: " * 100_000 + "1" + "}" * 100_000,
    "a python tag": "month: 2026-11\nx: !!python/name:os.system\n",
    "a merge of an alias": "base: &b {fi: a}\nsubject:\n  <<: *b\n",
}
LINES = {
    "billion laughs": 1,
    "self-referencing alias": 2,
    "a list used as a key": 2,
    "a mapping used as a key": 2,
    "a 5000-digit integer": 2,
    "100,000-deep brackets": 2,
    "100,000-deep mappings": 2,
    "a python tag": 2,
    "a merge of an alias": 1,
}


def _text(name: str) -> str:
    attack = ATTACKS[name]
    return attack[0] if isinstance(attack, tuple) else attack


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_hostile_letter_is_one_located_problem_at_once(name: str) -> None:
    started = time.monotonic()
    edition, problems = validate_edition(_text(name), "letters/2026-11.yaml", zone=ZONE)
    assert time.monotonic() - started < 5
    assert edition is None
    [problem] = problems
    assert (problem.file, problem.line, problem.field) == (
        "letters/2026-11.yaml",
        LINES[name],
        "(file)",
    )


def test_the_refusal_says_why() -> None:
    _, [anchors] = validate_edition(LAUGHS, "l.yaml", zone=ZONE)
    assert "anchors and aliases" in anchors.message
    _, [deep] = validate_edition(_text("100,000-deep brackets"), "l.yaml", zone=ZONE)
    assert "nested deeper than" in deep.message
    _, [key] = validate_edition(_text("a list used as a key"), "l.yaml", zone=ZONE)
    assert "key must be a plain value" in key.message
    _, [number] = validate_edition(_text("a 5000-digit integer"), "l.yaml", zone=ZONE)
    assert "4300 digits" in number.message


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_hostile_schedule_is_a_schedule_error_with_the_line(name: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(_text(name).replace("month: 2026-11", "name: monthly"), "s.yaml")
    assert caught.value.file == "s.yaml"
    assert caught.value.line == LINES[name]


def test_a_plain_merge_key_still_works() -> None:
    text = "name: m\n<<: {when: {day: first tuesday}}\n"
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, "s.yaml")
    assert "anchors" not in str(caught.value)


# --- property: random YAML never raises anything but our located error ----------------------

SCALARS = st.one_of(
    st.sampled_from(
        ["2026-11", "fi", "sv", "hyks", "~", "null", "yes", "0x1F", "1e999", "09:00", "'q'"]
    ),
    st.integers().map(str),
    st.text(alphabet="ab:-#&*!|>'\"[]{},?%@`\\ \t", max_size=8),
)


def _node(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return SCALARS
    child = _node(depth - 1)
    return st.one_of(
        SCALARS,
        st.lists(child, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(child, child), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        ),
        st.tuples(st.sampled_from(["&a ", "*a", "!!str ", "!!int ", "!!binary ", "? "]), child).map(
            "".join
        ),
    )


DOCUMENTS = st.lists(
    st.tuples(st.sampled_from(["month", "subject", "intro", "regional", "events", "x"]), _node(3)),
    max_size=6,
).map(lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs))
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(text=st.one_of(DOCUMENTS, st.text(max_size=300)))
def test_random_yaml_letters_give_problems_never_exceptions(text: str) -> None:
    edition, problems = validate_edition(text, "letters/2026-11.yaml", zone=ZONE)
    assert (edition is None) == bool(problems)
    assert all(p.file == "letters/2026-11.yaml" and p.message for p in problems)


@PROPERTY
@given(text=st.one_of(DOCUMENTS, st.text(max_size=300)))
def test_random_yaml_schedules_raise_only_schedule_errors(text: str) -> None:
    try:
        parse_schedule(text, "s.yaml")
    except ScheduleError as err:
        assert err.file == "s.yaml"
