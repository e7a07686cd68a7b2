"""The UI-string catalogues: one per language, identical keys, no empty strings."""

from __future__ import annotations

from pathlib import Path

from mailer.core.edition.catalogue import (
    catalogue_problems,
    flat_keys,
    parse_catalogue,
    role_labels,
)
from mailer.core.models import Language, Role

I18N = Path(__file__).resolve().parent.parent / "templates" / "i18n"


def _load(language: Language) -> dict[str, object]:
    path = I18N / f"{language.value}.yaml"
    return parse_catalogue(path.read_text(encoding="utf-8"), str(path))


def test_the_shipped_catalogues_have_identical_keys_and_no_gaps() -> None:
    catalogues = {language: _load(language) for language in Language}
    assert flat_keys(catalogues[Language.FI]).keys() == flat_keys(catalogues[Language.SV]).keys()
    assert catalogue_problems(catalogues) == []


def test_the_shipped_catalogues_differ_in_every_sentence() -> None:
    # A Swedish catalogue that copies Finnish strings would pass the key check; words must differ
    # except for names and addresses.
    fi, sv = (flat_keys(_load(lang)) for lang in Language)
    same = {k for k in fi if fi[k] == sv[k]}
    assert same <= {"letter.region_line"}


def test_a_key_missing_in_one_language_is_reported() -> None:
    fi = {"footer": {"why": "Saat tämän", "role": "Rooli"}, "roles": {r.value: "x" for r in Role}}
    sv = {"footer": {"why": "Du får"}, "roles": {r.value: "y" for r in Role}, "extra": ""}
    problems = catalogue_problems({Language.FI: fi, Language.SV: sv})
    assert "sv: footer.role: missing (present in another language)" in problems
    assert "fi: extra: missing (present in another language)" in problems
    assert "sv: extra: must be a non-empty string" in problems


def test_role_labels_come_from_the_catalogue() -> None:
    labels = role_labels(_load(Language.SV))
    assert set(labels) == {r.value for r in Role}
    assert labels["welfare"] == "elev- och studerandevårdens tjänster"


def test_placeholders_must_match_across_languages() -> None:
    roles = {r.value: "x" for r in Role}
    fi = {"letter": {"greeting": "Hei {first_name},"}, "roles": roles}
    sv = {"letter": {"greeting": "Hej {förnamn},"}, "roles": roles}
    assert catalogue_problems({Language.FI: fi, Language.SV: sv}) == [
        "sv: letter.greeting: placeholders ['förnamn'] differ from fi ['first_name']"
    ]
