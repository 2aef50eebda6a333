"""What an uploaded file is, from its bytes (never the client's word), and an image's thumbnail.

    found = sniff(data, "cat.png", thumb_size=320, max_pixels=50_000_000)   # blocking: a thread
    found.type, found.width, found.height, found.thumb

Images (png, jpeg, gif, webp) are decoded with Pillow: their format, dimensions and a WebP
thumbnail. Anything else is named by puremagic's signatures (the file name only picks among
the types the bytes fit), else ``text/plain`` for UTF-8 text, else ``application/octet-stream``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import puremagic
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# Types a browser would run or render as a page: served as plain bytes to download.
ACTIVE = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-shockwave-flash",
        "application/pdf",
    }
)
THUMB_TYPE = "image/webp"
OCTETS = "application/octet-stream"


class TooManyPixels(ValueError):
    """An image larger (in pixels) than the gateway decodes."""


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: a media type; for an image its dimensions and thumbnail."""

    type: str
    width: int | None = None
    height: int | None = None
    thumb: bytes | None = None

    @property
    def image(self) -> bool:
        return self.type in IMAGES.values()


def sniff(data: bytes, name: str, *, thumb_size: int, max_pixels: int) -> Sniffed:
    """The media type of ``data`` (named ``name``) and, for an image, its thumbnail.

    ``TooManyPixels`` for an image of more than ``max_pixels`` pixels (a small file can
    decode to gigabytes). Blocking and CPU-bound: call it in a thread.
    """
    image = _image(data, thumb_size, max_pixels)
    if image is not None:
        return image
    return Sniffed(_signature(data, name))


def served_type(media_type: str) -> str:
    """The ``Content-Type`` a file is served with: what it is, unless a browser would run it."""
    if media_type in ACTIVE:
        return OCTETS
    if media_type.startswith("text/"):
        return f"{media_type}; charset=utf-8"
    return media_type


def _image(data: bytes, thumb_size: int, max_pixels: int) -> Sniffed | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(IMAGES)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise TooManyPixels(
                        f"the image is {width}x{height} pixels; the most is {max_pixels} pixels"
                    )
                kind = IMAGES[str(image.format)]
                image.seek(0)  # an animation's first frame
                thumb = _thumbnail(image, thumb_size)
    except TooManyPixels:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(f"the image is too large to decode: {exc}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None  # not an image Pillow can decode: named by its signature instead
    return Sniffed(kind, width, height, thumb)


def _thumbnail(image: Image.Image, size: int) -> bytes:
    upright = ImageOps.exif_transpose(image) or image
    alpha = "A" in upright.getbands() or "transparency" in upright.info
    small = upright.convert("RGBA" if alpha else "RGB")
    small.thumbnail((size, size))
    out = io.BytesIO()
    small.save(out, format="WEBP", quality=80)
    return out.getvalue()


def _signature(data: bytes, name: str) -> str:
    try:
        found = [m for m in puremagic.magic_string(data) if m.mime_type]  # the bytes alone
    except (puremagic.PureError, ValueError):
        found = []
    if found:
        # The name only picks among the types the bytes fit (a .docx and a .zip look alike).
        extension = "." + name.rpartition(".")[2].lower() if "." in name else ""
        best = next((m for m in found if m.extension == extension), found[0])
        # An image Pillow could not decode (damaged, or only its header) is just bytes.
        return OCTETS if best.mime_type in IMAGES.values() else str(best.mime_type)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return OCTETS
    return "text/plain"
