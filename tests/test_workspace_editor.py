"""The workspace editor in-process, on both backends: the structured form, saving revisions,
validation errors and check problems next to their fields, conflicts, add/remove/move without
JavaScript, approval going back to draft, and the round trip through the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.cli import app as cli_app
from mailer.config import Settings
from mailer.core.accounts import AuditAction, UiLanguage, UserRole
from mailer.pipeline.audit import audit_page
from mailer.pipeline.editions.check import approval_status, approve_edition
from mailer.pipeline.editions.revisions import revision_history
from mailer.web.editions import field_label
from mailer.web.shell import strings
from tests.accounts_support import (
    Browser,
    ClockContext,
    browser,
    cheap_hashing,
    clock_ctx,
    csrf_of,
    make_browser,
    make_user,
)
from tests.editions_data import editor_fields, import_letters, post_editor

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "2026-11.yaml"
COORDINATOR = "kaisa.koordinaattori@vip.example"
APPROVER = "bo.berg@vip.example"
EDIT = "/editions/2026-11/edit"

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def editing(clock_ctx: ClockContext, browser: Browser) -> Browser:
    """November imported, a coordinator signed in."""
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, name="Kaisa Koordinaattori")
    make_user(clock_ctx, APPROVER, UserRole.APPROVER, name="Bo Berg")
    import_letters(clock_ctx, SAMPLE, by="Testi Tuoja")
    browser.log_in(COORDINATOR)
    return browser


def _field(html: str, name: str) -> str:
    return dict(editor_fields(html))[name]


def _tag(html: str, element_id: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*id="{element_id}"[^>]*>', html)
    assert found is not None, element_id
    return found.group(0)


# --- access ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(browser: Browser, clock_ctx: ClockContext) -> None:
    import_letters(clock_ctx, SAMPLE)
    response = browser.get(EDIT)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_admins_may_not_open_the_editor_and_approvers_may(
    make_browser: Callable[..., Browser], editing: Browser, clock_ctx: ClockContext
) -> None:
    make_user(clock_ctx, "aino.admin@vip.example", UserRole.ADMIN)
    admin = make_browser()
    admin.log_in("aino.admin@vip.example")
    assert admin.get(EDIT).status_code == 403
    approver = make_browser()
    approver.log_in(APPROVER)
    assert approver.get(EDIT).status_code == 200


def test_a_save_without_a_csrf_token_is_refused_and_stores_nothing(editing: Browser) -> None:
    response = post_editor(editing, "2026-11", {"subject.fi": "Uusi"}, drop=("csrf_token",))
    assert response.status_code == 403
    assert len(revision_history(editing.context, "2026-11")) == 1


# --- the form ----------------------------------------------------------------------------------


def test_the_form_has_every_part_in_both_languages_with_labels_and_lang(editing: Browser) -> None:
    html = editing.get(EDIT).text
    fields = dict(editor_fields(html))
    for name in ("subject.fi", "subject.sv", "preheader.sv", "intro.fi", "national[3].body.sv",
                 "themes[0].title.fi", "regional.oys[0].body.fi", "events[6].start",
                 "events[1].place.sv", "events[0].registration", "closing.sv"):  # fmt: skip
        assert name in fields, name
    assert fields["events[0].online"] == "on" and fields["events[1].regions"] == "hyks"
    assert 'lang="sv"' in _tag(html, "f-national-0-body-sv")
    assert 'lang="fi"' in _tag(html, "f-subject-fi")
    assert '<label for="f-national-0-body-sv">' in html
    assert "markdown-help" in _tag(html, "f-intro-fi")
    assert html.count("<fieldset") >= 4 + 3 + 5 + 7
    assert 'name="action" value="up:national[1]"' in html
    assert 'name="action" value="add:regional.kys"' in html
    # Save is the form's first submit button: Enter in a text field saves
    form = html[html.index('class="editor"') :]
    assert form.index('id="save-top"') < form.index('name="action"')


def test_saving_a_change_makes_a_revision_with_what_changed_and_an_audit_entry(
    editing: Browser,
) -> None:
    response = post_editor(editing, "2026-11", {"subject.sv": "November 2026: nytt ämne"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{EDIT}?done=saved"
    latest = revision_history(editing.context, "2026-11")[0]
    assert latest.number == 2 and latest.author == COORDINATOR
    assert latest.changes == ["subject.sv"]
    assert "sv: 'November 2026: nytt ämne'" in latest.text
    rows = audit_page(editing.context).rows
    assert rows[0].action is AuditAction.EDITION_EDITED and rows[0].target == "2026-11"
    page = editing.get(response.headers["location"]).text
    assert "Tallennettu uudeksi versioksi." in page
    assert _field(page, "base") == "2"


def test_saving_an_unchanged_form_stores_nothing(editing: Browser) -> None:
    response = post_editor(editing, "2026-11")
    assert response.headers["location"] == f"{EDIT}?done=nothing"
    assert len(revision_history(editing.context, "2026-11")) == 1
    assert not any(r.action is AuditAction.EDITION_EDITED for r in audit_page(editing.context).rows)


def test_a_structural_error_blocks_the_save_and_is_shown_at_its_field_with_input_kept(
    editing: Browser,
) -> None:
    response = post_editor(
        editing,
        "2026-11",
        {
            "national[0].title.sv": "",
            "intro.fi": "Muutettu johdanto",
            "events[2].start": "huomenna",
        },
    )
    assert response.status_code == 400
    html = response.text
    tag = _tag(html, "f-national-0-title-sv")
    assert 'aria-invalid="true"' in tag and 'aria-describedby="f-national-0-title-sv-p1"' in tag
    assert (
        'id="f-national-0-title-sv-p1"' in html and "Teksti on tyhjä." in html
    )  # the check in the page's language
    assert 'href="#f-events-2-start"' in html  # the error summary links to the field
    assert "Muutettu johdanto" in html  # the user's input is kept
    assert len(revision_history(editing.context, "2026-11")) == 1


def test_a_check_problem_is_shown_next_to_its_field_after_the_save(editing: Browser) -> None:
    subject = "Joulukuu 2026: tuen seuranta"
    response = post_editor(editing, "2026-11", {"subject.fi": subject})
    assert response.status_code == 303  # a check problem does not block the save
    html = editing.get(response.headers["location"]).text
    tag = _tag(html, "f-subject-fi")
    assert "f-subject-fi-p1" in tag and 'aria-invalid="true"' in tag
    note = re.search(r'<p class="problem-note" id="f-subject-fi-p1">(.*?)</p>', html, re.S)
    assert note is not None and "Joulukuu" in note.group(1)
    assert 'href="#f-subject-fi"' in html


def test_an_event_without_place_or_online_is_shown_at_the_event(editing: Browser) -> None:
    response = post_editor(editing, "2026-11", drop=("events[0].online",))
    assert response.status_code == 400
    assert 'id="f-events-0-p1"' in response.text and 'href="#f-events-0"' in response.text


# --- conflicts ---------------------------------------------------------------------------------


def test_a_save_based_on_an_older_revision_answers_409_and_overwrites_nothing(
    editing: Browser, make_browser: Callable[..., Browser]
) -> None:
    mine = editing.get(EDIT).text
    other = make_browser()
    other.log_in(APPROVER)
    assert post_editor(other, "2026-11", {"closing.fi": "Bo kirjoitti tämän."}).status_code == 303
    response = post_editor(editing, "2026-11", {"intro.sv": "Kaisas inledning"}, html=mine)
    assert response.status_code == 409
    assert APPROVER in response.text and 'id="conflict"' in response.text
    assert "Kaisas inledning" in response.text
    history = revision_history(editing.context, "2026-11")
    assert len(history) == 2 and "Bo kirjoitti" in history[0].text
    # only an explicit choice saves over it (and the base it shows is still the old one)
    assert _field(response.text, "base") == "1"
    again = post_editor(editing, "2026-11", html=response.text, action="overwrite:2")
    assert again.status_code == 303
    latest = revision_history(editing.context, "2026-11")[0]
    assert latest.number == 3 and "Kaisas inledning" in latest.text
    assert "Bo kirjoitti" not in latest.text


# --- add, remove, move -------------------------------------------------------------------------


def test_add_remove_and_move_rerender_with_unsaved_input_and_store_nothing(
    editing: Browser,
) -> None:
    page = post_editor(editing, "2026-11", {"subject.fi": "Keskeneräinen"}, action="add:national")
    assert page.status_code == 200
    fields = dict(editor_fields(page.text))
    assert fields["subject.fi"] == "Keskeneräinen" and fields["national[4].title.fi"] == ""
    assert 'id="f-national-4-title-fi"' in page.text and "autofocus" in page.text
    first, second = fields["national[0].title.fi"], fields["national[1].title.fi"]
    moved = post_editor(editing, "2026-11", html=page.text, action="down:national[0]")
    fields = dict(editor_fields(moved.text))
    assert (fields["national[0].title.fi"], fields["national[1].title.fi"]) == (second, first)
    removed = post_editor(editing, "2026-11", html=moved.text, action="remove:national[4]")
    removed = post_editor(editing, "2026-11", html=removed.text, action="remove:events[6]")
    fields = dict(editor_fields(removed.text))
    assert "national[4].title.fi" not in fields and "events[6].start" not in fields
    assert len(revision_history(editing.context, "2026-11")) == 1
    saved = post_editor(editing, "2026-11", html=removed.text)
    assert saved.status_code == 303
    latest = revision_history(editing.context, "2026-11")[0]
    assert latest.number == 2 and latest.text.count("registration:") == 6
    assert latest.changes is not None and "events[6] (removed)" in latest.changes


def test_a_regional_item_and_an_event_can_be_added_filled_and_saved(editing: Browser) -> None:
    page = post_editor(editing, "2026-11", action="add:events")
    new = {
        "events[7].title.fi": "Uusi webinaari", "events[7].title.sv": "Nytt webbinarium",
        "events[7].start": "2026-12-10 14:00", "events[7].online": "on",
        "events[7].registration": "https://lyyti.example/reg/uusi",
        "events[7].regions": "kys",
    }  # fmt: skip
    response = post_editor(editing, "2026-11", new, html=page.text)
    assert response.status_code == 303, response.text[:2000]
    latest = revision_history(editing.context, "2026-11")[0]
    assert latest.changes == ["events[7] (added)"]
    assert "regions:\n    - kys" in latest.text or "- kys" in latest.text


# --- approval, round trip, body size ----------------------------------------------------------


def test_a_save_after_approval_returns_the_edition_to_draft(editing: Browser) -> None:
    ctx = editing.context
    approve_edition(ctx, "2026-11", "Bo Berg", override="made-up reason for the test")
    approved = approval_status(ctx, "2026-11")
    assert approved.state == "approved"
    assert post_editor(editing, "2026-11", {"closing.sv": "Hej då"}).status_code == 303
    status = approval_status(ctx, "2026-11")
    assert status.state == "draft" and status.changed_since_approval
    assert status.approved_hash != status.current_hash  # the hash covers the revision
    assert "Luonnos" in editing.get("/editions").text


def test_form_save_then_cli_export_import_export_gives_the_same_text(
    editing: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        post_editor(editing, "2026-11", {"intro.fi": "Rivi yksi\r\nrivi kaksi"}).status_code == 303
    )
    monkeypatch.setenv("MAILER_DATABASE_URL", editing.context.settings.database_url)
    runner = CliRunner()
    first = runner.invoke(cli_app, ["edition", "export", "2026-11"])
    assert (
        first.exit_code == 0 and "intro:\n  fi: |\n    Rivi yksi\n    rivi kaksi\n" in first.output
    )
    path = tmp_path / "2026-11.yaml"
    path.write_text(first.output, "utf-8")
    imported = runner.invoke(cli_app, ["edition", "import", str(path), "--by", "Pekka"])
    assert imported.exit_code == 0 and "unchanged" in imported.output
    second = runner.invoke(cli_app, ["edition", "export", "2026-11"])
    assert second.output == first.output
    assert editing.get("/editions/2026-11/export").text == first.output
    assert post_editor(editing, "2026-11").headers["location"].endswith("done=nothing")


def test_a_form_larger_than_the_public_body_limit_is_accepted(editing: Browser) -> None:
    long_text = "Pitkä kappale, jossa on ääkkösiä. " * 2500  # ~90 KB, ~200 KB urlencoded
    response = post_editor(editing, "2026-11", {"national[0].body.fi": long_text})
    assert response.status_code == 303
    assert csrf_of(editing.get(EDIT).text)


@pytest.mark.parametrize(
    ("path", "label"),
    [("national[1].body.sv", "National item 2 · Text (Swedish)"),
     ("regional.hyks[0].title.fi", "Regional item HYKS 1 · Title (Finnish)"),
     ("events[2]", "Event 3"), ("events[0].start", "Event 1 · Starts"),
     ("themes", "Theme news"), ("subject.fi", "Subject (Finnish)"), ("(edition)", "(edition)")],
)  # fmt: skip
def test_the_error_summary_names_fields_as_the_form_labels_them(path: str, label: str) -> None:
    t = strings(Settings(templates_dir=ROOT / "templates"), UiLanguage.EN)
    assert field_label(path, t) == label


def test_the_image_fields_suggest_the_librarys_images(editing: Browser) -> None:
    import io

    from PIL import Image

    from mailer.pipeline.media import media_url, upload_image

    out = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(out, format="PNG")
    row = upload_image(
        editing.context, actor=COORDINATOR, filename="retki.png", data=out.getvalue()
    )
    page = editing.get("/editions/2026-11/edit").text
    url = media_url(editing.context, row.id, row.extension)
    assert f'<option value="{url}" label="retki.png">' in page
    image_fields = re.findall(r'<input type="url" id="[^"]+" name="[^"]+\.image\.src"[^>]*>', page)
    assert image_fields and all('list="media-images"' in field for field in image_fields)
    assert '<a href="/media">' in page
