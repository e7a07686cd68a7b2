"""Workspace accounts, pure: roles and what each may do (as data), UI languages, the password
policy, the audit vocabulary. No storage, no hashing, no clock: the pipeline does those."""

from mailer.core.accounts.policy import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password,
    normalise_password,
)
from mailer.core.accounts.roles import (
    ROLE_PERMISSIONS,
    AccountError,
    AccountProblem,
    AuditAction,
    Permission,
    UiLanguage,
    UserRole,
    allows,
)

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "ROLE_PERMISSIONS",
    "AccountError",
    "AccountProblem",
    "AuditAction",
    "Permission",
    "UiLanguage",
    "UserRole",
    "allows",
    "check_password",
    "normalise_password",
]
