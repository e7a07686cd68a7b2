"""PURE: rendering an edition.

Stage 1 (once per variant): Jinja2 -> MJML -> HTML (mjml-python), and the plain-text twin, with
placeholder *tokens* where recipient fields go. Stage 2 (per recipient): substitute the tokens.

The token contract (shared with the SendGrid provider, which ships the compiled variant once and
the per-recipient values as `substitutions`):
- HTML tokens look like `%%h:first_name%%` and are replaced with HTML-escaped values;
- text tokens look like `%%t:first_name%%` and are replaced with the raw values.
Two token families are needed because SendGrid applies one substitution map to every content part,
and a name like "Ek & Åberg" must be escaped in HTML but not in text. Tokens contain no character
that HTML escaping or MJML would touch, so they pass through stage 1 unchanged.

Stage 1 gets a Jinja2 environment whose loader the pipeline built (this module reads no files) and
the variant's view (`mailer.core.edition.letter.build_view`). StrictUndefined turns a template typo
into an error instead of an empty string; autoescape is on for the MJML/HTML templates and off for
the plain-text template (`*.txt.j2`), where escaping would show `&amp;` to the reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from types import TracebackType
from typing import Any

import jinja2
from mjml import mjml2html

from mailer.core.edition.codes import CheckCode
from mailer.core.edition.content import Finding
from mailer.core.errors import TemplateError
from mailer.core.models import CompiledVariant, OutgoingMessage, Recipient, Role, Variant

__all__ = [
    "HTML_TEMPLATE",
    "MAX_HTML_BYTES",
    "RECIPIENT_FIELDS",
    "TEXT_TEMPLATE",
    "compile_variant",
    "compiled_text_findings",
    "html_findings",
    "html_problems",
    "html_tokens",
    "make_environment",
    "personalise",
    "render_letter",
    "render_mjml",
    "role_label",
    "substitutions",
    "text_problems",
    "text_tokens",
]

HTML_TEMPLATE = "letter.mjml.j2"
TEXT_TEMPLATE = "letter.txt.j2"
# Gmail clips a message whose HTML exceeds about 102 KB; keep room for stage-2 values.
MAX_HTML_BYTES = 100_000

# The only recipient fields a letter may use; everything else is per variant.
RECIPIENT_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "organisation",
    "role",
    "unsubscribe_url",
    "page_url",
)

_TOKEN = re.compile(r"%%([ht]):([a-z_]+)%%")


def html_tokens() -> dict[str, str]:
    """Stage 1 context for HTML templates: each recipient field -> its HTML token."""
    return {field: f"%%h:{field}%%" for field in RECIPIENT_FIELDS}


def text_tokens() -> dict[str, str]:
    """Stage 1 context for text templates: each recipient field -> its text token."""
    return {field: f"%%t:{field}%%" for field in RECIPIENT_FIELDS}


def role_label(labels: Mapping[str, str], role: str, title: str | None) -> str:
    """What the footer says the recipient's task is: the roster's own job title when the
    vocabulary only knows it as "other", else the role's label in the letter's language."""
    if title and role == Role.OTHER:
        return title
    return labels.get(role, role)


def _values(compiled: CompiledVariant, recipient: Recipient) -> dict[str, str]:
    return {
        "first_name": recipient.first_name,
        "last_name": recipient.last_name,
        "organisation": recipient.organisation,
        "role": role_label(compiled.role_labels, recipient.role.value, recipient.title),
        "unsubscribe_url": recipient.unsubscribe_url,
        "page_url": recipient.page_url,
    }


def substitutions(compiled: CompiledVariant, recipient: Recipient) -> dict[str, str]:
    """Token -> value for one recipient, both families (what SendGrid gets per personalization)."""
    values = _values(compiled, recipient)
    subs = {f"%%t:{field}%%": value for field, value in values.items()}
    subs.update({f"%%h:{field}%%": escape(value, quote=True) for field, value in values.items()})
    return subs


_ANY_TOKEN = re.compile(r"(%%[ht]:[a-z_]+%%)")


@lru_cache(maxsize=64)
def _pieces(template: str) -> tuple[str, ...]:
    # A compiled variant is split at its tokens once (literal, token, literal, ...); for every
    # further recipient the cache hit costs a dict lookup, since a str caches its own hash.
    return tuple(_ANY_TOKEN.split(template))


def _fill(template: str, subs: dict[str, str]) -> str:
    # Unknown tokens are left as they are, so a template typo shows up in the check instead of
    # vanishing.
    pieces = _pieces(template)
    out = list(pieces)
    for i in range(1, len(out), 2):
        out[i] = subs.get(out[i], out[i])
    return "".join(out)


def personalise(
    compiled: CompiledVariant, recipient: Recipient, headers: dict[str, str] | None = None
) -> OutgoingMessage:
    """Stage 2: one recipient's letter from a compiled variant."""
    subs = substitutions(compiled, recipient)
    return OutgoingMessage(
        delivery_id=recipient.delivery_id,
        edition=compiled.edition,
        variant=compiled.variant,
        to_email=recipient.email,
        to_name=f"{recipient.first_name} {recipient.last_name}".strip(),
        subject=compiled.subject,
        html=_fill(compiled.html, subs),
        text=_fill(compiled.text, subs),
        headers=dict(headers or {}),
    )


# --- stage 1 -------------------------------------------------------------------------------------


def make_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """The letter's Jinja2 environment around a loader the caller built."""
    return jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        # HTML-escape everything but the text twin (`*.txt.j2`); strings rendered from
        # templates without a name (none here) are escaped too.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("mjml.j2", "html.j2"),
            disabled_extensions=("txt.j2",),
            default=True,
            default_for_string=True,
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _template_line(tb: TracebackType | None) -> str:
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    where = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{filename}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return where


def _render(env: jinja2.Environment, name: str, context: Mapping[str, Any], key: str) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as err:
        raise TemplateError(key, f"{err.filename or err.name}:{err.lineno}: {err.message}") from err
    except jinja2.TemplateNotFound as err:
        raise TemplateError(key, f"template not found: {err.name}") from err
    except jinja2.TemplateError as err:
        raise TemplateError(key, f"{_template_line(err.__traceback__)}{err.message}") from err
    except (KeyError, IndexError, ValueError) as err:
        # e.g. a catalogue string whose `{placeholder}` the template does not fill
        where = _template_line(err.__traceback__)
        raise TemplateError(key, f"{where}{type(err).__name__}: {err}") from err


def render_mjml(
    env: jinja2.Environment,
    view: Mapping[str, Any],
    variant: Variant,
    html_fields: Mapping[str, str],
) -> str:
    """The MJML source of a variant (Jinja2 stage only): what the MJML validator checks."""
    return _render(env, HTML_TEMPLATE, {**view, "r": html_fields}, variant.key)


def render_letter(
    env: jinja2.Environment,
    view: Mapping[str, Any],
    variant: Variant,
    html_fields: Mapping[str, str],
    text_fields: Mapping[str, str],
) -> tuple[str, str]:
    """Jinja2 -> MJML -> HTML, and the text twin, with `r` = the recipient fields given (tokens
    in stage 1; real values in the naive per-recipient way the benchmark compares against)."""
    mjml = render_mjml(env, view, variant, html_fields)
    try:
        html: str = mjml2html(mjml)
    except ValueError as err:
        message = f"{HTML_TEMPLATE}: MJML could not be parsed: {err}"
        raise TemplateError(variant.key, message) from err
    text = _render(env, TEXT_TEMPLATE, {**view, "r": text_fields}, variant.key)
    return html, text


def compile_variant(
    env: jinja2.Environment,
    *,
    edition: str,
    variant: Variant,
    view: Mapping[str, Any],
    role_labels: Mapping[str, str],
) -> CompiledVariant:
    """Stage 1 for one variant: the letter with recipient tokens in place."""
    html, text = render_letter(env, view, variant, html_tokens(), text_tokens())
    return CompiledVariant(
        edition=edition,
        variant=variant,
        subject=str(view["subject"]),
        preheader=str(view["preheader"]),
        html=html,
        text=text,
        role_labels=dict(role_labels),
    )


# --- checks on the compiled output -----------------------------------------------------------


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.images_without_alt = 0
        self.hrefs: list[str] = []
        self.mjml_tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "img" and not (values.get("alt") or "").strip():
            self.images_without_alt += 1
        elif tag == "a" and values.get("href") is not None:
            self.hrefs.append(values["href"] or "")
        elif tag.startswith("mj-"):
            self.mjml_tags.add(tag)


def _token_findings(document: str, family: str) -> list[Finding]:
    return [
        Finding(
            f"unknown recipient token {m.group(0)}", CheckCode.TOKEN_UNKNOWN, {"token": m.group(0)}
        )
        for m in _TOKEN.finditer(document)
        if m.group(1) != family or m.group(2) not in RECIPIENT_FIELDS
    ]


def html_findings(html: str, language: str, own_links: tuple[str, ...] = ()) -> list[Finding]:
    """What is wrong with a compiled HTML variant (empty when nothing is), each with its code
    for the workspace. `own_links` are our own service's links (the archive page), https in
    production and plain http on a developer's machine: not the content's links to judge."""
    scan = _Scan()
    scan.feed(html)
    found: list[Finding] = []
    size = len(html.encode("utf-8"))
    if size >= MAX_HTML_BYTES:
        found.append(
            Finding(
                f"HTML is {size} bytes, over {MAX_HTML_BYTES} (Gmail clips at ~102 KB)",
                CheckCode.HTML_TOO_LARGE,
                {"size": str(size), "limit": str(MAX_HTML_BYTES)},
            )
        )
    if scan.lang != language:
        found.append(
            Finding(
                f"<html lang> is {scan.lang!r}, expected {language!r}",
                CheckCode.HTML_LANG,
                {"found": str(scan.lang), "expected": language},
            )
        )
    if scan.images_without_alt:
        count = scan.images_without_alt
        found.append(
            Finding(
                f"{count} image(s) without alt text",
                CheckCode.IMAGES_WITHOUT_ALT,
                {"count": str(count)},
            )
        )
    if scan.mjml_tags:
        tags = ", ".join(sorted(scan.mjml_tags))
        found.append(
            Finding(
                f"MJML element(s) left unrendered: {tags}",
                CheckCode.MJML_UNRENDERED,
                {"tags": tags},
            )
        )
    for href in scan.hrefs:
        if not href.startswith(("https://", "mailto:", "%%h:")) and href not in own_links:
            found.append(
                Finding(
                    f"link {href!r} is not an absolute https:// address",
                    CheckCode.LINK_NOT_HTTPS,
                    {"url": href},
                )
            )
    return found + _token_findings(html, "h")


def compiled_text_findings(text: str) -> list[Finding]:
    return _token_findings(text, "t")


def html_problems(html: str, language: str, own_links: tuple[str, ...] = ()) -> list[str]:
    """The English messages of `html_findings`."""
    return [found.message for found in html_findings(html, language, own_links)]


def text_problems(text: str) -> list[str]:
    return [found.message for found in compiled_text_findings(text)]
