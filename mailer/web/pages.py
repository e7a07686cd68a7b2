"""Serving the server-rendered pages: the HTML response and the security headers every page
carries. The templates, their strings and the bounce report page live in `mailer.pipeline.pages`
(the CLI writes the same pages to files).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from mailer.config import Settings
from mailer.pipeline.pages import bounce_report_html, public_strings, render, stylesheet_hash

__all__ = [
    "bounce_report_html",
    "html_response",
    "public_strings",
    "render",
    "security_headers",
]


def security_headers(settings: Settings, *, scripts: bool = False) -> dict[str, str]:
    """No caching (pages show personal data), no framing (clickjacking the unsubscribe button),
    and a CSP that allows nothing but our one inline stylesheet, pinned by its hash. A page with
    `scripts` (the editor's live check) may also load our own script files and fetch from us;
    inline scripts stay forbidden everywhere."""
    css_hash = stylesheet_hash(settings)
    own_scripts = "script-src 'self'; connect-src 'self'; " if scripts else ""
    return {
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # The unsubscribe token is in the URL: never send it on to another site.
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'sha256-{css_hash}'; {own_scripts}form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
    }


def html_response(
    settings: Settings, name: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    return HTMLResponse(
        render(settings, name, **context), status_code=status, headers=security_headers(settings)
    )
