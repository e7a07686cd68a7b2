"""The roster upload's problems speak the coordinator's language: every reason the importer
gives has a code and values, each code a text in the fi, sv and en catalogues, and the preview's
problems table shows that text (values the file held escaped), while the CLI keeps the English
reason. In-process, on both backends."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from string import Formatter

import pytest

from mailer.config import Settings
from mailer.core.accounts import UiLanguage, UserRole
from mailer.core.roster.reasons import ENGLISH, Reason, RosterCode, params_of
from mailer.core.roster.rows import RosterProblem, parse_roster
from mailer.pipeline.pages import problem_text
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
from tests.conftest import ROOT

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

COORDINATOR = "kaisa.koordinaattori@vip.example"
# a bad address (with markup in it, which must come out escaped) and an unknown municipality
ROSTER = (
    "Etunimi;Sukunimi;Sähköposti;Organisaatio;Kunta\n"
    "Aino;Aalto;aino.aalto@espoo.example;Espoon kaupunki;049\n"
    "Cai;Carlsson;cai@<b>kauniainen;Kauniaisten kaupunki;235\n"
    "Dan;Dahl;dan.dahl@hanko.example;Hangon kaupunki;Hämenlinna\n"
)
UTF16_CUT = b"\xff\xfe" + "Etunimi".encode("utf-16-le") + b"\x00"  # an odd byte: cut short
SETTINGS = Settings(templates_dir=ROOT / "templates")


def _reasons(browser: Browser, content: bytes, name: str) -> list[str]:
    """The problems table's reason column of the upload's preview, as the page shows it."""
    token = csrf_of(browser.get("/roster").text)
    files = {"file": (name, content, "text/csv")}
    response = browser.jar.take(
        browser.client.post(
            "/roster/upload", data={"csrf_token": token}, files=files, headers=browser.jar.headers()
        )
    )
    assert response.status_code == 303
    page = browser.get(response.headers["location"]).text
    table = re.search(r'<table class="problems">.*?</table>', page, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>.*?</tr>", table.group(0), re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[3] for row in rows]


@pytest.mark.parametrize(
    ("language", "address", "municipality", "unreadable"),
    [
        (
            UiLanguage.FI,
            "Virheellinen sähköpostiosoite ”cai@&lt;b&gt;kauniainen”: siinä on merkki, joka ei "
            "kelpaa sähköpostiosoitteeseen (esimerkiksi välilyönti, pilkku tai toinen @-merkki).",
            "Tuntematon kunta ”Hämenlinna”, eikä aluetta ole annettu (tarkoititko Hämeenlinna?).",
            "Tiedosto ei ole kelvollista UTF-16-tekstiä (truncated data).",
        ),
        (
            UiLanguage.SV,
            "Ogiltig e-postadress ”cai@&lt;b&gt;kauniainen”: den innehåller ett tecken som inte "
            "får finnas i en e-postadress (till exempel mellanslag, kommatecken eller ett andra "
            "@-tecken).",
            "Okänd kommun ”Hämenlinna” och inget område angivet (menade du Hämeenlinna?).",
            "Filen är inte giltig UTF-16-text (truncated data).",
        ),
    ],
)
def test_the_upload_preview_gives_the_reasons_in_the_coordinators_language(
    make_browser: Callable[..., Browser],
    clock_ctx: ClockContext,
    cheap_hashing: None,
    language: UiLanguage,
    address: str,
    municipality: str,
    unreadable: str,
) -> None:
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, language=language)
    browser = make_browser()
    assert browser.log_in(COORDINATOR).status_code == 303
    reasons = _reasons(browser, ROSTER.encode(), "vipu-rosteri.csv")
    assert len(reasons) == 2
    assert reasons[0] == address
    assert "<b>" not in reasons[0]  # the address as written, escaped
    assert reasons[1] == municipality
    assert _reasons(browser, UTF16_CUT, "unicode.txt") == [unreadable]


def test_the_cli_keeps_the_english_reasons_of_the_same_file() -> None:
    parsed = parse_roster("vipu-rosteri.csv", ROSTER.encode())
    assert [(p.line, p.code, p.reason) for p in parsed.problems] == [
        (
            3,
            RosterCode.EMAIL_BAD_CHARACTER,
            "invalid email 'cai@<b>kauniainen': The part after the @-sign contains invalid "
            "characters: '<', '>'.",
        ),
        (
            4,
            RosterCode.MUNICIPALITY_UNKNOWN_SUGGEST,
            "unknown municipality 'Hämenlinna' and no region given (did you mean Hämeenlinna?)",
        ),
    ]
    assert parsed.problems[0].params["value"] == "cai@<b>kauniainen"
    unreadable = parse_roster("unicode.txt", UTF16_CUT).problems
    assert [p.reason for p in unreadable] == ["not valid UTF-16 text: truncated data"]


def test_an_uncommon_email_reason_is_framed_with_the_validators_words() -> None:
    line = "Cai;Carlsson;<b>cai@;Kauniaisten kaupunki;235\n"
    [problem] = parse_roster("r.csv", (ROSTER.splitlines()[0] + "\n" + line).encode()).problems
    assert problem.code is RosterCode.EMAIL_INVALID
    assert (
        problem.reason
        == "invalid email '<b>cai@': There can't be anything after the email address."
    )
    fi = problem_text(problem, strings(SETTINGS, UiLanguage.FI))
    assert fi == (
        "Virheellinen sähköpostiosoite ”<b>cai@”. Tarkistimen selitys (englanniksi): There "
        "can't be anything after the email address."
    )


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize("language", list(UiLanguage))
def test_every_roster_code_has_a_text_in_each_catalogue_naming_only_its_values(
    language: UiLanguage,
) -> None:
    t = strings(SETTINGS, language)
    for code in RosterCode:
        text = t.get(f"roster_reason_{code.value}")
        assert text, (language, code)
        assert _fields(text) <= params_of(code), (language, code, _fields(text))


def test_every_code_has_an_english_text_and_its_reason_carries_the_values_it_names() -> None:
    assert set(ENGLISH) == set(RosterCode)
    # a sample of reasons as the importer builds them: their values are the ones declared
    parsed = parse_roster("vipu-rosteri.csv", ROSTER.encode())
    for problem in parsed.problems + parsed.warnings:
        assert set(problem.params) == params_of(problem.code), problem.code


def test_a_catalogue_text_fills_in_the_reasons_values() -> None:
    reason = Reason.of(RosterCode.TOO_LONG, field="first name", limit=200)
    problem = RosterProblem.of("a.csv", 2, "Etunimi", reason)
    assert problem.reason == "first name is longer than 200 characters"
    fi = strings(SETTINGS, UiLanguage.FI)
    assert problem_text(problem, fi) == "Arvo on yli 200 merkkiä pitkä."
    assert html.escape(problem_text(problem, {})) == problem.reason  # no catalogue: English
