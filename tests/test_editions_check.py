"""`check_edition`: every problem at once, each naming region, language and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailer.config import Settings
from mailer.core.edition.content import Severity
from mailer.core.edition.revisions import EditionProblemsError
from mailer.pipeline import Context
from mailer.pipeline.editions.check import check_edition
from tests.editions_data import import_letters, store_unchecked

ROOT = Path(__file__).resolve().parent.parent
LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters"


@pytest.fixture
def work(tmp_path: Path) -> Context:
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(ROOT / "letters" / "2026-11.yaml", letters / "2026-11.yaml")
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("web"))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'editions.db'}",
        letters_dir=letters,
        templates_dir=templates,
        var_dir=tmp_path / "var",
    )
    work = Context(settings)
    import_letters(work, letters)
    return work


def test_the_sample_edition_passes_the_check(work: Context) -> None:
    report = check_edition(work, "2026-11")
    assert report.ok, [str(p) for p in report.problems]
    assert len(report.html_bytes) == 10
    assert all(20_000 < size < 100_000 for size in report.html_bytes.values())


MANY_PROBLEMS = {
    ("preheader.sv", "all", "sv"),
    ("national[0].title.sv", "all", "sv"),
    ("regional.kys[0].body.fi", "kys", "fi"),
    ("events[0]", "kys", "all"),
    ("events[1].registration", "all", "all"),
}


def test_every_content_problem_is_listed_by_the_import(work: Context) -> None:
    path = shutil.copy(LETTERS / "many-problems.yaml", work.settings.letters_dir / "2026-11.yaml")
    with pytest.raises(EditionProblemsError) as caught:
        import_letters(work, Path(path))
    problems = caught.value.problems
    assert {(p.field, p.region, p.language) for p in problems} == MANY_PROBLEMS
    assert all(p.line is not None and p.file == str(path) for p in problems)
    assert check_edition(work, "2026-11").ok  # nothing stored: revision 1 stands


def test_every_content_problem_of_a_stored_revision_is_listed(work: Context) -> None:
    store_unchecked(
        work.engine, "2026-11", (LETTERS / "many-problems.yaml").read_text(encoding="utf-8")
    )
    report = check_edition(work, "2026-11")
    assert not report.ok
    assert {(p.field, p.region, p.language) for p in report.problems} == MANY_PROBLEMS
    assert all(p.line is not None and p.file == "2026-11 r2" for p in report.problems)


def test_a_template_typo_is_reported_for_every_variant(work: Context) -> None:
    footer = work.settings.templates_dir / "letter" / "partials" / "footer.mjml.j2"
    footer.write_text(
        footer.read_text(encoding="utf-8").replace("r.organisation", "r.organization"),
        encoding="utf-8",
    )
    report = check_edition(work, "2026-11")
    assert len(report.problems) == 10
    assert {(p.region, p.language) for p in report.problems} == {
        (r, lang) for r in ("hyks", "kys", "tays", "tyks", "oys") for lang in ("fi", "sv")
    }
    assert all("footer.mjml.j2:" in p.message for p in report.problems)
    assert all("organization" in p.message for p in report.problems)


def test_a_catalogue_key_missing_in_swedish_is_reported(work: Context) -> None:
    sv = work.settings.templates_dir / "i18n" / "sv.yaml"
    sv.write_text(
        sv.read_text(encoding="utf-8").replace("  sender: Avsändare\n", ""), encoding="utf-8"
    )
    report = check_edition(work, "2026-11")
    assert [(p.language, p.field) for p in report.problems] == [("sv", "catalogue")]
    assert "footer.sender: missing" in report.problems[0].message


def test_a_letter_over_the_size_limit_is_reported_per_variant(work: Context) -> None:
    path = work.settings.letters_dir / "2026-11.yaml"
    long_text = " ".join(["Pitkä teksti ilman loppua."] * 4500)
    text = path.read_text(encoding="utf-8").replace(
        "  fi: |\n    Marraskuun kirjeessä",
        f"  fi: |\n    {long_text}\n    Marraskuun kirjeessä",
    )
    path.write_text(text, encoding="utf-8")
    import_letters(work, path)
    report = check_edition(work, "2026-11")
    assert {(p.language, p.field) for p in report.problems} == {("fi", "html")}
    assert len(report.problems) == 5
    assert all("Gmail clips" in p.message for p in report.problems)


def test_a_month_without_a_revision_is_a_problem(work: Context) -> None:
    report = check_edition(work, "2027-01")
    assert not report.ok
    assert report.problems[0].message.startswith("no revision in the database; start it with")


def test_a_catalogue_placeholder_the_template_does_not_fill_is_reported(work: Context) -> None:
    for language in ("fi", "sv"):
        path = work.settings.templates_dir / "i18n" / f"{language}.yaml"
        text = path.read_text(encoding="utf-8").replace("{first_name}", "{etunimi}")
        path.write_text(text, encoding="utf-8")
    report = check_edition(work, "2026-11")
    assert len(report.problems) == 10
    assert all("KeyError: 'etunimi'" in p.message for p in report.problems)
    assert all("letter.mjml.j2:" in p.message for p in report.problems)


def _edit_letter(work: Context, *changes: tuple[str, str]) -> str:
    """Edit the letter file and import it as the edition's next revision."""
    path = work.settings.letters_dir / "2026-11.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    import_letters(work, path)
    return text


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_last_months_event_is_found_from_the_schedule(work: Context) -> None:
    work = Context(work.settings.model_copy(update={"schedules_dir": ROOT / "schedules"}))
    text = _edit_letter(
        work,
        ("end: 2026-11-19 15:30", "end: 2026-11-03 08:30"),
        ("start: 2026-11-19 14:00", "start: 2026-11-03 07:00"),
    )
    report = check_edition(work, "2026-11")
    assert not report.ok
    (problem,) = report.problems
    assert problem.severity is Severity.OVERRIDABLE
    assert problem.line == _line_of(text, "end: 2026-11-03 08:30")
    # schedules/monthly.yaml: the first Tuesday, 3 November 2026, at 09:00
    assert "before the letter goes out" in problem.message
    assert "2026-11-03 09:00, schedule monthly" in problem.message


def test_without_a_schedule_events_before_the_month_are_still_found(
    work: Context, tmp_path: Path
) -> None:
    empty = tmp_path / "no-schedules"
    empty.mkdir()
    work = Context(work.settings.model_copy(update={"schedules_dir": empty}))
    _edit_letter(
        work,
        ("end: 2026-11-19 15:30", "end: 2026-10-19 15:30"),
        ("start: 2026-11-19 14:00", "start: 2026-10-19 14:00"),
    )
    (problem,) = check_edition(work, "2026-11").problems
    assert "no schedule covers it" in problem.message


def test_problems_are_sorted_by_line(work: Context) -> None:
    _edit_letter(
        work,
        ("Marraskuu 2026: tuen", "Lokakuu 2026: tuen"),
        ("siitä, millaista tukea", "siitä, <em>millaista</em> tukea"),
        ("Lue opas", "Lue {{ opas }}"),
    )
    report = check_edition(work, "2026-11")
    lines = [p.line for p in report.problems]
    assert len(lines) == 3
    assert lines == sorted(lines)
    assert [p.field for p in report.problems] == [
        "subject.fi",
        "intro.fi",
        "national[1].link.label.fi",
    ]


def test_a_long_subject_warns_but_the_edition_is_ok(work: Context) -> None:
    _edit_letter(
        work,
        (
            "tuen seuranta ja syksyn tapahtumat",
            "tuen seuranta, alueiden tapaamiset ja syksyn tapahtumat",
        ),
    )
    report = check_edition(work, "2026-11")
    assert report.ok
    assert [(p.field, p.severity) for p in report.problems] == [("subject.fi", Severity.WARNING)]


def test_swedish_letters_carry_the_swedish_sender_address(work: Context) -> None:
    from mailer.pipeline.editions.check import compile_edition

    settings = work.settings.model_copy(
        update={"sender_address_sv": "VIP-nätverket, PB 1, 00101 Helsingfors"}
    )
    compiled = compile_edition(Context(settings), "2026-11")
    for variant, letter in compiled.items():
        if variant.language.value == "sv":
            assert "VIP-nätverket, PB 1, 00101 Helsingfors" in letter.html
            assert "VIP-nätverket, PB 1, 00101 Helsingfors" in letter.text
        else:
            assert "VIP-verkosto, PL 1, 00100 Helsinki" in letter.html
            assert "Helsingfors" not in letter.text
