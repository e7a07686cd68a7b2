"""Editions in the database: import, export, new, history, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from mailer.core.edition.revisions import EditionProblemsError, text_hash
from mailer.core.errors import ContentError
from mailer.pipeline import Context
from mailer.pipeline.editions.revisions import (
    export_edition,
    import_edition,
    new_edition,
    revision_history,
)
from mailer.store.tables import edition_revisions, editions
from tests.editions_data import import_letters

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "2026-11.yaml"
LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"


def _copy(source: Path, folder: Path, name: str = "2026-11.yaml") -> Path:
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(source, folder / name))


def _count(ctx: Context) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(edition_revisions)).scalar())


def test_an_import_is_revision_1_with_who_when_and_the_text_as_written(ctx: Context) -> None:
    imported = import_edition(ctx, SAMPLE, "Liisa Koordinaattori")
    revision = imported.revision
    assert imported.created
    assert (revision.month, revision.number, revision.author) == (
        "2026-11",
        1,
        "Liisa Koordinaattori",
    )
    assert revision.text == SAMPLE.read_text(encoding="utf-8")
    assert revision.text_hash == text_hash(revision.text)
    assert revision.changes is None and revision.note == "imported from 2026-11.yaml"
    assert revision.created_at.tzinfo is not None
    with ctx.engine.connect() as conn:
        assert conn.execute(sa.select(editions.c.month)).scalars().all() == ["2026-11"]


def test_a_changed_file_is_the_next_revision_naming_what_changed(
    ctx: Context, tmp_path: Path
) -> None:
    path = _copy(SAMPLE, tmp_path / "letters")
    import_edition(ctx, path, "Liisa")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Tack för att du", "Tack igen för att du"), encoding="utf-8")
    second = import_edition(ctx, path, "Pekka").revision
    assert (second.number, second.author, second.changes) == (2, "Pekka", ["closing.sv"])
    history = revision_history(ctx, "2026-11")
    assert [(r.number, r.author) for r in history] == [(2, "Pekka"), (1, "Liisa")]


def test_importing_the_same_text_again_stores_nothing(ctx: Context) -> None:
    import_edition(ctx, SAMPLE, "Liisa")
    again = import_edition(ctx, SAMPLE, "Pekka")
    assert not again.created and again.revision.number == 1 and again.revision.author == "Liisa"
    assert _count(ctx) == 1


def test_export_import_export_gives_the_same_text(ctx: Context, tmp_path: Path) -> None:
    # Windows line endings and no final newline: stored canonical, then stable.
    raw = SAMPLE.read_text(encoding="utf-8").rstrip("\n").replace("\n", "\r\n")
    path = tmp_path / "2026-11.yaml"
    path.write_bytes(raw.encode("utf-8"))
    import_edition(ctx, path, "Liisa")
    first = export_edition(ctx, "2026-11").text
    out = tmp_path / "out" / "2026-11.yaml"
    out.parent.mkdir()
    out.write_text(first, encoding="utf-8", newline="")
    assert not import_edition(ctx, out, "Pekka").created  # the same revision
    assert export_edition(ctx, "2026-11").text == first
    assert first == SAMPLE.read_text(encoding="utf-8")  # comments, order, quoting: all kept


def test_an_earlier_revision_can_be_exported(ctx: Context, tmp_path: Path) -> None:
    path = _copy(LETTERS / "minimal.yaml", tmp_path / "letters")
    import_edition(ctx, path, "Liisa")
    path.write_text(path.read_text("utf-8").replace("Kiitos.", "Kiitos!"), encoding="utf-8")
    import_edition(ctx, path, "Liisa")
    assert "Kiitos." in export_edition(ctx, "2026-11", 1).text
    assert "Kiitos!" in export_edition(ctx, "2026-11").text
    with pytest.raises(ContentError, match="no revision 3"):
        export_edition(ctx, "2026-11", 3)


def test_an_invalid_file_is_refused_with_every_problem_and_nothing_stored(
    ctx: Context, tmp_path: Path
) -> None:
    path = _copy(LETTERS / "many-problems.yaml", tmp_path / "letters")
    with pytest.raises(EditionProblemsError) as caught:
        import_edition(ctx, path, "Liisa")
    problems = caught.value.problems
    assert len(problems) == 5
    assert all(p.file == str(path) and p.line is not None for p in problems)
    assert {"preheader.sv", "national[0].title.sv"} <= {p.field for p in problems}
    assert _count(ctx) == 0


def test_one_invalid_file_among_several_stores_none_of_them(ctx: Context, tmp_path: Path) -> None:
    good = _copy(SAMPLE, tmp_path / "a")
    bad = _copy(LETTERS / "bad-date.yaml", tmp_path / "b")
    with pytest.raises(EditionProblemsError, match="events"):
        import_letters(ctx, good, bad)
    assert _count(ctx) == 0


def test_a_file_named_for_another_month_is_refused(ctx: Context, tmp_path: Path) -> None:
    path = _copy(SAMPLE, tmp_path / "letters", "2026-12.yaml")
    with pytest.raises(EditionProblemsError, match="says 2026-11 but the file is for 2026-12"):
        import_edition(ctx, path, "Liisa")
    other = _copy(SAMPLE, tmp_path / "letters", "marraskuu.yaml")  # any other name: content says
    assert import_edition(ctx, other, "Liisa").revision.month == "2026-11"


def test_an_unreadable_file_names_the_file(ctx: Context, tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot read it"):
        import_edition(ctx, tmp_path / "2026-11.yaml", "Liisa")


def test_an_import_needs_an_author(ctx: Context) -> None:
    with pytest.raises(ContentError, match="--by"):
        import_edition(ctx, SAMPLE, "  ")


def test_a_new_month_starts_from_the_latest_earlier_one(ctx: Context, tmp_path: Path) -> None:
    october = (LETTERS / "minimal.yaml").read_text("utf-8").replace("2026-11", "2026-10")
    (tmp_path / "2026-10.yaml").write_text(october, encoding="utf-8")
    import_letters(ctx, tmp_path / "2026-10.yaml", SAMPLE)
    started = new_edition(ctx, "2026-12", "Liisa")
    assert (started.source.month, started.source.number) == ("2026-11", 1)
    assert started.cleared_events == 7
    revision = started.revision
    assert (revision.month, revision.number, revision.author) == ("2026-12", 1, "Liisa")
    assert "month: 2026-12" in revision.text and "\nevents: []\n" in revision.text
    assert {"subject.fi", "subject.sv"} <= {f.field for f in started.flags}
    assert revision.note is not None and revision.note.startswith("new from 2026-11 r1; 7 event")
    assert "reword: subject.fi" in revision.note
    assert export_edition(ctx, "2026-12").text == revision.text


def test_a_new_month_from_a_chosen_month(ctx: Context) -> None:
    import_edition(ctx, LETTERS / "minimal.yaml", "Liisa")  # 2026-11
    started = new_edition(ctx, "2027-03", "Liisa", source="2026-11")
    assert started.source.month == "2026-11" and started.cleared_events == 1


def test_a_new_month_is_refused_when_it_exists_or_has_no_source(ctx: Context) -> None:
    with pytest.raises(ContentError, match="no earlier edition"):
        new_edition(ctx, "2026-12", "Liisa")
    import_edition(ctx, SAMPLE, "Liisa")
    with pytest.raises(ContentError, match="no revision of that month"):
        new_edition(ctx, "2026-12", "Liisa", source="2026-09")
    with pytest.raises(ContentError, match="already in the database"):
        new_edition(ctx, "2026-11", "Liisa", source="2026-11")
    with pytest.raises(ContentError, match="no earlier edition"):
        new_edition(ctx, "2026-10", "Liisa")
    assert _count(ctx) == 1


def test_export_of_a_month_without_revisions_says_how_to_import(ctx: Context) -> None:
    with pytest.raises(ContentError, match=r"run `mailer edition import .*2026-11\.yaml`"):
        export_edition(ctx, "2026-11")  # letters/2026-11.yaml exists in the repository
    with pytest.raises(ContentError, match="mailer edition new 2027-02"):
        export_edition(ctx, "2027-02")
