"""`check_edition`: every problem at once, each naming region, language and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailer.config import Settings
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
