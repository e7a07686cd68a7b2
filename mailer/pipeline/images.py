"""An uploaded image made fit for a letter, in memory (bytes in, bytes out; here rather than in
the pure core because Pillow's `Image.open` could as well open a file).

Pillow decodes the upload, so a file is an image only if it really is one (never by its name or
the browser's content type). Whatever came in is encoded again: that drops every piece of
metadata (a phone photo's EXIF carries the place it was taken), turns the photo upright, and
leaves no bytes of the original for a mail client's decoder to trip on. A photo stays JPEG, any
other image becomes PNG (an animated GIF keeps its first frame). Wider than a letter's column at
twice its pixel density, the image is scaled down; an image of absurd pixel count is refused
before it is decoded (a 50 kB PNG can decode to gigabytes).
"""

from __future__ import annotations

import hashlib
import io
from enum import StrEnum
from typing import NamedTuple

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["MAX_PIXELS", "MAX_WIDTH", "MediaError", "MediaProblem", "Prepared", "prepare_image"]

# The letter's column is 600 px; twice that is sharp on a high-density screen.
MAX_WIDTH = 1200
# 40 megapixels: more than any camera a coordinator has, far less than a decompression bomb.
MAX_PIXELS = 40_000_000
_ACCEPTED = {"JPEG", "PNG", "GIF", "WEBP"}


class MediaProblem(StrEnum):
    """Why an upload is refused (`media_error_<value>` in the workspace's catalogue)."""

    EMPTY = "empty"
    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED = "unsupported"  # an image, but not JPEG, PNG, GIF or WebP
    TOO_MANY_PIXELS = "too_many_pixels"


class MediaError(ValueError):
    def __init__(self, problem: MediaProblem, detail: str = "") -> None:
        self.problem = problem
        super().__init__(f"{problem.value}{': ' + detail if detail else ''}")


class Prepared(NamedTuple):
    data: bytes
    content_type: str  # image/jpeg or image/png
    extension: str  # jpg or png
    width: int
    height: int
    digest: str  # SHA-256 of `data`: the image's name, so the same image is stored once


def _opened(data: bytes) -> Image.Image:
    if not data:
        raise MediaError(MediaProblem.EMPTY)
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as err:
        raise MediaError(MediaProblem.TOO_MANY_PIXELS) from err
    except (UnidentifiedImageError, OSError) as err:
        raise MediaError(MediaProblem.NOT_AN_IMAGE) from err
    if image.format not in _ACCEPTED:
        raise MediaError(MediaProblem.UNSUPPORTED, str(image.format))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise MediaError(MediaProblem.TOO_MANY_PIXELS, f"{width}x{height}")
    return image


def _decoded(image: Image.Image) -> Image.Image:
    try:
        image.seek(0)  # an animation's first frame
        upright = ImageOps.exif_transpose(image)
        upright.load()
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise MediaError(MediaProblem.NOT_AN_IMAGE, str(err)) from err
    return upright


def prepare_image(data: bytes) -> Prepared:
    """The upload as it will be served: re-encoded, without metadata, at most MAX_WIDTH wide.
    MediaError when it is no image this accepts."""
    source = _opened(data)
    photo = source.format == "JPEG"
    image = _decoded(source)
    if image.width > MAX_WIDTH:
        height = max(1, round(image.height * MAX_WIDTH / image.width))
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if photo:
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    else:
        keeps_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
        image.convert("RGBA" if keeps_alpha else "RGB").save(out, format="PNG", optimize=True)
    encoded = out.getvalue()
    return Prepared(
        data=encoded,
        content_type="image/jpeg" if photo else "image/png",
        extension="jpg" if photo else "png",
        width=image.width,
        height=image.height,
        digest=hashlib.sha256(encoded).hexdigest(),
    )
