"""Schema validation of POST /v3/mail/send bodies for the fake SendGrid.

What is validated, for EVERY request (nothing is sampled or skipped):

1. The JSON Schema of the request body from SendGrid's own OpenAPI document
   (``components.requestBodies.PostMailSend.content["application/json"].schema`` in
   ``tests/fakes/sendgrid_oai/tsg_mail_v3.json``; OpenAPI 3.1 = JSON Schema 2020-12), with the
   overlay documented in ``tests/fakes/sendgrid_oai/README.md``: top-level ``custom_args`` is an
   object of string values in the live API (the spec says ``string``). ``format: email`` is checked
   (see EMAIL_RE).
2. The rules the schema does not express but the live API enforces with a 400 (README + SendGrid's
   "Mail Send errors" page): ``check_business_rules`` in tests/fakes/sendgrid_rules.py lists them.

How (speed matters: the bench pushes 1,000 bodies of 1,000 personalizations, ~1 MB each):

- The fast path is ``fastjsonschema``: the spec schema is copied with every ``$ref`` inlined
  (the schema has no recursive refs) and annotations dropped, then compiled to Python code. After
  inlining, the schema uses only keywords whose meaning is identical in draft-07 and 2020-12
  (``SAME_MEANING_KEYWORDS``; checked at load time, so a spec update that uses anything else
  fails loudly instead of being validated wrongly). A ``$ref`` with sibling keywords (2020-12
  applies both) becomes ``allOf`` so no constraint is lost. ~5 ms for a 1 MB body versus
  ~150 ms for jsonschema.
- When the fast path rejects a body, the reference validator (``jsonschema`` Draft 2020-12 with a
  ``referencing`` registry over the unmodified spec document + overlay) produces the error that is
  answered, so the message and ``field`` path come from the reference implementation. If the two
  validators disagree, the fake answers 500 and records the disagreement (never a silent accept).
- ``cross_check=True`` (the default of the pytest fixture) also runs the reference validator on
  every body of at most 100 personalizations the fast path accepts, so tests exercise both
  validators on what they send; tests/test_fake_sendgrid_validators.py checks agreement on
  hypothesis-mutated bodies.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# Vendored beside this module (MIT, see sendgrid_oai/README.md); SENDGRID_OAI_DIR overrides it.
SPEC_DIR = Path(
    os.environ.get("SENDGRID_OAI_DIR", Path(__file__).resolve().parent / "sendgrid_oai")
)
MAIL_SPEC = SPEC_DIR / "tsg_mail_v3.json"
SPEC_URI = "urn:sendgrid-oai:tsg_mail_v3"
BODY_POINTER = "/components/requestBodies/PostMailSend/content/application~1json/schema"

# One address shape for both validators: something@domain.tld, no spaces, exactly one "@".
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+$")

# Keywords that mean the same in draft-07 (fastjsonschema's dialect) and 2020-12.
SAME_MEANING_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "items",  # a single schema here; arrays of schemas are rejected by _check_keywords
        "additionalProperties",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxLength",
        "minLength",
        "maxProperties",
        "enum",
        "format",
        "default",
        "allOf",
    }
)
ANNOTATIONS = frozenset({"description", "example", "examples", "title", "deprecated"})


@dataclass(frozen=True)
class Rejection:
    """Why a request was refused: HTTP status, SendGrid-style message and JSON path (or None)."""

    status: int
    message: str
    field: str | None = None

    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "field": self.field, "help": None}]}


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(EMAIL_RE.match(value))


def _apply_overlay(schema: dict[str, Any]) -> dict[str, Any]:
    """README overlay: the live API takes top-level custom_args as an object of strings."""
    schema = copy.deepcopy(schema)
    schema["properties"]["custom_args"] = {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }
    return schema


def _resolve(root: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"unsupported $ref {ref!r} in the SendGrid spec")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _inline(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """Copy a schema with every $ref replaced by its target (2020-12 sibling semantics kept)."""
    if depth > 50:
        raise ValueError("recursive $ref in the SendGrid spec: cannot inline")
    if isinstance(node, list):
        return [_inline(x, root, depth) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS or key == "$ref":
            continue
        if key == "properties":  # keys here are property names, not keywords
            out[key] = {name: _inline(sub, root, depth) for name, sub in value.items()}
        else:
            out[key] = _inline(value, root, depth)
    if "$ref" in node:
        target = _inline(_resolve(root, node["$ref"]), root, depth + 1)
        # In 2020-12 a $ref applies together with its siblings: keep both via allOf.
        out = {**out, "allOf": [target]} if out else target
    return out


def _check_keywords(node: Any) -> None:
    if isinstance(node, list):
        for x in node:
            _check_keywords(x)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key not in SAME_MEANING_KEYWORDS:
            raise ValueError(f"keyword {key!r} has no checked draft-07 equivalent")
        if key == "properties":
            for sub in value.values():
                _check_keywords(sub)
        elif key == "items" and isinstance(value, list):
            raise ValueError("array-form items differs between draft-07 and 2020-12")
        elif key in {"items", "additionalProperties", "allOf"}:
            _check_keywords(value)


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(MAIL_SPEC.read_text(encoding="utf-8"))
    body = _resolve(spec, "#" + BODY_POINTER)
    overlaid = copy.deepcopy(spec)
    requests = overlaid["components"]["requestBodies"]
    requests["PostMailSend"]["content"]["application/json"]["schema"] = _apply_overlay(body)
    return overlaid


@cache
def reference_validator() -> Draft202012Validator:
    """jsonschema 2020-12 over the (overlaid) spec document through a referencing registry."""
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource(contents=_spec(), specification=DRAFT202012)
    )
    checker = Draft202012Validator.FORMAT_CHECKER.__class__()
    checker.checks("email")(_is_email)
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{BODY_POINTER}"}, registry=registry, format_checker=checker
    )


@cache
def fast_validator() -> Callable[[Any], Any]:
    spec = _spec()
    inlined = _inline(_resolve(spec, "#" + BODY_POINTER), spec)
    _check_keywords(inlined)
    return fastjsonschema.compile(  # type: ignore[no-any-return]
        {"$schema": "http://json-schema.org/draft-07/schema#", **inlined},
        formats={"email": _is_email},
    )


def warm_up() -> None:
    """Build (and cache) both validators."""
    fast_validator()
    reference_validator()


def _path(parts: Iterable[Any]) -> str | None:
    joined = ".".join(str(p) for p in parts)
    return joined or None


def reference_error(body: Any) -> Rejection | None:
    """The reference validator's best error for `body`, as SendGrid would answer it."""
    error = best_match(reference_validator().iter_errors(body))
    if error is None:
        return None
    return Rejection(400, error.message, _path(error.absolute_path))


def validate_schema(body: Any, *, cross_check: bool) -> Rejection | None:
    """Schema validation (fast path + reference validator, see the module docstring)."""
    try:
        fast_validator()(body)
    except fastjsonschema.JsonSchemaValueException as err:
        rejection = reference_error(body)
        if rejection is None:
            return Rejection(
                500, f"fake SendGrid validators disagree: fastjsonschema says {err.message}"
            )
        return rejection
    if cross_check:
        rejection = reference_error(body)
        if rejection is not None:
            return Rejection(
                500,
                "fake SendGrid validators disagree: jsonschema rejects what fastjsonschema "
                f"accepted: {rejection.message} at {rejection.field}",
            )
    return None
