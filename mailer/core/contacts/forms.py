"""PURE: what the contact page's forms accept. Each check returns the cleaned values and the
problems by field, as catalogue keys (`err_<code>`), so the page can tie each message to its
field in the contact's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from mailer.core.models import Role
from mailer.core.roster.values import check_email, clean, has_control

__all__ = [
    "DETAIL_ROLES",
    "SUCCESSOR_ROLES",
    "Details",
    "Successor",
    "check_address",
    "check_details",
    "check_successor",
]

MAX_TEXT = 200  # the register's name and title columns
# The roles a contact may give themselves or a successor: the two every organisation appoints
# (DOMAIN.md), and early childhood education where a municipality names one.
DETAIL_ROLES = (Role.SUPPORT, Role.WELFARE, Role.ECEC, Role.OTHER)
SUCCESSOR_ROLES = (Role.SUPPORT, Role.WELFARE)

Problems = dict[str, str]  # field -> error code


class Details(NamedTuple):
    first_name: str
    last_name: str
    title: str | None
    role: Role


class Successor(NamedTuple):
    first_name: str
    last_name: str
    email: str
    role: Role | None  # None: the leaver's own role
    stop_now: bool  # the leaver's letters stop at once, not when the successor is approved


def _text(form: Mapping[str, str], name: str, problems: Problems, *, required: bool) -> str:
    value = clean(form.get(name, ""))
    if required and not value:
        problems[name] = "required"
    elif len(value) > MAX_TEXT:
        problems[name] = "too_long"
    elif has_control(value):
        problems[name] = "invalid"
    return value


def _role(raw: str, allowed: tuple[Role, ...]) -> Role | None:
    return next((r for r in allowed if r.value == raw), None)


def check_details(form: Mapping[str, str]) -> tuple[Details | None, Problems]:
    problems: Problems = {}
    first = _text(form, "first_name", problems, required=True)
    last = _text(form, "last_name", problems, required=True)
    title = _text(form, "title", problems, required=False)
    role = _role(form.get("role", ""), DETAIL_ROLES)
    if role is None:
        problems["role"] = "role"
    if problems or role is None:
        return None, problems
    return Details(first, last, title or None, role), problems


def check_address(form: Mapping[str, str], current: str) -> tuple[str | None, Problems]:
    email, _reason = check_email(form.get("email", ""))
    if email is None:
        return None, {"email": "required" if not form.get("email", "").strip() else "email"}
    if email == current:
        return None, {"email": "same_address"}
    return email, {}


def check_successor(form: Mapping[str, str], leaver: str) -> tuple[Successor | None, Problems]:
    problems: Problems = {}
    first = _text(form, "first_name", problems, required=True)
    last = _text(form, "last_name", problems, required=True)
    email, _reason = check_email(form.get("email", ""))
    if email is None:
        problems["email"] = "required" if not form.get("email", "").strip() else "email"
    elif email == leaver:
        problems["email"] = "same_address"
    raw_role = form.get("role", "")
    role = _role(raw_role, SUCCESSOR_ROLES)
    if raw_role and role is None:
        problems["role"] = "role"
    if problems or email is None:
        return None, problems
    return Successor(first, last, email, role, form.get("stop_now") == "yes"), problems
