"""The whole exception tree, under one base class.

Each error subclasses the fitting builtin too and keeps the offending values as fields, so callers
can report precisely (file, line, field, request) without parsing messages. Only cli/web/scheduler
turn these into exit codes, HTTP statuses or log lines.
"""

from __future__ import annotations

__all__ = [
    "AddressError",
    "AmbiguousBatchError",
    "ConfigError",
    "ContactNotFoundError",
    "ContentError",
    "DeliveryOutcomeUnknownError",
    "EditionNotApprovedError",
    "LocatedError",
    "MailerError",
    "PermanentProviderError",
    "ProviderAuthError",
    "ProviderError",
    "RateLimitedError",
    "RosterError",
    "ScheduleError",
    "SchedulerLockedError",
    "StorageError",
    "TemplateError",
    "TransientProviderError",
    "WebhookError",
    "WebhookSignatureError",
]


class MailerError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(MailerError, ValueError):
    """A setting is missing or invalid; `variable` names the environment variable."""

    def __init__(self, variable: str, message: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {message}")


class AddressError(MailerError, ValueError):
    """An email address given on the command line is not one; `option` names the option."""

    def __init__(self, option: str, value: str, message: str) -> None:
        self.option = option
        self.value = value
        shown = f" {value!r}" if value else ""
        super().__init__(f"{option}{shown}: {message}")


class StorageError(MailerError, RuntimeError):
    """The database could not be reached or migrated."""


class RosterError(MailerError, ValueError):
    """A roster file cannot be read at all (not one of its rows: those become problems)."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        self.message = message  # without the file (a roster `Reason`, with its code)
        super().__init__(f"{file}: {message}")


class ContactNotFoundError(MailerError, LookupError):
    def __init__(self, email: str) -> None:
        self.email = email
        super().__init__(f"no contact with email {email!r}")


class LocatedError(MailerError, ValueError):
    """A coordinator-edited file is invalid: names the file, the line (when known) and the field."""

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {field}: {message}")


class ContentError(LocatedError):
    """Edition content is invalid."""


class TemplateError(MailerError, ValueError):
    """A template failed to render for a variant."""

    def __init__(self, variant: str, message: str) -> None:
        self.variant = variant
        super().__init__(f"{variant}: {message}")


class EditionNotApprovedError(MailerError, RuntimeError):
    def __init__(self, edition: str, reason: str) -> None:
        self.edition = edition
        self.reason = reason
        super().__init__(f"edition {edition} cannot be sent: {reason}")


class AmbiguousBatchError(MailerError, RuntimeError):
    """Batches were left in `sending` by a crash and their fate is unknown."""

    def __init__(self, edition: str, count: int) -> None:
        self.edition = edition
        self.count = count
        super().__init__(
            f"edition {edition}: {count} deliveries are ambiguous (left in 'sending' by an "
            "interrupted run); see README 'Ambiguous batches'"
        )


class ProviderError(MailerError, RuntimeError):
    """The email provider refused or failed a request."""

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None) -> None:
        self.status = status
        self.body = body
        super().__init__(message)


class PermanentProviderError(ProviderError):
    """Never retried: the request itself is wrong (400, 413).

    `refused` holds the delivery ids of the recipients the provider named as the cause (e.g.
    SendGrid's `personalizations.3.to.0.email`), when every error named one: a refused request
    sent nothing, so the batch's other recipients may go out in another request."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str | None = None,
        refused: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.refused = refused


class ProviderAuthError(PermanentProviderError):
    """401/403: the whole send stops, every further request would fail the same way."""


class DeliveryOutcomeUnknownError(ProviderError):
    """The request was sent but no answer came back (connection dropped, read timeout): it may
    have been accepted. Never retried blindly; its rows stay `sending` (ambiguous)."""


class TransientProviderError(ProviderError):
    """Retried with backoff: 5xx, network errors."""


class RateLimitedError(TransientProviderError):
    """429: wait until `reset_at` (unix seconds) before trying again."""

    def __init__(self, message: str, *, reset_at: float | None, status: int = 429) -> None:
        self.reset_at = reset_at
        super().__init__(message, status=status)


class WebhookError(MailerError, ValueError):
    """A webhook request is malformed (answered with 400)."""


class WebhookSignatureError(WebhookError):
    """A webhook signature is missing, forged or too old (answered with 403)."""


class ScheduleError(LocatedError):
    """A schedule definition is invalid."""


class SchedulerLockedError(MailerError, RuntimeError):
    """Another scheduler is active on this database (only one may be)."""

    def __init__(self, holder: str, heartbeat_at: str) -> None:
        self.holder = holder
        self.heartbeat_at = heartbeat_at
        super().__init__(
            f"another scheduler is active on this database: {holder} (last heartbeat "
            f"{heartbeat_at})"
        )
