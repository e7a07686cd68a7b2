"""Approval and status of editions in the database, on SQLite and PostgreSQL (the `ctx` fixture)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.core.errors import ContentError, EditionNotApprovedError
from mailer.pipeline import Context
from mailer.pipeline.editions.check import (
    approval_status,
    approve_edition,
    compile_approved,
    content_hash,
    list_statuses,
    load_edition,
    require_approved,
)
from mailer.store.tables import deliveries, edition_approvals, editions
from tests.editions_data import import_letters

ROOT = Path(__file__).resolve().parent.parent
LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"


@pytest.fixture
def own(ctx: Context, tmp_path: Path) -> Context:
    """The context with its own copy of letters/ and templates/, so tests may edit them."""
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(ROOT / "letters" / "2026-11.yaml", letters / "2026-11.yaml")
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("web"))
    settings = ctx.settings.model_copy(update={"letters_dir": letters, "templates_dir": templates})
    own = Context(settings, ctx.engine)
    import_letters(own, letters)
    return own


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _edit_letter(own: Context, old: str, new: str) -> None:
    """A coordinator's edit: change the file and import it (a new revision)."""
    _edit(own.settings.letters_dir / "2026-11.yaml", old, new)
    import_letters(own, own.settings.letters_dir)


def test_an_approved_edition_is_approved_with_who_when_and_hash(own: Context) -> None:
    assert approval_status(own, "2026-11").state == "draft"
    status = approve_edition(own, "2026-11", "Liisa Koordinaattori")
    assert status.state == "approved"
    assert status.approved_by == "Liisa Koordinaattori"
    assert status.approved_at is not None and status.approved_at.tzinfo is not None
    assert status.approved_hash == status.current_hash == content_hash(own, "2026-11")
    assert status.approved_revision == status.revision == 1
    assert require_approved(own, "2026-11") == status.approved_hash


def test_a_content_change_after_approval_returns_the_edition_to_draft(own: Context) -> None:
    approve_edition(own, "2026-11", "Liisa Koordinaattori")
    _edit_letter(own, "Kiitos, että", "Kiitos taas, että")
    status = approval_status(own, "2026-11")
    assert status.state == "draft"
    assert status.changed_since_approval
    assert status.approved_hash != status.current_hash
    assert (status.approved_revision, status.revision) == (1, 2)
    with pytest.raises(EditionNotApprovedError) as caught:
        require_approved(own, "2026-11")
    assert "changed since the approval of revision 1 by Liisa Koordinaattori" in caught.value.reason
    with pytest.raises(EditionNotApprovedError):
        compile_approved(own, "2026-11")  # send refuses
    # approving again makes it sendable again
    assert approve_edition(own, "2026-11", "Pekka Päätoimittaja").state == "approved"
    assert require_approved(own, "2026-11") == content_hash(own, "2026-11")
    assert approval_status(own, "2026-11").approved_revision == 2


def test_reimporting_the_approved_text_keeps_the_approval(own: Context) -> None:
    approve_edition(own, "2026-11", "Liisa Koordinaattori")
    assert not import_letters(own, own.settings.letters_dir)[0].created
    assert approval_status(own, "2026-11").state == "approved"


def test_a_new_revision_with_the_approved_text_is_still_a_new_revision(own: Context) -> None:
    # Approval pins a number: back and forth (A, B, A) is two revisions after the approved one.
    approve_edition(own, "2026-11", "Liisa Koordinaattori")
    _edit_letter(own, "Kiitos, että", "Kiitos taas, että")
    _edit_letter(own, "Kiitos taas, että", "Kiitos, että")
    status = approval_status(own, "2026-11")
    assert status.current_hash == status.approved_hash
    assert (status.state, status.revision) == ("draft", 3)


def test_the_approved_revision_is_what_gets_compiled_for_the_send(own: Context) -> None:
    approve_edition(own, "2026-11", "Liisa Koordinaattori")
    compiled = compile_approved(own, "2026-11")
    assert len(compiled) == 10
    assert all("Kiitos, että" in c.html for v, c in compiled.items() if v.language.value == "fi")


def test_an_approval_from_before_revisions_counts_as_a_draft(own: Context) -> None:
    with own.engine.begin() as conn:  # as migrated from 0002: no revision number
        conn.execute(
            sa.insert(edition_approvals).values(
                month="2026-11",
                approved_by="Liisa",
                approved_at=own.now(),
                content_hash=content_hash(own, "2026-11"),
            )
        )
    assert approval_status(own, "2026-11").state == "draft"


@pytest.mark.parametrize(
    ("relative", "old", "new"),
    [
        (
            "letter/partials/footer.mjml.j2",
            "<p>{{ t.footer.pass_on }}</p>",
            "<p>{{ t.footer.pass_on }}!</p>",
        ),
        ("i18n/sv.yaml", "Anmäl dig", "Anmäl er"),
    ],
)
def test_a_template_or_catalogue_change_returns_the_edition_to_draft(
    own: Context, relative: str, old: str, new: str
) -> None:
    approve_edition(own, "2026-11", "Liisa Koordinaattori")
    _edit(own.settings.templates_dir / relative, old, new)
    assert approval_status(own, "2026-11").state == "draft"
    with pytest.raises(EditionNotApprovedError):
        require_approved(own, "2026-11")


def test_an_edition_with_problems_cannot_be_approved(own: Context) -> None:
    # Content problems never reach the database (the import refuses them); a template the
    # revision does not render with is found by the check that approval runs.
    shutil.copy(LETTERS / "http-link.yaml", own.settings.letters_dir / "2026-11.yaml")
    with pytest.raises(ContentError, match="not an absolute https://"):
        import_letters(own, own.settings.letters_dir)
    _edit(
        own.settings.templates_dir / "letter/partials/footer.mjml.j2",
        "{{ t.footer.pass_on }}",
        "{{ t.footer.no_such_text }}",
    )
    with pytest.raises(ContentError, match="no_such_text"):
        approve_edition(own, "2026-11", "Liisa Koordinaattori")
    with own.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(edition_approvals)).scalar() == 0
    assert approval_status(own, "2026-11").state == "draft"


def test_overridable_problems_block_approval_until_a_reason_is_given(own: Context) -> None:
    letter = own.settings.letters_dir / "2026-11.yaml"
    _edit(letter, "Marraskuu 2026: tuen", "Lokakuu 2026: tuen")
    _edit_letter(own, "Lue opas", "Lue <b>opas</b>")
    with pytest.raises(ContentError, match=r"--override") as caught:
        approve_edition(own, "2026-11", "Liisa Koordinaattori")
    assert "Lokakuu" in str(caught.value) and "(and 1 more)" in str(caught.value)
    assert approval_status(own, "2026-11").state == "draft"
    with pytest.raises(ContentError, match="reason"):
        approve_edition(own, "2026-11", "Liisa Koordinaattori", override="  ")
    status = approve_edition(
        own, "2026-11", "Liisa Koordinaattori", override="lokakuun kooste on tarkoituksella mukana"
    )
    assert status.state == "approved"
    assert status.override_reason == "lokakuun kooste on tarkoituksella mukana"
    assert len(status.overridden) == 2
    assert any('names "Lokakuu"' in line for line in status.overridden)
    assert approval_status(own, "2026-11").overridden == status.overridden


def test_an_override_does_not_pass_an_error(own: Context) -> None:
    _edit_letter(own, "Lue opas", "Lue <b>opas</b>")  # overridable
    _edit(  # and an error: a template the revision does not render with
        own.settings.templates_dir / "letter/partials/footer.mjml.j2",
        "{{ t.footer.pass_on }}",
        "{{ t.footer.no_such_text }}",
    )
    with pytest.raises(ContentError, match="no_such_text"):
        approve_edition(own, "2026-11", "Liisa Koordinaattori", override="kiire")
    assert approval_status(own, "2026-11").state == "draft"


def test_a_clean_approval_records_no_override(own: Context) -> None:
    status = approve_edition(own, "2026-11", "Liisa Koordinaattori", override="varmuuden vuoksi")
    assert status.override_reason is None
    assert status.overridden == []


def test_an_approver_name_is_required(own: Context) -> None:
    with pytest.raises(ContentError, match="approver's name"):
        approve_edition(own, "2026-11", "  ")


def test_a_missing_or_never_approved_edition_cannot_be_sent(own: Context) -> None:
    missing = approval_status(own, "2026-12")
    assert (missing.state, missing.exists) == ("missing", False)
    with pytest.raises(EditionNotApprovedError, match="missing"):
        require_approved(own, "2026-12")
    with pytest.raises(EditionNotApprovedError, match="never approved"):
        require_approved(own, "2026-11")


def test_a_letter_file_that_was_never_imported_is_not_read(own: Context) -> None:
    """No silent import: the file is there, the database has no revision, the commands say how."""
    shutil.copy(
        own.settings.letters_dir / "2026-11.yaml", own.settings.letters_dir / "2026-10.yaml"
    )
    _edit(own.settings.letters_dir / "2026-10.yaml", "month: 2026-11", "month: 2026-10")
    status = approval_status(own, "2026-10")
    assert (status.state, status.exists, status.revision) == ("missing", False, None)
    assert status.hint is not None and "run `mailer edition import" in status.hint
    assert "2026-10.yaml" in status.hint
    with pytest.raises(EditionNotApprovedError, match="mailer edition import"):
        require_approved(own, "2026-10")
    with pytest.raises(ContentError, match="no revision in the database"):
        load_edition(own, "2026-10")
    assert [s.month for s in list_statuses(own)] == ["2026-11"]  # database editions only


def test_an_edition_with_accepted_deliveries_is_sent(own: Context) -> None:
    approve_edition(own, "2026-11", "Liisa Koordinaattori")
    now = own.now()
    with own.engine.begin() as conn:
        conn.execute(
            sa.insert(deliveries).values(
                delivery_id=str(uuid.uuid4()),
                edition="2026-11",
                contact_id=None,
                email="aino.makinen@espoo.example",
                region="hyks",
                language="fi",
                state="queued",
                queued_at=now,
            )
        )
    assert approval_status(own, "2026-11").state == "approved"  # queued is not sent
    with own.engine.begin() as conn:
        conn.execute(sa.update(deliveries).values(state="accepted", accepted_at=now))
    assert approval_status(own, "2026-11").state == "sent"


def test_editions_sent_at_also_marks_a_month_sent(own: Context) -> None:
    with own.engine.begin() as conn:
        conn.execute(sa.insert(editions).values(month="2026-10", created_at=own.now()))
        marked = sa.update(editions).where(editions.c.month == "2026-10")
        conn.execute(marked.values(sent_at=own.now()))
    statuses = {s.month: s for s in list_statuses(own)}
    assert statuses["2026-10"].state == "sent"
    assert statuses["2026-10"].exists is False  # no revision in the database
    assert statuses["2026-11"].state == "draft"
    assert [s.month for s in list_statuses(own)] == ["2026-11", "2026-10"]


def test_a_bad_month_is_refused(own: Context) -> None:
    with pytest.raises(ContentError, match="YYYY-MM"):
        approval_status(own, "2026-13")
