"""PURE: JSON from an untrusted request body, parsed so that no body can make us fail with
anything but a clear refusal (HTTP 400), or store what the database cannot hold.

`json.loads` alone lets through: nesting deep enough for RecursionError (100,000 brackets), an
integer of 5000 digits (ValueError past Python's 4300-digit limit), `1e999` (infinity, which
PostgreSQL's JSON refuses) and lone UTF-16 surrogates such as `"\\ud800"` (which no UTF-8
database can store). Here nesting is bounded, such numbers are refused, and lone surrogates are
removed from every string and key (as NUL is removed from event fields).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["MAX_DEPTH", "UnsafeJsonError", "loads_untrusted"]

MAX_DEPTH = 32  # a SendGrid event is an array of objects holding at most a list of categories
# A surrogate comes from a \\uD800-\\uDFFF escape, or from its UTF-8-like bytes (json decodes
# bytes with "surrogatepass"); a body with neither is not walked.
_MAY_HOLD_SURROGATES = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_SURROGATES = re.compile("[\ud800-\udfff]")


class UnsafeJsonError(ValueError):
    """The body cannot be parsed safely; the message says why (no body content in it)."""


def _constant(name: str) -> None:
    # NaN / Infinity are not JSON (RFC 8259 section 6); Python accepts them, PostgreSQL does not
    raise UnsafeJsonError(f"{name} is not a JSON number")


def _clean(text: str) -> str:
    return _SURROGATES.sub("", text) if _SURROGATES.search(text) else text


def _check(payload: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and numbers out of float range (`1e999` parses as
    infinity), without recursion and without copying: one tight loop, as this sees every
    value of a webhook body of up to a few MB."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeJsonError(f"nested deeper than {MAX_DEPTH} levels")
        for value in node.values() if node.__class__ is dict else node:
            kind = value.__class__
            if kind is dict or kind is list:
                stack.append((value, depth + 1))
            elif kind is float and not math.isfinite(value):
                raise UnsafeJsonError("a number out of range")


def _strip(node: Any) -> Any:
    """`node` without lone surrogates in its strings and keys (depth already bounded)."""
    if isinstance(node, str):
        return _clean(node)
    if isinstance(node, dict):
        return {_clean(key): _strip(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_strip(value) for value in node]
    return node


def loads_untrusted(body: bytes) -> Any:
    """The JSON value of `body`, or UnsafeJsonError (invalid UTF-8 or JSON included)."""
    try:
        payload = json.loads(body, parse_constant=_constant)
    except UnicodeDecodeError as err:
        raise UnsafeJsonError(f"body is not UTF-8 (byte {err.start})") from err
    except json.JSONDecodeError as err:
        raise UnsafeJsonError(
            f"body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    except UnsafeJsonError:
        raise
    except RecursionError as err:
        raise UnsafeJsonError(f"nested deeper than {MAX_DEPTH} levels") from err
    except ValueError as err:  # an integer over Python's 4300-digit conversion limit
        raise UnsafeJsonError(f"a number cannot be read: {str(err).split(':')[0]}") from err
    if isinstance(payload, dict | list):
        _check(payload)
    elif isinstance(payload, float) and not math.isfinite(payload):
        raise UnsafeJsonError("a number out of range")
    return _strip(payload) if _MAY_HOLD_SURROGATES.search(body) else payload
