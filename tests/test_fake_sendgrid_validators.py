"""The fake's fast validator (fastjsonschema over the inlined spec) agrees with the reference
validator (jsonschema 2020-12 over the spec document) on mutated mail-send bodies."""

from __future__ import annotations

import copy
from typing import Any

import fastjsonschema
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.fakes import sendgrid_schema as schema
from tests.test_fake_sendgrid import valid_body

BASE = valid_body(2)
BASE.update(
    {
        "reply_to": {"email": "vastaus@oph.example"},
        "asm": {"group_id": 7, "groups_to_display": [7]},
        "attachments": [{"content": "eA==", "filename": "liite.pdf", "disposition": "inline"}],
        "mail_settings": {"sandbox_mode": {"enable": False}},
        "tracking_settings": {"open_tracking": {"enable": False}},
        "custom_args": {"source": "vipu"},
        "send_at": 1_790_000_000,
        "ip_pool_name": "vipu",
    }
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(BASE)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "a@b.example", "not an address", "inline", "text/html", "ä"])
    | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _accepts_fast(body: Any) -> bool:
    try:
        schema.fast_validator()(body)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(PATHS), JSON_VALUES | st.just(KeyError)), min_size=1, max_size=3
    )
)
def test_fast_and_reference_validators_agree_on_mutated_bodies(mutations):
    body = copy.deepcopy(BASE)
    for path, value in mutations:
        node: Any = body
        try:
            for part in path[:-1]:
                node = node[part]
            if value is KeyError:
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this path

    accepted = _accepts_fast(body)
    event("accepted" if accepted else "rejected")
    assert accepted == (schema.reference_error(body) is None)


def test_the_unmutated_rich_body_is_valid():
    assert _accepts_fast(BASE)
    assert schema.reference_error(BASE) is None
