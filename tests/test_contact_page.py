"""The contact's own page /p/{token} (issue 15), in-process on SQLite and PostgreSQL: GET shows
and never changes, every POST needs the page's form token and is rate limited, each action is in
the history and the audit log, the address changes only after its confirmation link, and bad
tokens of every kind answer the same 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mailer.core.accounts import AuditAction
from mailer.core.contacts.links import LinkPurpose, make_link
from mailer.core.tokens import make_page_token, make_unsubscribe_token
from mailer.pipeline.audit import audit_page
from mailer.pipeline.contacts import erase_contact
from tests.accounts_support import Browser, ClockContext, browser, clock_ctx, make_browser
from tests.contact_page_support import (
    SECRET,
    form_token,
    history,
    leaver,
    link_in,
    row,
    sent,
    submit,
    text_of,
)

__all__ = ["browser", "clock_ctx", "make_browser"]  # fixtures, for pytest

AINO = "aino.leaver@espoo.example"


def _actions(ctx: ClockContext) -> list[AuditAction]:
    return [r.action for r in audit_page(ctx).rows]


def test_the_page_shows_the_details_in_the_contacts_language_and_the_other_on_request(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx, title="Opetuspäällikkö")
    fi = browser.get(page)
    assert fi.status_code == 200
    assert '<html lang="fi">' in fi.text
    assert AINO in fi.text and "Opetuspäällikkö" in fi.text and "Espoon kaupunki" in fi.text
    assert 'href="?lang=sv"' in fi.text
    sv = browser.get(f"{page}?lang=sv")
    assert '<html lang="sv">' in sv.text and "Dina uppgifter" in sv.text
    assert fi.headers["Cache-Control"] == "no-store"
    assert fi.headers["Referrer-Policy"] == "no-referrer"


def test_get_never_changes_anything(browser: Browser, clock_ctx: ClockContext) -> None:
    page = leaver(clock_ctx)
    before = (row(clock_ctx, AINO), history(clock_ctx, AINO), _actions(clock_ctx))
    for path in (page, f"{page}?lang=sv", f"{page}?done=language", f"{page}/language"):
        browser.get(path)
    assert (row(clock_ctx, AINO), history(clock_ctx, AINO), _actions(clock_ctx)) == before


def test_bad_tokens_of_every_kind_answer_the_same_404(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    erased = leaver(clock_ctx, "gone@espoo.example", token_key="Gone-key-000000000001")
    erase_contact(clock_ctx, "gone@espoo.example")
    tokens = [
        "nonsense",
        page.removeprefix("/p/")[:-2] + "xx",  # tampered
        make_page_token("another-installation", "Lv-aino-key-0000000001"),
        make_unsubscribe_token(SECRET, "Lv-aino-key-0000000001"),  # another purpose
        erased.removeprefix("/p/"),
    ]
    bodies = set()
    for token in tokens:
        answer = browser.get(f"/p/{token}")
        assert answer.status_code == 404
        bodies.add(answer.text)
        posted = browser.post(f"/p/{token}/language", {"form_token": "x", "language": "sv"})
        assert posted.status_code in (403, 404)
    assert len(bodies) == 1


def test_switching_the_language_is_recorded_and_the_page_follows(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    answer = submit(browser, page, "language", language="sv")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{page}?done=language"
    assert row(clock_ctx, AINO)["language"] == "sv"  # type: ignore[index]
    again = browser.get(answer.headers["location"])
    assert '<html lang="sv">' in again.text and "Brevets språk är bytt" in again.text
    assert ("language", "contact:1") in history(clock_ctx, AINO)
    assert AuditAction.CONTACT_LANGUAGE_SWITCHED in _actions(clock_ctx)


def test_every_post_needs_the_form_token_of_its_own_page(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    other = leaver(clock_ctx, "bo@espoo.example", token_key="Bo-key-00000000000001")
    foreign = form_token(browser.get(other).text)
    for data in ({"form_token": "forged"}, {"form_token": foreign}):  # 10 posts: the limit
        for action in ("language", "details", "address", "successor", "unsubscribe"):
            answer = browser.post(f"{page}/{action}", {**data, "language": "sv"})
            assert answer.status_code == 403, (action, data)
    assert browser.post(f"{other}/unsubscribe", {}).status_code == 403  # no token at all
    assert row(clock_ctx, AINO)["language"] == "fi"  # type: ignore[index]
    assert row(clock_ctx, AINO)["status"] == "active"  # type: ignore[index]
    assert row(clock_ctx, "bo@espoo.example")["status"] == "active"  # type: ignore[index]
    assert history(clock_ctx, AINO) == []


def test_correcting_details_changes_them_and_an_error_is_tied_to_its_field(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    bad = submit(browser, page, "details", first_name="", last_name="Uusi", role="support")
    assert bad.status_code == 422
    assert 'aria-invalid="true" aria-describedby="first_name-error"' in bad.text
    assert 'href="#first_name"' in bad.text  # the summary links to the field
    assert 'value="Uusi"' in bad.text  # what was typed is kept
    good = submit(
        browser, page, "details", first_name="Aino", last_name="Uusi", title="Rehtori",
        role="welfare",
    )  # fmt: skip
    assert good.headers["location"].endswith("?done=details")
    stored = row(clock_ctx, AINO)
    assert stored is not None
    assert (stored["last_name"], stored["title"], stored["role"]) == ("Uusi", "Rehtori", "welfare")
    assert AuditAction.CONTACT_DETAILS_CORRECTED in _actions(clock_ctx)
    same = submit(browser, page, "details", first_name="Aino", last_name="Uusi",
                  title="Rehtori", role="welfare")  # fmt: skip
    assert same.headers["location"].endswith("?done=nothing")


def test_the_address_changes_only_when_the_link_sent_to_the_new_address_is_confirmed(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx, language="sv")
    answer = submit(browser, page, "address", new_email="Aino.New@Vantaa.example")
    assert answer.headers["location"].endswith("?done=address")
    [message] = sent(clock_ctx)
    assert message["To"].addresses[0].addr_spec == "aino.new@vantaa.example"
    assert "Bekräfta din nya adress" in str(message["Subject"])  # the contact's language
    assert row(clock_ctx, AINO) is not None  # the old address keeps receiving until then
    link = link_in(message)
    shown = browser.get(link)
    assert shown.status_code == 200 and "aino.new@vantaa.example" in shown.text
    assert row(clock_ctx, AINO) is not None  # GET of the link changes nothing
    done = browser.post(link, {"form_token": form_token(shown.text)})
    assert done.status_code == 200 and "Adressen är bytt" in done.text
    assert row(clock_ctx, AINO) is None
    assert row(clock_ctx, "aino.new@vantaa.example") is not None
    assert (
        "Adressen är redan bytt" in browser.post(link, {"form_token": form_token(shown.text)}).text
    )
    actions = _actions(clock_ctx)
    assert AuditAction.CONTACT_ADDRESS_REQUESTED in actions
    assert AuditAction.CONTACT_ADDRESS_CONFIRMED in actions


def test_an_address_link_that_ended_or_has_another_purpose_is_404(
    make_browser: Callable[..., Browser], clock_ctx: ClockContext
) -> None:
    browser = make_browser()
    page = leaver(clock_ctx)
    submit(browser, page, "address", new_email="new@espoo.example")
    link = link_in(sent(clock_ctx)[0])
    browser.context.advance(hours=73)  # MAILER_CONFIRMATION_LINK_HOURS is 72
    assert browser.get(link).status_code == 404
    assert browser.post(link, {"form_token": "x"}).status_code in (403, 404)
    payload = {"k": "Lv-aino-key-0000000001", "e": "new@espoo.example"}
    until = browser.context.now().replace(year=2030)
    wrong = make_link(SECRET, LinkPurpose.SUCCESSOR, payload, until=until)
    assert browser.get(f"/confirm/address/{wrong}").status_code == 404
    right = make_link(SECRET, LinkPurpose.ADDRESS, payload, until=until)
    assert browser.get(f"/confirm/address/{right}").status_code == 200
    erase_contact(clock_ctx, AINO)
    assert browser.get(f"/confirm/address/{right}").status_code == 404


def test_an_address_another_contact_has_is_not_taken(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    leaver(clock_ctx, "bo@espoo.example", token_key="Bo-key-00000000000001")
    submit(browser, page, "address", new_email="bo@espoo.example")
    link = link_in(sent(clock_ctx)[0])
    token = form_token(browser.get(link).text)
    assert "toisella henkilöllä" in browser.post(link, {"form_token": token}).text
    assert row(clock_ctx, AINO) is not None


def test_unsubscribing_on_the_page(browser: Browser, clock_ctx: ClockContext) -> None:
    page = leaver(clock_ctx)
    answer = submit(browser, page, "unsubscribe")
    assert answer.headers["location"].endswith("?done=unsubscribed")
    assert row(clock_ctx, AINO)["status"] == "unsubscribed"  # type: ignore[index]
    assert ("unsubscribed", "contact:1") in history(clock_ctx, AINO)


def test_posts_are_rate_limited_per_link_with_retry_after_and_a_bilingual_page(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    token = form_token(browser.get(page).text)
    answers = [
        browser.post(f"{page}/language", {"form_token": token, "language": "fi"}) for _ in range(11)
    ]
    assert [a.status_code for a in answers[:10]] == [303] * 10
    refused = answers[10]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Liian monta yritystä" in refused.text and "För många försök" in refused.text


def test_posts_are_rate_limited_per_client_across_links(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    codes = [
        browser.post(f"/p/guess-{i}/language", {"form_token": "x"}).status_code for i in range(31)
    ]
    assert set(codes[:30]) == {403} and codes[30] == 429


def test_the_confirmation_letters_speak_the_right_language(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    submit(browser, page, "address", new_email="new@espoo.example")
    assert "Vahvista uusi osoitteesi" in str(sent(clock_ctx)[0]["Subject"])
    assert "voimassa 72 tuntia" in text_of(sent(clock_ctx)[0])


@pytest.mark.parametrize("path", ["/confirm/successor/x", "/confirm/address/x"])
def test_forged_confirmation_links_are_404(browser: Browser, path: str) -> None:
    assert browser.get(path).status_code == 404


def test_a_stale_contact_who_confirms_a_new_address_is_active_again(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx, status="stale")
    submit(browser, page, "address", new_email="works@espoo.example")
    link = link_in(sent(clock_ctx)[0])
    browser.post(link, {"form_token": form_token(browser.get(link).text)})
    stored = row(clock_ctx, "works@espoo.example")
    assert stored is not None and stored["status"] == "active"


def test_confirmation_posts_need_the_form_token_of_their_own_link(
    browser: Browser, clock_ctx: ClockContext
) -> None:
    page = leaver(clock_ctx)
    submit(browser, page, "address", new_email="new@espoo.example")
    link = link_in(sent(clock_ctx)[0])
    foreign = form_token(browser.get(page).text)  # the page's token, not the link's
    for data in ({}, {"form_token": "forged"}, {"form_token": foreign}):
        assert browser.post(link, data).status_code == 403
    assert row(clock_ctx, AINO) is not None and row(clock_ctx, "new@espoo.example") is None
    submit(browser, page, "successor", successor_first_name="Saga",
           successor_last_name="Seuraaja", successor_email="saga@espoo.example")  # fmt: skip
    successor_link = link_in(sent(clock_ctx)[1])
    assert browser.post(successor_link, {"language": "sv"}).status_code == 403
    assert row(clock_ctx, "saga@espoo.example") is None
