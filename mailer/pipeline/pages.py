"""The page templates (templates/web/): one autoescaped Jinja2 environment, the public pages'
strings per language, and the bounce report as a page. The web layer serves these pages; the CLI
and the demo write the same bounce report page to a file (`mailer report bounces --format html`),
so both import it from here instead of from each other.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import yaml
from markupsafe import Markup

from mailer.config import Settings
from mailer.core.edition.content import ContentProblem
from mailer.core.models import Language
from mailer.core.regions import REGION_NAMES, REGION_SHORT_NAMES, find_municipality
from mailer.core.reports.models import BounceReport
from mailer.core.roster.rows import RosterProblem

__all__ = [
    "bounce_report_html",
    "problem_text",
    "public_strings",
    "render",
    "stylesheet_hash",
]

WEB = "web"


@cache
def _environment(templates_dir: Path, zone_name: str) -> jinja2.Environment:
    folder = templates_dir / WEB
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        # Every page shows data that came from roster files and provider events: escape it all.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    zone = ZoneInfo(zone_name)
    env.filters["local"] = lambda value: _local(value, zone, "%-d.%-m.%Y %H.%M")
    env.filters["day"] = lambda value: _local(value, zone, "%-d.%-m.%Y")
    env.globals["region_names"] = {r.value: n[Language.FI] for r, n in REGION_NAMES.items()}
    env.globals["region_short"] = {r.value: n[Language.FI] for r, n in REGION_SHORT_NAMES.items()}
    env.globals["municipality_name"] = _municipality_name
    env.filters["problem_text"] = problem_text
    css = (folder / "style.css").read_text(encoding="utf-8")
    env.globals["css"] = Markup(css)  # noqa: S704  (our own file, not user input)
    env.globals["css_hash"] = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return env


def problem_text(problem: ContentProblem | RosterProblem, t: Mapping[str, str]) -> str:
    """A problem in the page's language: the catalogue's `check_<code>` (an edition check's
    problem) or `roster_reason_<code>` (a roster's) with the problem's values filled in, or
    its English text when no catalogue knows the code. The result is plain text: the page
    escapes it, values the user wrote included."""
    if isinstance(problem, RosterProblem):
        key, english = f"roster_reason_{problem.code.value}", problem.reason
    else:
        key, english = (f"check_{problem.code}" if problem.code else ""), problem.message
    template = t.get(key) if key else None
    if template is None:
        return english
    try:
        return template.format(**problem.params)
    except (KeyError, IndexError, ValueError):  # a catalogue naming a value the code lacks
        return english


def _municipality_name(code: str | None) -> str:
    found = find_municipality(code) if code else None
    return f"{found.name_fi} ({found.code})" if found else (code or "")


def _local(value: datetime | None, zone: ZoneInfo, pattern: str) -> str:
    # Finnish and Swedish both write 29.5.2026 and 13.00 (DOMAIN.md), in Helsinki time.
    return "" if value is None else value.astimezone(zone).strftime(pattern)


def _env(settings: Settings) -> jinja2.Environment:
    return _environment(settings.templates_dir.resolve(), settings.timezone)


@cache
def _strings(templates_dir: Path, language: str) -> dict[str, str]:
    path = templates_dir / WEB / "i18n" / f"{language}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def public_strings(settings: Settings, language: Language) -> dict[str, str]:
    """The public pages' texts in one language (templates/web/i18n/<lang>.yaml)."""
    return _strings(settings.templates_dir.resolve(), language.value)


def render(settings: Settings, name: str, **context: Any) -> str:
    return _env(settings).get_template(name).render(**context)


def stylesheet_hash(settings: Settings) -> str:
    """SHA-256 (base64) of the one inline stylesheet, for the pages' Content-Security-Policy."""
    return str(_env(settings).globals["css_hash"])


def bounce_report_html(
    settings: Settings,
    report: BounceReport,
    *,
    standalone: bool,
    query: dict[str, str] | None = None,
) -> str:
    """The bounce report page; `standalone` leaves out the admin navigation and filter form."""
    return render(
        settings,
        "admin/bounces.html",
        report=report,
        standalone=standalone,
        query=query or {},
        page_title="Bounce report",
        nav="bounces",
    )
