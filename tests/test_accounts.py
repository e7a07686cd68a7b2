"""Accounts below the web: the password policy and role table (pure), and the pipeline's users,
sessions and audit entries on both backends."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from mailer.core.accounts import (
    MIN_PASSWORD_LENGTH,
    ROLE_PERMISSIONS,
    AccountError,
    AuditAction,
    Permission,
    UiLanguage,
    UserRole,
    allows,
    check_password,
)
from mailer.pipeline import Context
from mailer.pipeline import accounts as pipeline
from mailer.pipeline.accounts import (
    LoginOutcome,
    add_user,
    list_accounts,
    log_in,
    log_out,
    resume_session,
    set_password,
)
from mailer.pipeline.audit import audit_csv, audit_page, record
from mailer.pipeline.user_admin import disable as disable_user
from tests.accounts_support import PASSWORD, ClockContext, cheap_hashing, make_user

__all__ = ["cheap_hashing"]


# --- pure: policy and roles ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("a" * (MIN_PASSWORD_LENGTH - 1), "at least 12"),
        (" " * 20, "only spaces"),
        ("x" * 1025, "at most 1024"),
        ("Ville@Koulu.example", "email"),
    ],
)
def test_the_policy_refuses_short_blank_huge_and_email_passwords(password: str, why: str) -> None:
    with pytest.raises(AccountError, match=why) as caught:
        check_password(password, email="ville@koulu.example")
    assert caught.value.field == "password"


def test_the_policy_has_no_composition_rules_and_normalises_unicode() -> None:
    assert check_password("aaaaaaaaaaaa") == "aaaaaaaaaaaa"
    # "ä" typed as a + combining diaeresis is the same password as the precomposed "ä"
    assert check_password("kesä-" + "a\u0308" * 8) == "kesä-" + "ä" * 8


def test_an_approver_may_do_all_a_coordinator_may_and_approve_and_schedule() -> None:
    coordinator = ROLE_PERMISSIONS[UserRole.COORDINATOR]
    approver = ROLE_PERMISSIONS[UserRole.APPROVER]
    assert coordinator < approver
    assert approver - coordinator == {Permission.APPROVE, Permission.SCHEDULE}
    assert allows(UserRole.ADMIN, Permission.VIEW_AUDIT)
    assert not allows(UserRole.ADMIN, Permission.APPROVE)
    assert not any(allows(r, Permission.MANAGE_USERS) for r in (UserRole.COORDINATOR,
                                                                UserRole.APPROVER))  # fmt: skip


# --- pipeline ------------------------------------------------------------------------------

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def clock_ctx(ctx: Context) -> ClockContext:
    return ClockContext(ctx.settings, ctx.engine)


def test_add_user_normalises_the_email_hashes_with_argon2id_and_logs_it(
    clock_ctx: ClockContext,
) -> None:
    account = add_user(
        clock_ctx, email=" Liisa.Lehtonen@Oulu.EXAMPLE ", role=UserRole.APPROVER,
        password=PASSWORD, actor="cli:root", ui_language=UiLanguage.SV,
    )  # fmt: skip
    assert account.email == "liisa.lehtonen@oulu.example"
    assert account.display_name == "liisa.lehtonen"  # no name given: the email's local part
    assert (account.role, account.ui_language, account.active) == (
        UserRole.APPROVER, UiLanguage.SV, True,
    )  # fmt: skip
    from mailer.store.users import find_user

    with clock_ctx.engine.connect() as conn:
        row = find_user(conn, account.email)
    assert row is not None and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    entry = audit_page(clock_ctx).rows[0]
    assert (entry.actor, entry.action, entry.target, entry.detail) == (
        "cli:root", AuditAction.USER_ADDED, account.email, "role approver",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", PASSWORD, "email"),
        ("taken@vip.example", PASSWORD, "email"),
        ("new@vip.example", "short", "password"),
    ],
)
def test_add_user_refuses_bad_emails_duplicates_and_weak_passwords_writing_nothing(
    clock_ctx: ClockContext, email: str, password: str, field: str
) -> None:
    make_user(clock_ctx, "taken@vip.example", UserRole.COORDINATOR)
    with pytest.raises(AccountError) as caught:
        add_user(clock_ctx, email=email, role=UserRole.ADMIN, password=password, actor="t")
    assert caught.value.field == field
    assert [a.email for a in list_accounts(clock_ctx)] == ["taken@vip.example"]
    assert audit_page(clock_ctx).total == 1


def test_unknown_accounts_cannot_be_disabled_or_given_passwords(clock_ctx: ClockContext) -> None:
    with pytest.raises(AccountError, match="no user"):
        disable_user(clock_ctx, "ghost@vip.example", actor="t")
    with pytest.raises(AccountError, match="no user"):
        set_password(clock_ctx, "ghost@vip.example", PASSWORD, actor="t")


def test_log_in_opens_a_session_that_log_out_ends(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, "eeva@vip.example", UserRole.COORDINATOR, name="Eeva")
    result = log_in(clock_ctx, "EEVA@vip.example", PASSWORD, client="192.0.2.7")
    assert result.outcome is LoginOutcome.OK and result.token is not None
    resumed = resume_session(clock_ctx, result.token)
    assert resumed is not None and resumed.display_name == "Eeva"
    assert log_out(clock_ctx, result.token, client="192.0.2.7") is True
    assert resume_session(clock_ctx, result.token) is None
    assert log_out(clock_ctx, result.token, client="192.0.2.7") is False
    actions = [(r.action, r.detail) for r in reversed(audit_page(clock_ctx).rows)]
    assert actions[1:] == [
        (AuditAction.LOGIN, "client 192.0.2.7"),
        (AuditAction.LOGOUT, "client 192.0.2.7"),
    ]


def test_the_database_holds_only_a_digest_of_the_session_token(clock_ctx: ClockContext) -> None:
    import sqlalchemy as sa

    from mailer.store.tables import web_sessions

    make_user(clock_ctx, "eeva@vip.example", UserRole.COORDINATOR)
    token = log_in(clock_ctx, "eeva@vip.example", PASSWORD, client="t").token
    assert token is not None
    with clock_ctx.engine.connect() as conn:
        stored = conn.execute(sa.select(web_sessions.c.id)).scalar_one()
    assert token not in stored and len(stored) == 64


def test_a_failed_login_records_why_but_answers_the_same(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, "eeva@vip.example", UserRole.COORDINATOR)
    make_user(clock_ctx, "old@vip.example", UserRole.COORDINATOR)
    disable_user(clock_ctx, "old@vip.example", actor="t")
    attempts = [
        ("eeva@vip.example", "wrong-password-123"),
        ("ghost@vip.example", PASSWORD),
        ("old@vip.example", PASSWORD),
    ]
    for email, password in attempts:
        result = log_in(clock_ctx, email, password, client="198.51.100.4")
        assert result == (LoginOutcome.REFUSED, None, None, 0)
    failed = audit_page(clock_ctx, action=AuditAction.LOGIN_FAILED).rows
    assert [(r.actor, r.target, r.detail) for r in reversed(failed)] == [
        ("client:198.51.100.4", "eeva@vip.example", "wrong password"),
        ("client:198.51.100.4", "ghost@vip.example", "unknown email"),
        ("client:198.51.100.4", "old@vip.example", "account disabled"),
    ]


def test_a_new_password_replaces_the_old_one(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, "eeva@vip.example", UserRole.COORDINATOR)
    clock_ctx.advance(days=1)
    account = set_password(clock_ctx, "eeva@vip.example", "Toinen-salasana-99", actor="t")
    assert account.password_changed_at == clock_ctx.clock
    assert log_in(clock_ctx, "eeva@vip.example", PASSWORD, client="t").outcome is (
        LoginOutcome.REFUSED
    )
    assert log_in(clock_ctx, "eeva@vip.example", "Toinen-salasana-99", client="t").token


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_login(
    clock_ctx: ClockContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailer.store.users import find_user

    make_user(clock_ctx, "eeva@vip.example", UserRole.COORDINATOR)
    stronger = PasswordHasher(time_cost=2, memory_cost=128, parallelism=1)
    monkeypatch.setattr(pipeline, "HASHER", stronger)
    assert log_in(clock_ctx, "eeva@vip.example", PASSWORD, client="t").token
    with clock_ctx.engine.connect() as conn:
        row = find_user(conn, "eeva@vip.example")
    assert row is not None and not stronger.check_needs_rehash(row.password_hash)


def test_idle_sessions_are_swept_at_the_next_login(clock_ctx: ClockContext) -> None:
    make_user(clock_ctx, "eeva@vip.example", UserRole.COORDINATOR)
    old = log_in(clock_ctx, "eeva@vip.example", PASSWORD, client="t").token
    clock_ctx.advance(hours=2)
    log_in(clock_ctx, "eeva@vip.example", PASSWORD, client="t")
    import sqlalchemy as sa

    from mailer.store.tables import web_sessions

    with clock_ctx.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar() == 1
    assert resume_session(clock_ctx, old) is None


def test_audit_entries_are_cut_to_size_never_refused_and_export_safely(
    clock_ctx: ClockContext,
) -> None:
    record(
        clock_ctx, actor="x" * 500, action=AuditAction.CONTACT_CHANGED,
        target="@SUM(A1:A9)", detail="-" * 5000,
    )  # fmt: skip
    row = audit_page(clock_ctx).rows[0]
    assert (len(row.actor), len(row.detail)) == (254, 4000)
    text = audit_csv([row])
    assert text.splitlines()[0] == "\ufeffat;actor;action;target;detail"
    assert ";'@SUM(A1:A9);'-" in text
