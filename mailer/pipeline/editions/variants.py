"""What `edition check` finds in the catalogues and in each rendered variant (its template
errors, its compiled HTML and text), as problems placed by region and language."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from mailer.core.edition.codes import CheckCode
from mailer.core.edition.content import ContentProblem
from mailer.core.edition.render import compile_variant, compiled_text_findings, html_findings
from mailer.core.errors import TemplateError
from mailer.core.models import Language, Variant

__all__ = ["catalogue_file_problems", "variant_problems"]


def catalogue_file_problems(templates_dir: Path, messages: list[str]) -> list[ContentProblem]:
    problems = []
    for message in messages:
        language = next((lang.value for lang in Language if f"/{lang.value}" in message), "all")
        problems.append(
            ContentProblem(
                file=str(templates_dir / "i18n"),
                line=None,
                field="catalogue",
                language=language,
                message=message,
                kind="template",
                code=CheckCode.CATALOGUE_INVALID,
                params={"detail": message},
            )
        )
    return problems


def variant_problems(
    env: jinja2.Environment,
    views: Mapping[Variant, Mapping[str, Any]],
    month: str,
    file: str,
    templates_dir: Path,
) -> tuple[list[ContentProblem], dict[str, int]]:
    """Render each variant; its template errors, and what is wrong with its HTML and text."""
    problems: list[ContentProblem] = []
    sizes: dict[str, int] = {}
    for variant, view in views.items():
        where = {"region": variant.region.value, "language": variant.language.value}
        try:
            compiled = compile_variant(
                env, edition=month, variant=variant, view=view, role_labels={}
            )
        except TemplateError as err:
            message = str(err).removeprefix(f"{variant.key}: ")
            problems.append(
                ContentProblem(
                    file=str(templates_dir / "letter"),
                    line=None,
                    field="template",
                    message=message,
                    kind="template",
                    code=CheckCode.TEMPLATE_ERROR,
                    params={"detail": message},
                    **where,
                )
            )
            continue
        sizes[variant.key] = len(compiled.html.encode("utf-8"))
        own = (str(view.get("browser_url", "")),)
        for field, findings in (
            ("html", html_findings(compiled.html, variant.language.value, own)),
            ("text", compiled_text_findings(compiled.text)),
        ):
            problems.extend(
                ContentProblem(
                    file=file,
                    line=None,
                    field=field,
                    message=found.message,
                    kind="html",
                    code=found.code,
                    params=found.params,
                    **where,
                )
                for found in findings
            )
    return problems, sizes
