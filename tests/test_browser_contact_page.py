"""The contact's side in headless Chromium against the real service on loopback (issue 15): open
the /p/ link of an outbox letter, switch to Swedish, name a successor, open the successor's
confirmation link from the outbox, approve in the workspace, and the next send goes to the
successor in Swedish and not to the leaver. axe-core (vendored) finds no serious or critical
violation on any page on the way."""

from __future__ import annotations

import email
import re
import shutil
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from mailer.core.accounts import UserRole
from mailer.pipeline import Context
from mailer.pipeline.contact_page.mail import OUTBOX_EDITION
from mailer.pipeline.editions.check import approve_edition
from mailer.pipeline.send.deliver import send_edition
from mailer.web.app import create_app
from tests.accounts_support import PASSWORD, cheap_hashing, make_user
from tests.editions_data import import_letters
from tests.live_server import serve
from tests.reports_data import add_contact
from tests.test_browser_workspace import axe_violations

__all__ = ["cheap_hashing"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashing")]

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "letters" / "minimal.yaml"
LEAVER = "aino.leaver@espoo.example"
SUCCESSOR = "saga.seuraaja@espoo.example"


@pytest.fixture
def live(ctx: Context, tmp_path: Path) -> Iterator[tuple[str, Context]]:
    """The service on loopback (its public URL is its own address) and a context with the same
    settings, for the sends; the November edition imported, approved, in a private copy of the
    content."""
    shutil.copytree(ROOT / "letters", tmp_path / "letters")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    holder: dict[str, Context] = {}

    def make_app(port: int) -> FastAPI:
        settings = ctx.settings.model_copy(
            update={
                "public_url": f"http://127.0.0.1:{port}",
                "webhook_unsigned_dev": True,
                "letters_dir": tmp_path / "letters",
                "templates_dir": tmp_path / "templates",
            }
        )
        holder["ctx"] = Context(settings, ctx.engine)
        return create_app(settings, holder["ctx"])

    with serve(make_app) as url:
        yield url, holder["ctx"]


def _letters(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _december(ctx: Context) -> None:
    """A second edition, December, from the smallest valid one."""
    text = MINIMAL.read_text(encoding="utf-8").replace("2026-11", "2026-12")
    path = ctx.settings.letters_dir / "2026-12.yaml"
    path.write_text(text, encoding="utf-8")
    import_letters(ctx, path)


def _checked(page: Any, where: str) -> None:
    assert axe_violations(page) == [], where


def test_leaver_names_a_successor_who_gets_the_next_letter_in_swedish(
    chromium: Any, live: tuple[str, Context]
) -> None:
    url, ctx = live
    with ctx.engine.begin() as conn:
        add_contact(conn, LEAVER, first_name="Aino", last_name="Lähtijä",
                    token_key="Lv-aino-key-0000000001")  # fmt: skip
    import_letters(ctx, ctx.settings.letters_dir)
    approve_edition(ctx, "2026-11", "Kaisa Koordinaattori")
    assert send_edition(ctx, "2026-11").accepted == 1
    [letter] = _letters(ctx.settings.outbox_dir / "2026-11")
    page_link = re.search(rf"{re.escape(url)}/p/[A-Za-z0-9_.-]+", _text(letter))
    assert page_link is not None

    context = chromium.new_context(bypass_csp=True)  # axe is injected only in tests
    try:
        page = context.new_page()
        page.goto(f"{url}/p/not-a-token")
        _checked(page, "404")

        page.goto(page_link.group(0))
        assert page.locator("html").get_attribute("lang") == "fi"
        _checked(page, "the page in Finnish")
        page.get_by_role("button", name="Vaihda kirjeen kieleksi ruotsi").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.locator(".letter-language").inner_text() == "svenska"
        _checked(page, "the page in Swedish, after the switch")

        page.get_by_role("button", name="Skicka meddelandet till efterträdaren").click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").is_visible()  # nothing filled in
        assert page.locator("#successor_email").get_attribute("aria-invalid") == "true"
        _checked(page, "the successor form with its errors")

        page.get_by_label("Efterträdarens förnamn").fill("Saga")
        page.get_by_label("Efterträdarens efternamn").fill("Seuraaja")
        page.get_by_label("Efterträdarens e-postadress").fill(SUCCESSOR)
        page.get_by_role("button", name="Skicka meddelandet till efterträdaren").click()
        page.wait_for_load_state()
        assert "Vi skickade ett meddelande" in page.locator("[role=status]").inner_text()

        [invitation] = _letters(ctx.settings.outbox_dir / OUTBOX_EDITION / "test")
        confirm = re.search(rf"{re.escape(url)}/confirm/successor/\S+", _text(invitation))
        assert confirm is not None
        page.goto(confirm.group(0))
        _checked(page, "the successor's confirmation page")
        page.get_by_label("svenska").check()
        page.get_by_role("button", name=re.compile("Jag bekräftar|Vahvistan")).click()
        page.wait_for_load_state()
        assert page.locator("[role=status]").is_visible()
        _checked(page, "the successor's thank-you page")

        make_user(ctx, "kaisa@vip-verkosto.example", UserRole.COORDINATOR)
        page.goto(f"{url}/login?lang=fi")
        page.get_by_label("Sähköposti").fill("kaisa@vip-verkosto.example")
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_label("Salasana").press("Enter")
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/pending")
        assert "Saga Seuraaja" in page.locator("table.pending").inner_text()
        _checked(page, "the pending list")
        page.get_by_role("button", name="Hyväksy Saga Seuraaja").click()
        page.wait_for_url(f"{url}/pending?done=approved")
        _checked(page, "the pending list after the approval")
    finally:
        context.close()

    _december(ctx)
    approve_edition(ctx, "2026-12", "Kaisa Koordinaattori")
    report = send_edition(ctx, "2026-12")
    assert (report.accepted, report.skipped) == (1, {"retired": 1})
    [december] = _letters(ctx.settings.outbox_dir / "2026-12")
    assert december["To"].addresses[0].addr_spec == SUCCESSOR
    assert str(december["Subject"]) == "Testbrev"  # Swedish, as the successor chose
