"""The one place a SendGrid API client is built, and the guard on its logger.

Everything this package asks of SendGrid (Mail Send, the suppression lists) goes through the
official `sendgrid` package's client, built here from the settings: one API key check, one host,
one timeout.

python_http_client logs every request at DEBUG: its headers (the `Authorization: Bearer <API key>`
among them), its whole body (every recipient's address) and every answer (a suppression page is a
list of addresses). Secrets and personal data stay out of logs whatever level logging is set to:
the logger starts at INFO, and `RedactingFilter` rewrites those lines should an operator turn it
to DEBUG anyway. A logger's filters run only for records it will emit, so the send path pays
nothing for the filter at INFO.
"""

from __future__ import annotations

import logging
import re

import sendgrid

from mailer.config import Settings
from mailer.core.errors import ConfigError

__all__ = ["HTTP_LOGGER", "RedactingFilter", "make_client"]

HTTP_LOGGER = "python_http_client.client"

# python_http_client's debug lines (python_http_client/client.py, 3.3.x), each formatted in full
# before it is logged: "PAYLOAD: <body>", "HEADERS: <dict>", "<METHOD> Response: <status> <body>"
_PAYLOAD = re.compile(r"^PAYLOAD: .*", re.DOTALL)
_RESPONSE = re.compile(r"^([A-Z]+ Response: \d+) .*", re.DOTALL)
_AUTHORIZATION = re.compile(r"""(['"]authorization['"]\s*:\s*)(['"]).*?\2""", re.IGNORECASE)
# and, whatever shape a line has, a bearer token or a SendGrid key (`SG.<id>.<secret>`)
_TOKEN = re.compile(r"""\b(Bearer\s+)[^\s'",]+|\bSG\.[\w-]+\.[\w-]+""", re.IGNORECASE)
REDACTED = "<redacted>"


def _token(found: re.Match[str]) -> str:
    return f"{found.group(1) or ''}{REDACTED}"


class RedactingFilter(logging.Filter):
    """Keeps python_http_client's debug lines but never the API key or a body (request or
    answer): what remains is the method, the URL, the status and the header names."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _PAYLOAD.sub(f"PAYLOAD: {REDACTED}", message)
        redacted = _RESPONSE.sub(rf"\1 {REDACTED}", redacted)
        redacted = _AUTHORIZATION.sub(rf"\1\2{REDACTED}\2", redacted)
        redacted = _TOKEN.sub(_token, redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_http_logger = logging.getLogger(HTTP_LOGGER)
_http_logger.setLevel(logging.INFO)
if not any(isinstance(f, RedactingFilter) for f in _http_logger.filters):
    _http_logger.addFilter(RedactingFilter())


def make_client(settings: Settings, *, needed_for: str) -> sendgrid.SendGridAPIClient:
    """A client for `settings.sendgrid_host` with the API key and the request timeout set;
    ConfigError naming MAILER_SENDGRID_API_KEY (and `needed_for`) if there is no key."""
    key = settings.sendgrid_api_key
    if key is None:
        raise ConfigError("MAILER_SENDGRID_API_KEY", f"required {needed_for}")
    client = sendgrid.SendGridAPIClient(api_key=key.get_secret_value(), host=settings.sendgrid_host)
    client.client.timeout = settings.sendgrid_timeout
    return client
