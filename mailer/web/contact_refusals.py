"""The public contact pages' refusals, in both languages at once (the visitor's language is not
known): 404 for any link that does not name a live contact, 429 with Retry-After for too many
posts, 403 for a form that did not come from its page."""

from __future__ import annotations

import math

from fastapi.responses import HTMLResponse

from mailer.config import Settings
from mailer.core.models import Language
from mailer.web.pages import html_response, public_strings

__all__ = ["form_expired", "not_found", "too_many"]


def _both(settings: Settings, status: int, title: str, body: str, **fill: object) -> HTMLResponse:
    fi, sv = public_strings(settings, Language.FI), public_strings(settings, Language.SV)
    return html_response(
        settings,
        "public/refused.html",
        status=status,
        lang=Language.FI.value,
        fi={"network": fi["network"], "title": fi[title], "body": fi[body].format(**fill)},
        sv={"network": sv["network"], "title": sv[title], "body": sv[body].format(**fill)},
    )


def not_found(settings: Settings) -> HTMLResponse:
    return _both(settings, 404, "not_found_title", "not_found_body")


def too_many(settings: Settings, retry_after: int) -> HTMLResponse:
    response = _both(
        settings,
        429,
        "too_many_title",
        "too_many_body",
        minutes=max(1, math.ceil(retry_after / 60)),
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def form_expired(settings: Settings) -> HTMLResponse:
    return _both(settings, 403, "form_expired_title", "form_expired_body")
