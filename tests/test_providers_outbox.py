"""The outbox provider: complete RFC 5322 messages on disk, an index, proof for the ledger."""

from __future__ import annotations

import email
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

from mailer.config import Settings
from mailer.core.models import OutgoingMessage, Recipient, Role
from mailer.providers import make_provider
from mailer.providers.base import Batch
from mailer.providers.outbox import OutboxProvider
from tests.test_send_support import MONTH, NOW, VARIANTS, compiled_variant


def recipient(i: int, last_name: str = "Ek & Åberg") -> Recipient:
    return Recipient(
        delivery_id=f"00000000-0000-4000-8000-{i:012d}",
        email=f"anna{i}@espoo.example",
        first_name="Anna",
        last_name=last_name,
        organisation="Espoon kaupunki",
        role=Role.SUPPORT,
        unsubscribe_url=f"https://vipu.example/u/token-{i}",
        unsubscribe_mailto=f"mailto:unsubscribe@vip-verkosto.example?subject=unsubscribe-token-{i}",
        page_url=f"https://vipu.example/p/page-{i}",
    )


def outbox(tmp_path: Path) -> OutboxProvider:
    return OutboxProvider(Settings(var_dir=tmp_path / "var"), clock=lambda: NOW)


def parse(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_each_recipient_gets_a_complete_multipart_message(tmp_path: Path) -> None:
    provider = outbox(tmp_path)
    compiled = compiled_variant(VARIANTS[0])
    outcomes = provider.send_batch(
        Batch(batch_id="b1", compiled=compiled, recipients=(recipient(1), recipient(2)))
    )
    assert [o.accepted for o in outcomes] == [True, True]
    path = tmp_path / "var" / "outbox" / MONTH / f"{recipient(1).delivery_id}.eml"
    raw = path.read_bytes()
    assert b"\r\n" in raw  # CRLF
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii(), "headers travel 7-bit (RFC 2047), never raw UTF-8"
    msg = parse(path)
    assert msg["From"] == "VIP-verkosto <vipu@vip-verkosto.example>"
    assert msg["To"] == "Anna Ek & Åberg <anna1@espoo.example>"
    assert msg["Subject"] == compiled.subject
    assert msg["Date"] == "Mon, 04 May 2026 07:00:00 +0000"
    assert msg["Message-ID"] == f"<{recipient(1).delivery_id}@vip-verkosto.example>"
    assert outcomes[0].message_id == msg["Message-ID"]
    assert msg["X-Delivery-Id"] == recipient(1).delivery_id
    assert msg["List-Unsubscribe"] == (
        "<https://vipu.example/u/token-1>, "
        "<mailto:unsubscribe@vip-verkosto.example?subject=unsubscribe-token-1>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == "VIPU-kuukausikirje <vipu.vip-verkosto.example>"
    assert "Reply-To" not in msg
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text, html = (p.get_content() for p in parts)
    assert "Hei Anna Ek & Åberg, Espoon kaupunki" in text
    assert "Hei Anna Ek &amp; Åberg, Espoon kaupunki" in html
    assert "oppimisen tuen yhdyshenkilö" in text  # role label in the variant's language
    assert "%%" not in text + html


def test_long_html_lines_travel_quoted_printable_and_decode_exactly(tmp_path: Path) -> None:
    base = compiled_variant(VARIANTS[1])
    long_line = "<p>" + "å" * 3000 + "</p>"
    compiled = base.model_copy(update={"html": base.html.replace("<body>", "<body>" + long_line)})
    provider = outbox(tmp_path)
    provider.send_batch(Batch(batch_id="b", compiled=compiled, recipients=(recipient(3),)))
    path = tmp_path / "var" / "outbox" / MONTH / f"{recipient(3).delivery_id}.eml"
    assert max(len(line) for line in path.read_bytes().splitlines()) <= 998
    html = parse(path).get_body(("html",))
    assert html is not None
    assert html["Content-Transfer-Encoding"] == "quoted-printable"
    assert long_line in html.get_content()


def test_index_lists_every_letter_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    provider = outbox(tmp_path)
    batch = Batch(
        batch_id="b9",
        compiled=compiled_variant(VARIANTS[2]),
        recipients=tuple(recipient(i) for i in range(5)),
    )
    provider.send_batch(batch)
    folder = tmp_path / "var" / "outbox" / MONTH
    lines = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]
    assert [line["delivery_id"] for line in lines] == [r.delivery_id for r in batch.recipients]
    assert {line["batch_id"] for line in lines} == {"b9"}
    assert {line["variant"] for line in lines} == {VARIANTS[2].key}
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")) == []
    assert len(list(folder.glob("*.eml"))) == 5


def test_delivered_is_proven_by_file_or_index_and_a_torn_line_proves_nothing(
    tmp_path: Path,
) -> None:
    provider = outbox(tmp_path)
    provider.send_batch(
        Batch(
            batch_id="b",
            compiled=compiled_variant(VARIANTS[0]),
            recipients=(recipient(1), recipient(2)),
        )
    )
    folder = tmp_path / "var" / "outbox" / MONTH
    (folder / f"{recipient(2).delivery_id}.eml").unlink()  # index line is left
    with (folder / "index.jsonl").open("a") as index:
        index.write('{"delivery_id": "00000000-0000-4000-8000-0000000')  # crash mid-line
    wanted = [recipient(i).delivery_id for i in (1, 2, 3)]
    proven = provider.proof_of_delivery(MONTH, wanted)
    assert proven == {recipient(1).delivery_id, recipient(2).delivery_id}


def test_send_message_writes_a_test_letter_apart(tmp_path: Path) -> None:
    provider = outbox(tmp_path)
    message = OutgoingMessage(
        delivery_id="test-1",
        edition=MONTH,
        variant=VARIANTS[0],
        to_email="coordinator@vip-verkosto.example",
        to_name="Kaisa",
        subject="[TEST] VIPU",
        html="<p>hei</p>",
        text="hei",
    )
    outcome = provider.send_message(message)
    assert outcome.accepted
    path = tmp_path / "var" / "outbox" / MONTH / "test" / "test-1.eml"
    assert parse(path)["Subject"] == "[TEST] VIPU"


def test_make_provider_defaults_to_the_outbox(tmp_path: Path) -> None:
    assert isinstance(make_provider(Settings(var_dir=tmp_path)), OutboxProvider)


def test_spliced_letters_parse_the_same_as_the_generators(tmp_path: Path) -> None:
    from mailer.core.edition.render import personalise
    from mailer.providers.base import unsubscribe_headers
    from mailer.providers.outbox import _Skeleton

    provider = outbox(tmp_path)
    compiled = compiled_variant(VARIANTS[4])
    message = personalise(compiled, recipient(7), unsubscribe_headers(recipient(7)))
    common = provider._common_headers(compiled.subject, NOW, compiled.variant.language)
    message_id = "<m@vip-verkosto.example>"
    fast = _Skeleton(common).assemble(provider._own_headers(message, message_id), message)
    slow = provider._build(message, common, message_id)
    assert fast is not None
    a, b = (email.message_from_bytes(x, policy=policy.default) for x in (fast, slow))
    assert [(k, str(v)) for k, v in a.items() if k != "Content-Type"] == [
        (k, str(v)) for k, v in b.items() if k != "Content-Type"
    ]
    assert [p.get_content() for p in a.iter_parts()] == [p.get_content() for p in b.iter_parts()]
    assert [p["Content-Type"] for p in a.iter_parts()] == [
        p["Content-Type"] for p in b.iter_parts()
    ]
    assert a.defects == [] and all(p.defects == [] for p in a.iter_parts())


def test_a_letter_containing_the_boundary_falls_back_to_the_generator(tmp_path: Path) -> None:
    from mailer.providers.outbox import _Skeleton

    provider = outbox(tmp_path)
    skeleton = _Skeleton(provider._common_headers("S", NOW, VARIANTS[0].language))
    message = OutgoingMessage(
        delivery_id="d",
        edition=MONTH,
        variant=VARIANTS[0],
        to_email="a@b.example",
        to_name="A",
        subject="S",
        html="<p>x</p>",
        text=f"quoting --{skeleton.boundary.decode()} here",
    )
    assert skeleton.assemble(b"", message) is None


def _headers_of(path: Path) -> bytes:
    return path.read_bytes().split(b"\r\n\r\n", 1)[0]


def test_headers_with_a_and_o_are_rfc_2047_encoded_and_decode_exactly(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path / "var",
        from_name_sv="VIP-nätverket",
        reply_to="vipu-kysymykset@vip-verkosto.example",
        list_id="VIPU-månadsbrev <vipu.vip-verkosto.example>".replace("å", "a"),
    )
    provider = OutboxProvider(settings, clock=lambda: NOW)
    sv = next(v for v in VARIANTS if v.language.value == "sv")
    subject = "Novemberbrevet: stödet för lärande, höstens evenemang och en mycket lång rubrik " * 2
    compiled = compiled_variant(sv).model_copy(update={"subject": subject.strip()})
    person = recipient(3, last_name="Vähäkangas-Östergård, Åbo")
    provider.send_batch(Batch(batch_id="b", compiled=compiled, recipients=(person,)))
    path = tmp_path / "var" / "outbox" / MONTH / f"{person.delivery_id}.eml"
    head = _headers_of(path)
    assert head.isascii()
    assert b"=?utf-8?" in head
    lines = head.split(b"\r\n")
    assert max(len(line) for line in lines if b"=?" in line) <= 78  # encoded-words fold at 78
    msg = parse(path)
    assert msg["Subject"] == subject.strip()
    assert msg["To"].addresses[0].display_name == "Anna Vähäkangas-Östergård, Åbo"
    assert msg["To"].addresses[0].addr_spec == person.email
    assert msg["From"].addresses[0].display_name == "VIP-nätverket"
    assert msg["Reply-To"] == "vipu-kysymykset@vip-verkosto.example"
    assert msg["List-Id"] == "VIPU-manadsbrev <vipu.vip-verkosto.example>"
    # the long ASCII List-Unsubscribe stays one unencoded line (RFC 2369 parsers need that)
    assert any(line.startswith(b"List-Unsubscribe: <https://") for line in lines)


def test_a_finnish_letter_keeps_the_finnish_sender_name(tmp_path: Path) -> None:
    provider = OutboxProvider(
        Settings(var_dir=tmp_path / "var", from_name_sv="VIP-nätverket"), clock=lambda: NOW
    )
    fi = next(v for v in VARIANTS if v.language.value == "fi")
    provider.send_batch(
        Batch(batch_id="b", compiled=compiled_variant(fi), recipients=(recipient(4),))
    )
    msg = parse(tmp_path / "var" / "outbox" / MONTH / f"{recipient(4).delivery_id}.eml")
    assert msg["From"] == "VIP-verkosto <vipu@vip-verkosto.example>"


def test_a_test_letter_is_7_bit_too(tmp_path: Path) -> None:
    provider = outbox(tmp_path)
    message = OutgoingMessage(
        delivery_id="t1",
        edition=MONTH,
        variant=VARIANTS[1],
        to_email="kaisa@koulu.example",
        to_name="Kaisa Mäkelä",
        subject="[TEST] Marraskuu – syksyn tapahtumat",
        html="<p>ä</p>",
        text="ä",
    )
    provider.send_message(message)
    path = tmp_path / "var" / "outbox" / MONTH / "test" / "t1.eml"
    assert _headers_of(path).isascii()
    msg = parse(path)
    assert msg["Subject"] == "[TEST] Marraskuu – syksyn tapahtumat"
    assert str(msg["To"]) == "Kaisa Mäkelä <kaisa@koulu.example>"
