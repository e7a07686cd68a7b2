"""Who may do what in the workspace: roles, permissions and the table joining them, as data."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from mailer.core.errors import MailerError

__all__ = [
    "ROLE_PERMISSIONS",
    "AccountError",
    "AuditAction",
    "Permission",
    "UiLanguage",
    "UserRole",
    "allows",
]


class AccountProblem(StrEnum):
    """Why an account operation was refused: the workspace's forms say it in the user's language
    (`account_error_<value>` in the catalogue); the CLI prints the English message."""

    INVALID_EMAIL = "invalid_email"
    NO_SUCH_USER = "no_such_user"
    USER_EXISTS = "user_exists"
    NAME_TOO_LONG = "name_too_long"
    PASSWORD_TOO_SHORT = "password_too_short"  # noqa: S105  (a reason, not a password)
    PASSWORD_TOO_LONG = "password_too_long"  # noqa: S105
    PASSWORD_BLANK = "password_blank"  # noqa: S105
    PASSWORD_IS_EMAIL = "password_is_email"  # noqa: S105
    PASSWORDS_DIFFER = "passwords_differ"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105  (the current one, when changing it)
    THROTTLED = "throttled"  # too many wrong passwords lately
    LINK_USED = "link_used"
    ACCOUNT_DISABLED = "account_disabled"
    OWN_ACCOUNT = "own_account"
    LAST_ADMIN = "last_admin"


class AccountError(MailerError, ValueError):
    """An account operation was refused: unknown or duplicate user, weak password, bad value.
    `field` names what was wrong (email, password, role, ...) so a form can point at it, and
    `problem` says why in a form a page can translate."""

    def __init__(self, field: str, message: str, problem: AccountProblem) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {message}")


class UserRole(StrEnum):
    COORDINATOR = "coordinator"  # writes editions, sends tests, keeps rosters and contacts
    APPROVER = "approver"  # a coordinator who may also approve and schedule (four-eyes)
    ADMIN = "admin"  # users, settings view, erasure, the audit log


class UiLanguage(StrEnum):
    """The workspace's own language (the letters have only fi and sv)."""

    FI = "fi"
    SV = "sv"
    EN = "en"


class Permission(StrEnum):
    EDIT_EDITIONS = "edit_editions"
    TEST_SEND = "test_send"
    MANAGE_CONTACTS = "manage_contacts"
    APPROVE = "approve"
    SCHEDULE = "schedule"
    MANAGE_USERS = "manage_users"
    VIEW_SETTINGS = "view_settings"
    ERASE = "erase"
    VIEW_AUDIT = "view_audit"
    VIEW_ADMIN_PAGES = "view_admin_pages"
    # "Reports and exports are for admins only" (the network's privacy rule): the bounce report
    # names people with their failures, an export carries the whole register out
    VIEW_REPORTS = "view_reports"
    EXPORT_REGISTER = "export_register"


_COORDINATOR = frozenset(
    {
        Permission.EDIT_EDITIONS,
        Permission.TEST_SEND,
        Permission.MANAGE_CONTACTS,
    }
)

ROLE_PERMISSIONS: Mapping[UserRole, frozenset[Permission]] = MappingProxyType(
    {
        UserRole.COORDINATOR: _COORDINATOR,
        UserRole.APPROVER: _COORDINATOR | {Permission.APPROVE, Permission.SCHEDULE},
        UserRole.ADMIN: frozenset(
            {
                Permission.MANAGE_USERS,
                Permission.VIEW_SETTINGS,
                Permission.ERASE,
                Permission.VIEW_AUDIT,
                Permission.VIEW_ADMIN_PAGES,
                Permission.VIEW_REPORTS,
                Permission.EXPORT_REGISTER,
            }
        ),
    }
)


def allows(role: UserRole, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


class AuditAction(StrEnum):
    """Every kind of audit entry. Stored as text, so a new member needs no migration."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    PASSWORD_SET = "password_set"  # noqa: S105  (an action name, not a password)
    # users managed in the workspace (/users, /account, the set-password link)
    USER_ENABLED = "user_enabled"
    USER_ROLE_CHANGED = "user_role_changed"
    USER_PROFILE_CHANGED = "user_profile_changed"  # own name or workspace language
    PASSWORD_LINK_SENT = "password_link_sent"  # noqa: S105  (an invitation or a reset link)
    MEDIA_UPLOADED = "media_uploaded"  # an image for the letters (/media)
    # written by the workspace's later parts (issue 14): editor, approval, schedule, sends
    EDITION_EDITED = "edition_edited"  # saved in the editor: a new revision
    EDITION_IMPORTED = "edition_imported"  # a YAML file uploaded as a new revision
    EDITION_STARTED = "edition_started"  # a new month started from an earlier one
    EDITION_APPROVED = "edition_approved"
    EDITION_UNAPPROVED = "edition_unapproved"
    APPROVAL_LAPSED = "approval_lapsed"  # a revision saved after the approval made it a draft
    APPROVAL_REQUESTED = "approval_requested"  # approvers mailed to look at an edition
    APPROVAL_LAPSE_NOTICE = "approval_lapse_notice"  # the approver mailed about it (or why not)
    SCHEDULE_CHANGED = "schedule_changed"
    TEST_SENT = "test_sent"
    SENT = "sent"
    CONTACT_CHANGED = "contact_changed"
    CONTACT_ERASED = "contact_erased"
    # appointments (issue 15): requests to organisations, their appointees, the confirmations
    APPOINTMENT_REQUESTED = "appointment_requested"
    APPOINTED = "appointed"
    APPOINTMENT_CONFIRMED = "appointment_confirmed"
    # on the contact's own page (/p/; actor "contact:<id>") and the pending list (/pending)
    CONTACT_LANGUAGE_SWITCHED = "contact_language_switched"
    CONTACT_DETAILS_CORRECTED = "contact_details_corrected"
    CONTACT_ADDRESS_REQUESTED = "contact_address_requested"  # a link sent to the new address
    CONTACT_ADDRESS_CONFIRMED = "contact_address_confirmed"
    CONTACT_UNSUBSCRIBED = "contact_unsubscribed"
    SUCCESSOR_NAMED = "successor_named"
    SUCCESSOR_CONFIRMED = "successor_confirmed"  # the successor is now a pending contact
    PENDING_APPROVED = "pending_approved"
    PENDING_REJECTED = "pending_rejected"
    # the register in the workspace (issue 15): targets are `contact:<id>`, never an address
    CONTACT_UPDATE = "contact_update"
    CONTACT_UNSUBSCRIBE = "contact_unsubscribe"
    CONTACT_REACTIVATE = "contact_reactivate"
    CONTACT_ERASE = "contact_erase"
    REGISTER_EXPORT = "register_export"
    ROSTER_IMPORT = "roster_import"
