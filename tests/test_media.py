"""Images for the letters: what an upload becomes (pipeline.images), and the library `/media`
with its public `/media/<sha256>.<ext>` on both backends: permissions, CSRF, the size bound,
one copy per image, cache headers, errors in the user's language."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from mailer.core.accounts import AuditAction, UiLanguage, UserRole
from mailer.pipeline.audit import audit_page
from mailer.pipeline.images import MAX_WIDTH, MediaError, MediaProblem, prepare_image
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

__all__ = ["browser", "cheap_hashing", "clock_ctx", "make_browser"]  # fixtures, for pytest

COORDINATOR = "kaisa.koordinaattori@vip.example"
GPS_TAG = 0x8825  # EXIF GPSInfo


def _image(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 40, 40) if mode == "RGB" else (200, 40, 40, 128)).save(
        out, format=fmt, **save
    )
    return out.getvalue()


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Kamera Oy"  # Make
    exif[GPS_TAG] = {1: "N", 2: (60.0, 10.0, 0.0)}
    return _image("JPEG", (80, 60), exif=exif.tobytes())


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


# --- pipeline.images ------------------------------------------------------------------------------


def test_a_photo_stays_jpeg_without_its_metadata() -> None:
    original = _photo_with_gps()
    assert GPS_TAG in Image.open(io.BytesIO(original)).getexif()
    prepared = prepare_image(original)
    again = Image.open(io.BytesIO(prepared.data))
    assert (again.format, prepared.content_type, prepared.extension) == (
        "JPEG",
        "image/jpeg",
        "jpg",
    )
    assert dict(again.getexif()) == {}
    assert (prepared.width, prepared.height) == (80, 60)


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "RGBA"), ("GIF", "RGB"), ("WEBP", "RGB")])
def test_other_images_become_png_and_keep_transparency(fmt: str, mode: str) -> None:
    prepared = prepare_image(_image(fmt, mode=mode))
    again = Image.open(io.BytesIO(prepared.data))
    assert (again.format, prepared.extension) == ("PNG", "png")
    assert ("A" in again.mode) == (mode == "RGBA")


def test_a_wide_image_is_scaled_to_the_letters_width() -> None:
    prepared = prepare_image(_image("PNG", (MAX_WIDTH * 2, 500)))
    assert (prepared.width, prepared.height) == (MAX_WIDTH, 250)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", MediaProblem.EMPTY),
        (b"%PDF-1.7 not a picture", MediaProblem.NOT_AN_IMAGE),
        (_image("BMP"), MediaProblem.UNSUPPORTED),
        (_png_claiming(100_000, 100_000), MediaProblem.TOO_MANY_PIXELS),
        (_image("PNG")[:60], MediaProblem.NOT_AN_IMAGE),  # cut short
    ],
)
def test_what_is_not_a_usable_image_is_refused_with_its_reason(
    data: bytes, problem: MediaProblem
) -> None:
    with pytest.raises(MediaError) as caught:
        prepare_image(data)
    assert caught.value.problem is problem


def test_the_same_picture_gets_the_same_name() -> None:
    assert prepare_image(_image("PNG")).digest == prepare_image(_image("PNG")).digest


# --- the library and the public URL ----------------------------------------------------------


@pytest.fixture
def editor(browser: Browser, clock_ctx: ClockContext) -> Browser:
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR, language=UiLanguage.SV)
    browser.log_in(COORDINATOR)
    return browser


def _upload(browser: Browser, data: bytes, name: str = "kuva.png", token: str | None = None):
    csrf = token if token is not None else csrf_of(browser.get("/media").text)
    return browser.jar.take(
        browser.client.post(
            "/media/upload",
            data={"csrf_token": csrf},
            files={"file": (name, data, "application/octet-stream")},
            headers=browser.jar.headers(),
        )
    )


def test_an_uploaded_image_is_listed_and_served_publicly_for_good(
    editor: Browser, make_browser: Callable[..., Browser]
) -> None:
    response = _upload(editor, _photo_with_gps(), "syysretki.jpg")
    assert response.status_code == 303, response.text[response.text.find("<main") :][:1500]
    name = response.headers["location"].split("done=")[1]
    page = editor.get(response.headers["location"])
    assert "syysretki.jpg" in page.text and f"/media/{name}" in page.text
    assert "img-src 'self'" in page.headers["content-security-policy"]
    anyone = make_browser()
    image = anyone.get(f"/media/{name}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert "immutable" in image.headers["cache-control"]
    assert image.headers["x-content-type-options"] == "nosniff"
    assert dict(Image.open(io.BytesIO(image.content)).getexif()) == {}
    actions = [r.action for r in audit_page(editor.context).rows]
    assert actions[0] is AuditAction.MEDIA_UPLOADED


def test_the_same_image_uploaded_twice_is_stored_once(editor: Browser) -> None:
    first = _upload(editor, _image("PNG"), "a.png").headers["location"]
    second = _upload(editor, _image("PNG"), "b.png").headers["location"]
    assert first == second
    actions = [r.action for r in audit_page(editor.context).rows]
    assert actions.count(AuditAction.MEDIA_UPLOADED) == 1


def test_a_file_that_is_no_image_is_refused_in_the_users_language(editor: Browser) -> None:
    response = _upload(editor, b"<svg onload=alert(1)>", "kuva.svg")
    assert response.status_code == 400
    assert "Filen är ingen bild som kan användas." in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Inga bilder har laddats upp ännu." in response.text


def test_an_upload_over_the_limit_gets_413_before_it_is_read(
    make_browser: Callable[..., Browser], clock_ctx: ClockContext
) -> None:
    browser = make_browser(media_max_upload=65_536)
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR)
    browser.log_in(COORDINATOR)
    response = _upload(browser, b"\x00" * 70_000)
    assert response.status_code == 413
    assert "Tiedosto on liian suuri (enintään 0,1 Mt)." in response.text  # 64 KiB, in Finnish


def test_uploads_need_the_role_and_the_csrf_token(
    make_browser: Callable[..., Browser], clock_ctx: ClockContext
) -> None:
    admin = make_browser()
    assert admin.get("/media").status_code == 303  # to the login
    make_user(clock_ctx, "admin@vip.example", UserRole.ADMIN)
    admin.log_in("admin@vip.example")
    assert admin.get("/media").status_code == 403  # admins do not write letters
    make_user(clock_ctx, COORDINATOR, UserRole.COORDINATOR)
    coordinator = make_browser()
    coordinator.log_in(COORDINATOR)
    assert _upload(coordinator, _image("PNG"), token="").status_code == 403
    assert "Kuvia ei ole vielä ladattu." in coordinator.get("/media").text


@pytest.mark.parametrize("name", ["nope.png", "a" * 64 + ".gif", "../x", "A" * 64 + ".png"])
def test_unknown_or_malformed_image_names_are_404(browser: Browser, name: str) -> None:
    response: httpx.Response = browser.get(f"/media/{name}")
    assert response.status_code == 404
