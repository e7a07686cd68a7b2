"""`check_edition`: every problem at once, each naming region, language and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailer.config import Settings
from mailer.pipeline import Context
from mailer.pipeline.editions.check import check_edition

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
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        letters_dir=letters,
        templates_dir=templates,
        var_dir=tmp_path / "var",
    )
    return Context(settings)


def test_the_sample_edition_passes_the_check(work: Context) -> None:
    report = check_edition(work, "2026-11")
    assert report.ok, [str(p) for p in report.problems]
    assert len(report.html_bytes) == 10
    assert all(20_000 < size < 100_000 for size in report.html_bytes.values())


def test_every_content_problem_is_listed(work: Context) -> None:
    shutil.copy(LETTERS / "many-problems.yaml", work.settings.letters_dir / "2026-11.yaml")
    report = check_edition(work, "2026-11")
    assert not report.ok
    assert {(p.field, p.region, p.language) for p in report.problems} == {
        ("preheader.sv", "all", "sv"),
        ("national[0].title.sv", "all", "sv"),
        ("regional.kys[0].body.fi", "kys", "fi"),
        ("events[0]", "kys", "all"),
        ("events[1].registration", "all", "all"),
    }
    assert all(p.line is not None for p in report.problems)


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
    report = check_edition(work, "2026-11")
    assert {(p.language, p.field) for p in report.problems} == {("fi", "html")}
    assert len(report.problems) == 5
    assert all("Gmail clips" in p.message for p in report.problems)


def test_a_missing_edition_file_is_a_problem(work: Context) -> None:
    report = check_edition(work, "2027-01")
    assert not report.ok
    assert report.problems[0].message == "no such file"


def test_a_catalogue_placeholder_the_template_does_not_fill_is_reported(work: Context) -> None:
    for language in ("fi", "sv"):
        path = work.settings.templates_dir / "i18n" / f"{language}.yaml"
        text = path.read_text(encoding="utf-8").replace("{first_name}", "{etunimi}")
        path.write_text(text, encoding="utf-8")
    report = check_edition(work, "2026-11")
    assert len(report.problems) == 10
    assert all("KeyError: 'etunimi'" in p.message for p in report.problems)
    assert all("letter.mjml.j2:" in p.message for p in report.problems)
