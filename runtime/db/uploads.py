"""Uploaded files in the database, so every gateway instance on every host serves them.

    uploads = store.uploads()
    row = await uploads.add(New(owner="ada", name="cat.png", ...), quota=100 << 20)
    shown = await uploads.visible(row.id, "bob")      # None unless bob may see it
    blob = await uploads.blob(row.id, "thumb")

An upload is visible to its owner, and, once a message attached it (``Store.save_message``
binds it in the message's transaction), to the members of that message's room or the two of
its conversation, while the message is not deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Select, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime.db.models import Member, Message, Upload, UploadBlob
from runtime.errors import UserError
from runtime.events import Attachment

Variant = Literal["file", "thumb"]


@dataclass(frozen=True)
class New:
    """A file to store: its bytes and what sniffing them found (``thumb`` for an image)."""

    owner: str
    name: str
    type: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumb: bytes | None = None
    thumb_type: str | None = None


@dataclass(frozen=True)
class Stored:
    """An upload's description (never its bytes)."""

    id: str
    owner: str
    name: str
    type: str
    size: int
    width: int | None
    height: int | None
    message: str | None
    thumb: bool

    def attachment(self) -> Attachment:
        """As a message carries it."""
        return Attachment(
            id=self.id,
            name=self.name,
            size=self.size,
            type=self.type,
            width=self.width,
            height=self.height,
        )


@dataclass(frozen=True)
class Blob:
    """Bytes to serve: their media type, and the upload's name to download them as."""

    type: str
    data: bytes
    name: str


class Uploads:
    """Files, their bytes and their visibility, over the store's engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, new: New, *, quota: int) -> Stored:
        """Store ``new`` under a fresh random id; ``UserError("quota")`` when the owner's
        uploads would then take more than ``quota`` bytes."""
        upload_id = secrets.token_urlsafe(16)
        row = {
            "id": upload_id,
            "owner": new.owner,
            "name": new.name,
            "type": new.type,
            "size": len(new.data),
            "width": new.width,
            "height": new.height,
            "created_at": datetime.now(UTC),
        }
        blobs = [{"upload": upload_id, "variant": "file", "type": new.type, "data": new.data}]
        if new.thumb is not None and new.thumb_type is not None:
            thumb = {"upload": upload_id, "variant": "thumb", "type": new.thumb_type}
            blobs.append(thumb | {"data": new.thumb})
        async with self._engine.begin() as connection:
            used = int(await connection.scalar(_used_by(new.owner)) or 0)
            if used + len(new.data) > quota:
                raise UserError(
                    "quota",
                    f"your uploads take {used} of your {quota} bytes; this file of "
                    f"{len(new.data)} bytes does not fit",
                )
            await connection.execute(insert(Upload).values(row))
            await connection.execute(insert(UploadBlob).values(blobs))
        return Stored(
            upload_id,
            new.owner,
            new.name,
            new.type,
            len(new.data),
            new.width,
            new.height,
            None,
            new.thumb is not None,
        )

    async def visible(self, upload_id: str, user: str) -> Stored | None:
        """Upload ``upload_id`` when ``user`` may see it; None otherwise, as for none at all."""
        found = await self._rows([upload_id])
        if not found:
            return None
        stored, room, pair, deleted = found[0]
        if stored.owner == user:
            return stored
        if stored.message is None or deleted:
            return None
        if pair is not None:
            return stored if user in pair.split("|") else None
        member = select(Member.username).where(Member.room == room, Member.username == user)
        async with self._engine.connect() as connection:
            return stored if await connection.scalar(member) is not None else None

    async def attachable(self, ids: Sequence[str], user: str) -> list[Attachment]:
        """The attachments of a message ``user`` sends with uploads ``ids``, in that order;
        ``UserError("invalid")`` naming the first that is not theirs or was attached before
        (a file is shown where its first message is, and only there)."""
        found = {stored.id: stored for stored, *_ in await self._rows(ids)}
        attachments = []
        for upload_id in ids:
            stored = found.get(upload_id)
            if stored is None or stored.owner != user:
                detail = f"attachments: there is no upload {upload_id!r} of yours"
                raise UserError("invalid", detail)
            if stored.message is not None:
                raise UserError(
                    "invalid",
                    f"attachments: upload {upload_id!r} is attached to another message already; "
                    "upload the file again to share it here",
                )
            attachments.append(stored.attachment())
        return attachments

    async def blob(self, upload_id: str, variant: Variant) -> Blob | None:
        """The bytes of an upload or of its thumbnail."""
        query = (
            select(UploadBlob.type, UploadBlob.data, Upload.name)
            .join(Upload, Upload.id == UploadBlob.upload)
            .where(UploadBlob.upload == upload_id, UploadBlob.variant == variant)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else Blob(row.type, row.data, row.name)

    async def used(self, owner: str) -> int:
        """Bytes ``owner``'s uploads take."""
        async with self._engine.connect() as connection:
            return int(await connection.scalar(_used_by(owner)) or 0)

    async def _rows(self, ids: Sequence[str]) -> list[tuple[Stored, str | None, str | None, bool]]:
        has_thumb = (
            select(UploadBlob.upload)
            .where(UploadBlob.upload == Upload.id, UploadBlob.variant == "thumb")
            .exists()
        )
        query = (
            select(Upload.__table__, has_thumb.label("thumb"), Message.deleted.label("gone"))
            .outerjoin(Message, Message.id == Upload.message)
            .where(Upload.id.in_(list(ids)))
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            (
                Stored(
                    r.id, r.owner, r.name, r.type, r.size, r.width, r.height, r.message, r.thumb
                ),
                r.room,
                r.pair,
                bool(r.gone),
            )
            for r in rows
        ]


def _used_by(owner: str) -> Select[int]:
    """The bytes ``owner``'s uploads take, as one query (the quota check and ``used``)."""
    return select(func.coalesce(func.sum(Upload.size), 0)).where(Upload.owner == owner)
