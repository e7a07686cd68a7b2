"""Edition previews: every variant personalised with a made-up contact, side by side."""

from __future__ import annotations

import errno
from html import escape
from pathlib import Path

from mailer.config import Settings
from mailer.core.edition.render import personalise
from mailer.core.errors import ContentError
from mailer.core.models import Language, OutgoingMessage, Recipient, Region, Role, Variant
from mailer.core.tokens import make_unsubscribe_token
from mailer.pipeline.context import Context
from mailer.pipeline.editions.check import compile_edition

__all__ = ["sample_recipient", "write_preview"]


_SAMPLE_ORGANISATIONS = {
    Region.HYKS: ("Espoon kaupunki", "Esbo stad", "espoo"),
    Region.KYS: ("Kuopion kaupunki", "Kuopio stad", "kuopio"),
    Region.TAYS: ("Tampereen kaupunki", "Tammerfors stad", "tampere"),
    Region.TYKS: ("Turun kaupunki", "Åbo stad", "turku"),
    Region.OYS: ("Oulun kaupunki", "Uleåborg stad", "oulu"),
}


def sample_recipient(settings: Settings, variant: Variant) -> Recipient:
    """A made-up contact for previews (names and addresses under the reserved .example TLD)."""
    org_fi, org_sv, domain = _SAMPLE_ORGANISATIONS[variant.region]
    first, last = ("Aino", "Mäkinen") if variant.language is Language.FI else ("Ebba", "Lindqvist")
    # a key no contact has (real keys are 22 random characters): the link shows the 404 page
    token = make_unsubscribe_token(settings.secret_key.get_secret_value(), "preview")
    return Recipient(
        delivery_id=f"preview-{variant.key}",
        email=f"{first}.{last}@{domain}.example".lower().replace("ä", "a"),
        first_name=first,
        last_name=last,
        organisation=org_fi if variant.language is Language.FI else org_sv,
        role=Role.SUPPORT,
        unsubscribe_url=f"{settings.public_url}/u/{token}",
        unsubscribe_mailto=f"mailto:{settings.unsubscribe_mailto}?subject=unsubscribe-{token}",
    )


def _index_html(month: str, messages: list[OutgoingMessage]) -> str:
    cells = "\n".join(
        f"<figure><figcaption><b>{escape(m.variant.key)}</b> · {escape(m.subject)} · "
        f'<a href="{m.variant.key}.html">HTML</a> · <a href="{m.variant.key}.txt">text</a>'
        f'</figcaption><iframe src="{m.variant.key}.html" title="{escape(m.variant.key)}" '
        'loading="lazy"></iframe></figure>'
        for m in messages
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Preview {escape(month)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 16px; background: #f4f6f8; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(640px, 1fr)); gap: 16px; }}
figure {{ margin: 0; background: #fff; padding: 8px; border: 1px solid #d9e2ec; }}
figcaption {{ font-size: 14px; margin-bottom: 6px; }}
iframe {{ width: 620px; max-width: 100%; height: 900px; border: 1px solid #d9e2ec; }}
</style></head>
<body><h1>Edition {escape(month)}: all {len(messages)} variants</h1>
<main>
{cells}
</main></body></html>
"""


def write_preview(ctx: Context, month: str, out: Path | None = None) -> Path:
    """Every variant as HTML and text, personalised with a sample contact, plus an index.html
    that shows them side by side. Returns the index's path."""
    compiled = compile_edition(ctx, month)
    folder = out if out is not None else ctx.settings.var_dir / "preview" / month
    messages = [
        personalise(letter, sample_recipient(ctx.settings, variant))
        for variant, letter in compiled.items()
    ]
    files = {f"{m.variant.key}.{kind}": text for m in messages for kind, text in _texts(m)}
    files["index.html"] = _index_html(month, messages)
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as err:
        # a file, /proc/self, a read-only place: say where and why, never a traceback
        raise ContentError(
            str(folder), None, "--out", f"cannot write the preview there: {err.strerror or err}"
        ) from err
    return folder / "index.html"


def _texts(message: OutgoingMessage) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("html", message.html), ("txt", message.text)
