"""Files (docs/PROTOCOL.md 1.9): uploads in the database, served by signed, expiring URLs.

    POST /api/uploads            raw body, X-Filename          -> 201 the upload and its URLs
    GET  /api/uploads/{id}       for one who may see it        -> fresh URLs
    GET  /files/{id}[/thumb]?exp=&sig=                         -> the bytes

What a file is comes from its bytes (``gateway.files.media``). Only images (png, jpeg, gif, webp)
are shown inline; anything else downloads as an attachment, and a type a browser would run (HTML,
SVG, ...) is served as plain bytes. Every file response carries ``nosniff`` and a Content
Security Policy that forbids everything.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from typing import ClassVar
from urllib.parse import quote, unquote

from quart import Blueprint, Request, Response, request
from quart_schema import security_scheme

from gateway.files.media import IMAGES, Sniffed, TooManyPixels, served_type, sniff
from gateway.http import schemas as s
from gateway.http.api import BEARER, ApiError, caller
from gateway.http.openapi import answers, raw_body
from gateway.http.schemas import returns
from gateway.resources import Resources
from runtime.db.uploads import New, Stored, Variant
from runtime.errors import UserError

UPLOADS = "/api/uploads"
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}


class SizedRequest(Request):
    """A request whose body may be ``MAX_CONTENT_LENGTH`` bytes, except an upload's, which may
    be ``upload_limit`` (``files.max_size``): Quart fixes the limit when the request is made."""

    upload_limit: ClassVar[int] = 10 * 1024 * 1024

    def __init__(self, method: str, scheme: str, path: str, *args: object, **kwargs: object):
        if method == "POST" and path == UPLOADS:
            kwargs["max_content_length"] = self.upload_limit
        super().__init__(method, scheme, path, *args, **kwargs)  # type: ignore[arg-type]


def sized_request(limit: int) -> type[Request]:
    """The request class of a gateway whose uploads may be ``limit`` bytes."""
    return type("SizedRequest", (SizedRequest,), {"upload_limit": limit})


def files(res: Resources) -> Blueprint:
    """The uploads and files blueprint over ``res``."""
    api = Blueprint("files", __name__)

    @api.post(UPLOADS)
    @raw_body
    @answers(415)
    @security_scheme(BEARER)
    @returns(s.UploadBody, 201)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 413)
    @returns(s.ErrorBody, 415)
    @returns(s.ErrorBody, 422)
    async def upload() -> tuple[s.UploadBody, int]:
        """Store the body's bytes as a file named by ``X-Filename`` (URI-encoded). Its type is
        sniffed from the bytes; ``415`` when ``Content-Type`` claims an image they are not.
        ``413 too_large`` past ``files.max_size``, ``413 quota`` past your quota."""
        me = caller(res)
        name = filename(request.headers.get("X-Filename", ""))
        data = await request.body  # bytes, at most files.max_size (SizedRequest)
        if not data:
            raise ApiError(422, "invalid", "the body is empty: send the file's bytes")
        settings = res.settings.files
        try:
            found: Sniffed = await asyncio.to_thread(
                sniff, data, name, thumb_size=settings.thumb_size, max_pixels=settings.max_pixels
            )
        except TooManyPixels as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        claimed = request.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if claimed.startswith("image/") and not found.image:
            raise ApiError(
                415, "unsupported", f"Content-Type says {claimed}, but the bytes are {found.type}"
            )
        new = New(me, name, found.type, data, found.width, found.height, found.thumb, "image/webp")
        try:
            stored = await res.uploads.add(new, quota=settings.quota)
        except UserError as exc:
            raise ApiError(413, exc.code, exc.detail) from None
        return described(res, stored), 201

    @api.get(f"{UPLOADS}/<upload_id>")
    @security_scheme(BEARER)
    @returns(s.UploadBody)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 404)
    async def describe(upload_id: str) -> s.UploadBody:
        """An upload you may see, with fresh signed URLs (404 otherwise)."""
        stored = await res.uploads.visible(upload_id, caller(res))
        if stored is None:
            raise ApiError(404, "not_found", f"there is no upload {upload_id!r}")
        return described(res, stored)

    @api.get("/files/<upload_id>")
    @answers(403, 404)
    async def file(upload_id: str) -> Response:
        """The file's bytes, for the holder of a signed URL that has not expired."""
        return await served(res, upload_id, "file")

    @api.get("/files/<upload_id>/thumb")
    @answers(403, 404)
    async def thumb(upload_id: str) -> Response:
        """An image's thumbnail (WebP), for the holder of a signed URL."""
        return await served(res, upload_id, "thumb")

    return api


def described(res: Resources, stored: Stored) -> s.UploadBody:
    return s.UploadBody(
        id=stored.id,
        name=stored.name,
        size=stored.size,
        type=stored.type,
        url=res.links.url(stored.id),
        thumb=res.links.url(stored.id, "thumb") if stored.thumb else None,
        width=stored.width,
        height=stored.height,
    )


async def served(res: Resources, upload_id: str, variant: Variant) -> Response:
    exp, sig = request.args.get("exp", ""), request.args.get("sig", "")
    if not res.links.valid(upload_id, variant, exp, sig):
        raise ApiError(403, "forbidden", "this file link is wrong or expired: ask for a new one")
    blob = await res.uploads.blob(upload_id, variant)
    if blob is None:
        raise ApiError(404, "not_found", f"there is no file {upload_id!r}")
    headers = dict(FILE_HEADERS)
    headers["Cache-Control"] = f"private, max-age={max(0, int(exp) - int(time.time()))}"
    if blob.type not in IMAGES.values():
        headers["Content-Disposition"] = attachment(blob.name)
    return Response(blob.data, status=200, content_type=served_type(blob.type), headers=headers)


def filename(header: str) -> str:
    """The file's name from ``X-Filename`` (URI-encoded): its last path part, 1-255
    characters, no control characters; 422 otherwise."""
    try:
        name = unquote(header, errors="strict")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid", "X-Filename is not URI-encoded UTF-8") from None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or len(name) > 255 or name in (".", ".."):
        raise ApiError(422, "invalid", "X-Filename: send the file's name (1-255 characters)")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ApiError(422, "invalid", "X-Filename: a name may not hold control characters")
    return name


def attachment(name: str) -> str:
    """A ``Content-Disposition`` that downloads as ``name`` in every browser."""
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
