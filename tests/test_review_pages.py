"""The preview and test-send pages in-process, on both backends: the ten variants with subject,
preheader, From and text, a real contact as the sample, the letter frames' own headers, and
test sends through the outbox (validated addresses, at most ten, audited, never in the ledger)."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa

from mailer.core.accounts import AuditAction
from mailer.pipeline.editions.revisions import export_edition
from mailer.store.tables import deliveries
from tests.accounts_support import (
    Browser,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
)
from tests.editions_data import import_letters
from tests.review_support import ADMIN, APPROVER, COORDINATOR, MONTH, edition, entries, people
from tests.test_send_support import add_contacts, person

__all__ = ["browser", "cheap_hashing", "clock_ctx", "edition", "make_browser", "people"]

pytestmark = pytest.mark.usefixtures("cheap_hashing", "people", "edition")
PREVIEW = f"/editions/{MONTH}/preview"
TEST_SEND = f"/editions/{MONTH}/test-send"
KEYS = [f"{r}-{lang}" for r in ("hyks", "kys", "tays", "tyks", "oys") for lang in ("fi", "sv")]


# --- preview -----------------------------------------------------------------------------------


def test_the_preview_needs_a_session(browser: Browser) -> None:
    assert browser.get(PREVIEW).status_code == 303
    assert browser.get(f"/editions/{MONTH}/preview/hyks-fi.html").status_code == 303


def test_the_preview_shows_ten_variants_with_subject_preheader_from_and_text(
    browser: Browser,
) -> None:
    browser.log_in(COORDINATOR)
    response = browser.get(PREVIEW)
    assert response.status_code == 200
    html = response.text
    assert [m for m in re.findall(r'id="variant-([a-z]+-[a-z]+)"', html)] == KEYS
    assert html.count('class="subject"') == 10 and html.count('class="preheader"') == 10
    assert "Marraskuu 2026: tuen seuranta" in html and "November 2026: uppföljningen" in html
    assert "Opetushallituksen kysely" in html  # a preheader
    assert "VIP-verkosto &lt;vipu@vip-verkosto.example&gt;" in html
    assert html.count('<pre class="text-part"') == 10 and "Aino" in html
    frames = re.findall(r'<iframe class="letter desktop" src="([^"]+)"\s+title="([^"]+)"', html)
    assert [src for src, _ in frames] == [f"{PREVIEW}/{k}.html" for k in KEYS]
    assert all(title.startswith("Kirje ") for _, title in frames)
    policy = response.headers["content-security-policy"]
    assert "frame-src 'self'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_mobile_width_is_a_link_away(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    html = browser.get(f"{PREVIEW}?width=mobile").text
    assert html.count('class="letter mobile"') == 10
    assert '<a href="?width=mobile" aria-current="true">' in html
    assert browser.get(f"{PREVIEW}?width=huge").text.count('class="letter desktop"') == 10


def test_a_letter_frame_has_its_own_strict_headers(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    response = browser.get(f"{PREVIEW}/kys-sv.html")
    assert response.status_code == 200
    assert '<html lang="sv"' in response.text and "November 2026" in response.text
    policy = response.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in policy and "img-src" in policy
    assert "frame-ancestors 'self'" in policy and "sandbox" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["cache-control"] == "no-store"
    assert browser.get(f"{PREVIEW}/xyz-fi.html").status_code == 404
    assert browser.get("/editions/2031-01/preview/kys-sv.html").status_code == 404


def test_a_real_contact_can_be_the_sample_of_their_own_variant_only(
    browser: Browser,
) -> None:
    ids = add_contacts(browser.context.engine, [person(i) for i in range(20)])
    browser.log_in(COORDINATOR)
    page = browser.get(PREVIEW).text
    assert '<optgroup label="HYKS – suomi">' in page
    assert "vipu0@kunta0.example" not in page  # names and organisations, never addresses
    chosen = ids[0]  # person(0): hyks-fi, "Anna0 Ek & Åberg"
    page = browser.get(f"{PREVIEW}?contact={chosen}").text
    assert f'<option value="{chosen}" selected>' in page
    assert f'src="{PREVIEW}/hyks-fi.html?contact={chosen}"' in page
    assert page.count("Anna0 Ek &amp; Åberg") >= 2  # the select and the recipient row
    letter = browser.get(f"{PREVIEW}/hyks-fi.html?contact={chosen}").text
    assert "Anna0" in letter and "vipu0@kunta0.example" not in letter
    other = browser.get(f"{PREVIEW}/kys-fi.html?contact={chosen}").text
    assert "Anna0" not in other  # another variant keeps the built-in sample
    assert browser.get(f"{PREVIEW}?contact=999999").status_code == 200  # unknown: the sample


def test_the_edition_pages_link_each_other(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    html = browser.get(PREVIEW).text
    assert f'href="{TEST_SEND}"' in html and f'href="/editions/{MONTH}/approval"' in html
    assert f'<a href="{PREVIEW}" aria-current="page">' in html


# --- test send ---------------------------------------------------------------------------------


def _send(browser: Browser, addresses: str, variants: list[str]) -> object:
    token = csrf_of(browser.get(TEST_SEND).text)
    data: dict[str, object] = {"csrf_token": token, "addresses": addresses, "variant": variants}
    return browser.post(TEST_SEND, data)  # type: ignore[arg-type]


def _outbox(browser: Browser) -> list[object]:
    folder = browser.context.settings.outbox_dir / MONTH / "test"  # test letters apart
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def test_the_test_send_form_has_labelled_fields_and_ten_variant_boxes(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    response = browser.get(TEST_SEND)
    assert response.status_code == 200
    html = response.text
    assert '<label for="addresses">' in html and "<legend>" in html
    assert html.count('type="checkbox"') == 10
    assert COORDINATOR in html  # the own address is prefilled


def test_an_admin_may_not_send_tests(browser: Browser) -> None:
    browser.log_in(ADMIN)
    assert browser.get(TEST_SEND).status_code == 403


def test_a_test_send_goes_to_the_outbox_marked_audited_and_outside_the_ledger(
    browser: Browser,
) -> None:
    browser.log_in(COORDINATOR)
    response = _send(browser, "liisa@vip.example\npekka@vip.example", ["hyks-fi", "oys-sv"])
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert "sent=4&failed=0" in response.headers["location"]  # type: ignore[attr-defined]
    letters = _outbox(browser)
    assert len(letters) == 4
    subjects = sorted(str(make_header(decode_header(m["Subject"]))) for m in letters)  # type: ignore[index]
    assert subjects[0].startswith("[TEST hyks-fi] Marraskuu 2026")
    assert {m["To"].split("<")[-1].rstrip(">") for m in letters} == {  # type: ignore[index]
        "liisa@vip.example", "pekka@vip.example",
    }  # fmt: skip
    with browser.context.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar() == 0
    last = entries(browser.context)[-1]
    assert (last.actor, last.action, last.target) == (COORDINATOR, AuditAction.TEST_SENT, MONTH)
    assert "hyks-fi, oys-sv" in last.detail and "2 address(es)" in last.detail
    assert "liisa@" not in last.detail
    page = browser.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert 'role="status"' in page


def test_a_bad_address_is_named_next_to_the_field(browser: Browser) -> None:
    browser.log_in(APPROVER)
    response = _send(browser, "ok@vip.example, kaisa, bo@@vip", ["kys-fi"])
    assert response.status_code == 400  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in html and 'id="addresses-error"' in html
    assert "kaisa, bo@@vip" in html
    assert 'href="#addresses"' in html  # the error summary links to the field
    assert _outbox(browser) == []


def test_more_than_ten_addresses_are_refused(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    many = ", ".join(f"t{i}@vip.example" for i in range(11))
    response = _send(browser, many, ["kys-fi"])
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "(annoit 11)" in response.text  # type: ignore[attr-defined]
    assert _outbox(browser) == []


def test_no_variant_chosen_is_an_error_on_the_fieldset(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    response = _send(browser, "ok@vip.example", [])
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert 'id="variants-error"' in response.text  # type: ignore[attr-defined]


def test_a_test_send_without_a_csrf_token_is_refused(browser: Browser) -> None:
    browser.log_in(COORDINATOR)
    data = {"addresses": "ok@vip.example", "variant": "kys-fi"}
    assert browser.post(TEST_SEND, data).status_code == 403
    assert _outbox(browser) == []


def test_the_preview_compiles_once_for_the_page_and_its_frames_and_again_after_a_change(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailer.pipeline.editions import review

    calls: list[str] = []
    real = review.compile_edition

    def counting(ctx: object, month: str, revision: int | None = None) -> object:
        calls.append(month)
        return real(ctx, month, revision)  # type: ignore[arg-type]

    monkeypatch.setattr(review, "compile_edition", counting)
    monkeypatch.setattr(review, "_cache", type(review._cache)())
    browser.log_in(COORDINATOR)
    browser.get(PREVIEW)
    for key in KEYS:
        browser.get(f"{PREVIEW}/{key}.html")
    assert calls == [MONTH]
    text = export_edition(browser.context, MONTH).text.replace("kerromme", "kerromme nyt", 1)
    path = browser.context.settings.var_dir / "changed.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    import_letters(browser.context, path, by=COORDINATOR)
    assert "kerromme nyt" in browser.get(f"{PREVIEW}/hyks-fi.html").text
    assert calls == [MONTH, MONTH]
