"""The embedded default provider: one complete RFC 5322 message per recipient, on disk.

Files go to `<var_dir>/outbox/<edition>/<delivery_id>.eml`, each written to a temporary name and
renamed into place (os.replace is atomic on POSIX), so a killed send never leaves half a letter.
`index.jsonl` beside them gets one JSON line per letter, appended after the files of a batch are
in place: a torn last line after a crash is ignored, and the .eml files themselves are the proof
that a letter "went out" (see `proof_of_delivery`). Nothing leaves the machine.
"""

from __future__ import annotations

import binascii
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address, BaseHeader
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from mailer.config import Settings
from mailer.core.edition.render import personalise
from mailer.core.models import Language, OutgoingMessage, SendOutcome
from mailer.providers.base import Batch, unsubscribe_headers

__all__ = ["OutboxProvider"]

# RFC 5322 section 2.1.1: a line must not exceed 998 octets; longer bodies are quoted-printable.
_MAX_8BIT_LINE = 998
# CRLF line ends and 7-bit headers: not every hop speaks SMTPUTF8 (RFC 6531), so a header with
# ä or ö travels as RFC 2047 encoded-words (`_seven_bit`). ASCII headers fold only past RFC
# 5322's hard limit of 998: at the default 78 the email package turns a long `<mailto:...>` token
# of List-Unsubscribe into encoded-words, which RFC 2369 parsers do not decode.
_POLICY = email_policy.SMTP.clone(max_line_length=_MAX_8BIT_LINE)
# RFC 2047 section 2: an encoded-word is at most 75 characters, so non-ASCII headers fold at 78.
_NARROW = email_policy.SMTP


def _seven_bit(name: str, value: str) -> str:
    """A header value as it goes on the wire: ASCII as it is; otherwise RFC 2047 encoded-words,
    folded at 78. Stored with `set_raw`, which the wide policy writes out unchanged."""
    if value.isascii():
        return value
    folded: str = _NARROW.fold(name, _NARROW.header_factory(name, value))
    return folded[len(name) + 2 :].rstrip("\r\n")


def _address(header: str, name: str, email: str) -> str:
    """`Name <email>` for an address header: quoted as RFC 5322 needs, then 7-bit."""
    return _seven_bit(header, str(Address(display_name=name, addr_spec=email)))


def _header(name: str, value: str) -> BaseHeader:
    """A parsed header object; assigning it to a message skips re-parsing (the expensive part of
    building messages with the email package), so headers shared by a batch are parsed once."""
    parsed = _POLICY.header_factory(name, value)
    assert isinstance(parsed, BaseHeader)
    return parsed


def _body(text: str) -> tuple[str, BaseHeader]:
    raw = text.encode("utf-8")
    if max((len(line) for line in raw.splitlines()), default=0) <= _MAX_8BIT_LINE:
        # 8bit (RFC 6152): the generator writes surrogate-escaped bytes back out unchanged
        return raw.decode("ascii", "surrogateescape"), _CTE_8BIT
    return binascii.b2a_qp(raw).decode("ascii"), _CTE_QP


_CTE_8BIT = _header("Content-Transfer-Encoding", "8bit")
_CTE_QP = _header("Content-Transfer-Encoding", "quoted-printable")
_CT_TEXT = _header("Content-Type", 'text/plain; charset="utf-8"')
_CT_HTML = _header("Content-Type", 'text/html; charset="utf-8"')
_CT_ALT = _header("Content-Type", "multipart/alternative")
_MIME = _header("MIME-Version", "1.0")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxProvider:
    name = "outbox"

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.root = settings.outbox_dir
        self.settings = settings
        self.domain = settings.from_email.rpartition("@")[2] or "localhost"
        self.clock = clock
        self._index_lock = threading.Lock()

    # --- Provider protocol ---------------------------------------------------------------------

    def send_batch(self, batch: Batch) -> list[SendOutcome]:
        compiled = batch.compiled
        folder = self.root / compiled.edition
        folder.mkdir(parents=True, exist_ok=True)
        now = self.clock()
        common = self._common_headers(compiled.subject, now, compiled.variant.language)
        skeleton = _Skeleton(common)
        outcomes: list[SendOutcome] = []
        lines: list[str] = []
        for recipient in batch.recipients:
            message = personalise(compiled, recipient, unsubscribe_headers(recipient))
            message_id = self._message_id(message.delivery_id)
            name = f"{message.delivery_id}.eml"
            data = skeleton.assemble(self._own_headers(message, message_id), message)
            if data is None:  # the boundary occurs in this letter: let the generator pick one
                data = self._build(message, common, message_id)
            _write_atomic(folder / name, data)
            outcomes.append(
                SendOutcome(delivery_id=message.delivery_id, accepted=True, message_id=message_id)
            )
            lines.append(
                json.dumps(
                    {
                        "delivery_id": message.delivery_id,
                        "batch_id": batch.batch_id,
                        "variant": compiled.variant.key,
                        "to": message.to_email,
                        "file": name,
                        "message_id": message_id,
                        "written_at": now.isoformat(),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        with self._index_lock:  # batches may be written from two threads at once
            _append(folder / "index.jsonl", lines)
        return outcomes

    def send_message(self, message: OutgoingMessage) -> SendOutcome:
        folder = self.root / message.edition / "test"
        folder.mkdir(parents=True, exist_ok=True)
        message_id = self._message_id(message.delivery_id)
        common = self._common_headers(message.subject, self.clock(), message.variant.language)
        _write_atomic(
            folder / f"{message.delivery_id}.eml", self._build(message, common, message_id)
        )
        return SendOutcome(delivery_id=message.delivery_id, accepted=True, message_id=message_id)

    def close(self) -> None:
        """Nothing to release: every file is closed as soon as it is written."""

    # --- evidence for the ambiguity rule ------------------------------------------------------

    def proof_of_delivery(self, edition: str, delivery_ids: Iterable[str]) -> set[str]:
        """The delivery ids whose letter is in the outbox (file in place, or named by the index)."""
        folder = self.root / edition
        wanted = set(delivery_ids)
        found = {d for d in wanted if (folder / f"{d}.eml").exists()}
        index = folder / "index.jsonl"
        if index.exists() and found != wanted:
            with index.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        delivery_id = json.loads(line)["delivery_id"]
                    except (ValueError, KeyError, TypeError):
                        continue  # a line torn by a crash proves nothing
                    if delivery_id in wanted:
                        found.add(delivery_id)
        return found

    # --- building messages ----------------------------------------------------------------------

    def _message_id(self, delivery_id: str) -> str:
        return f"<{delivery_id}@{self.domain}>"

    def _common_headers(
        self, subject: str, now: datetime, language: Language
    ) -> list[tuple[str, str]]:
        """The headers every letter of a variant shares, 7-bit (`_seven_bit`)."""
        settings = self.settings
        sender = _address("From", settings.from_name_for(language), settings.from_email)
        headers = [
            ("From", sender),
            ("Subject", _seven_bit("Subject", subject)),
            ("Date", format_datetime(now)),
            ("List-Id", settings.list_id),  # RFC 2919
        ]
        if settings.reply_to:
            headers.append(("Reply-To", settings.reply_to))
        return headers

    def _own_headers(self, message: OutgoingMessage, message_id: str) -> bytes:
        """The recipient's own header lines, folded by the email package."""
        msg = EmailMessage(policy=_POLICY)
        self._add_own_headers(msg, message, message_id)
        return _header_lines(msg)

    @staticmethod
    def _add_own_headers(msg: EmailMessage, message: OutgoingMessage, message_id: str) -> None:
        msg.set_raw("To", _address("To", message.to_name, message.to_email))
        msg["Message-ID"] = message_id
        for name, text in message.headers.items():
            msg.set_raw(name, _seven_bit(name, text))
        msg["X-Delivery-Id"] = message.delivery_id

    def _build(
        self, message: OutgoingMessage, common: list[tuple[str, str]], message_id: str
    ) -> bytes:
        """The whole message through the email package's generator (test sends, and the rare
        letter that contains a batch's boundary)."""
        msg = EmailMessage(policy=_POLICY)
        for name, value in common:
            msg.set_raw(name, value)
        self._add_own_headers(msg, message, message_id)
        msg["MIME-Version"] = _MIME
        msg["Content-Type"] = _CT_ALT
        # RFC 2046 section 5.1.4: alternatives in increasing order of preference, text first.
        parts: list[Any] = []
        for content_type, body in ((_CT_TEXT, message.text), (_CT_HTML, message.html)):
            part = EmailMessage(policy=_POLICY)
            payload, cte = _body(body)
            part["Content-Type"] = content_type
            part["Content-Transfer-Encoding"] = cte
            part.set_payload(payload)
            parts.append(part)
        msg.set_payload(parts)
        return msg.as_bytes()


def _header_lines(msg: EmailMessage) -> bytes:
    """The serialised header block of a message without a body (without the blank line)."""
    data = msg.as_bytes()
    assert data.endswith(b"\r\n\r\n")
    return data[:-2]


def _crlf_body(text: str) -> tuple[bytes, bytes]:
    """A body part's bytes and its Content-Transfer-Encoding header line."""
    lf = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    if max((len(line) for line in lf.split(b"\n")), default=0) <= _MAX_8BIT_LINE:
        return lf.replace(b"\n", b"\r\n"), b"Content-Transfer-Encoding: 8bit\r\n"
    qp = binascii.b2a_qp(lf).replace(b"\n", b"\r\n")
    return qp, b"Content-Transfer-Encoding: quoted-printable\r\n"


class _Skeleton:
    """What a batch's messages share, serialised once by the email package: the common headers
    and the multipart/alternative frame (RFC 2046 5.1). Per letter only the recipient's own
    headers are folded and the two bodies encoded, then spliced into the frame; the generator's
    line-by-line writing of every body was most of the cost of a letter."""

    def __init__(self, common: list[tuple[str, str]]) -> None:
        # RFC 2046 5.1.1: the boundary must occur in no body part; checked for every letter
        self.boundary = f"=_vipu_{secrets.token_hex(16)}".encode()
        head = EmailMessage(policy=_POLICY)
        for name, value in common:
            head.set_raw(name, value)
        self.common = _header_lines(head)
        frame_type = _header(
            "Content-Type", f'multipart/alternative; boundary="{self.boundary.decode()}"'
        )
        # fold_binary directly: a multipart message without parts would serialise its frame too
        self.frame = _POLICY.fold_binary("MIME-Version", _MIME) + _POLICY.fold_binary(
            "Content-Type", frame_type
        )
        self.text_type = _header_lines(_with(_CT_TEXT))
        self.html_type = _header_lines(_with(_CT_HTML))

    def assemble(self, own_headers: bytes, message: OutgoingMessage) -> bytes | None:
        text, text_cte = _crlf_body(message.text)
        html, html_cte = _crlf_body(message.html)
        b = self.boundary
        if b in text or b in html:
            return None
        return b"".join(
            (
                self.common,
                own_headers,
                self.frame,
                b"\r\n--" + b + b"\r\n",
                self.text_type,
                text_cte,
                b"\r\n",
                text,
                b"\r\n--" + b + b"\r\n",
                self.html_type,
                html_cte,
                b"\r\n",
                html,
                b"\r\n--" + b + b"--\r\n",
            )
        )


def _with(content_type: BaseHeader) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    msg["Content-Type"] = content_type
    return msg


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _append(index: Path, lines: list[str]) -> None:
    if not lines:
        return
    with index.open("a", encoding="utf-8") as handle:
        handle.write("".join(lines))
        handle.flush()
        os.fsync(handle.fileno())
