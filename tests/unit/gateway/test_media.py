"""What an upload is (gateway.files.media) and its signed links (gateway.files.signed_urls):
decided by the bytes, never the name or the client's word; links that only this server can make
and that expire."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from gateway.files.media import OCTETS, TooManyPixels, served_type, sniff
from gateway.files.signed_urls import Links

LIMITS = {"thumb_size": 64, "max_pixels": 1_000_000}


def image(fmt: str, size: tuple[int, int] = (300, 150), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_images_get_their_type_dimensions_and_a_small_webp_thumbnail(
    fmt: str, media_type: str
) -> None:
    found = sniff(image(fmt), "whatever.bin", **LIMITS)
    assert (found.type, found.width, found.height) == (media_type, 300, 150)
    assert found.thumb is not None
    with Image.open(io.BytesIO(found.thumb)) as thumb:
        assert (thumb.format, thumb.size) == ("WEBP", (64, 32))


def test_the_name_never_makes_bytes_an_image() -> None:
    page = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    found = sniff(page, "cat.png", **LIMITS)
    assert (found.type, found.image, found.thumb) == ("text/html", False, None)
    assert served_type(found.type) == OCTETS
    assert sniff(image("PNG")[:40], "cut.png", **LIMITS).type == OCTETS  # a damaged image
    assert sniff(b"%PDF-1.7\n...", "x.txt", **LIMITS).type == "application/pdf"
    assert sniff("plain words, ünïcode".encode(), "x.png", **LIMITS).type == "text/plain"
    assert sniff(bytes(range(256)) * 4, "x.txt", **LIMITS).type == OCTETS
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert served_type(sniff(svg, "x.svg", **LIMITS).type) == OCTETS


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(TooManyPixels, match="pixels"):
        sniff(image("PNG", (2000, 1000), mode="1"), "big.png", **LIMITS)


def test_a_signed_link_is_valid_until_it_expires_and_for_nothing_else() -> None:
    links = Links(b"s" * 32, ttl=60)
    url = links.url("abc", "thumb")
    path, _, query = url.partition("?")
    args = dict(part.split("=", 1) for part in query.split("&"))
    assert path == "/files/abc/thumb"
    assert links.valid("abc", "thumb", args["exp"], args["sig"])
    assert not links.valid("abc", "file", args["exp"], args["sig"])
    assert not links.valid("abd", "thumb", args["exp"], args["sig"])
    assert not links.valid("abc", "thumb", str(int(args["exp"]) + 1), args["sig"])
    assert not links.valid("abc", "thumb", args["exp"], args["sig"] + "=")
    assert not links.valid("abc", "thumb", " " + args["exp"], args["sig"])
    assert not Links(b"t" * 32, ttl=60).valid("abc", "thumb", args["exp"], args["sig"])
    stale = Links(b"s" * 32, ttl=-1).url("abc")
    exp, sig = (part.split("=", 1)[1] for part in stale.partition("?")[2].split("&"))
    assert int(exp) < time.time()
    assert not links.valid("abc", "file", exp, sig)
