"""REST routes for rooms: make one, the directory, members and roles, bans (docs/PROTOCOL.md,
"Rooms and people").

A private room is invisible to non-members: every route here answers them ``404``, as for a
room that does not exist. A change of membership is told over Kafka, so every gateway hears it:
the room's sockets get a ``member`` frame, and a removed or banned user's sockets a ``removed``
frame, on which their gateway takes them out of the room (``gateway.delivery.hub``).
"""

from __future__ import annotations

import asyncio

from quart import Blueprint
from quart_schema import security_scheme

from gateway.delivery.publisher import Unavailable
from gateway.http import schemas as s
from gateway.http.api import BEARER, USER, ApiError, caller, refused, valid, visible
from gateway.http.openapi import answers
from gateway.http.schemas import body, query, returns
from gateway.resources import Resources
from runtime.errors import UserError
from runtime.events import Delivery, rfc3339
from runtime.frames import member_frame, removed_frame


def rooms(res: Resources) -> Blueprint:
    """The rooms blueprint over ``res``."""
    api = Blueprint("rooms", __name__, url_prefix="/api")

    @api.post("/rooms")
    @security_scheme(BEARER)
    @body(s.NewRoom)
    @returns(s.Made, 201)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 409)
    @returns(s.ErrorBody, 422)
    async def create(data: s.NewRoom) -> tuple[s.Made, int]:
        """Make a room, public or private; you are its owner. ``422 room_limit`` when you made
        ``gateway.room_limit`` rooms already."""
        me = caller(res)
        limit = res.settings.gateway.room_limit
        try:
            made = await res.rooms.create(
                data.name, me, topic=data.topic, visibility=data.visibility, limit=limit
            )
        except UserError as exc:
            raise refused(exc) from None
        return s.Made(name=made.name, topic=made.topic, visibility=made.visibility), 201

    @api.get("/rooms")
    @security_scheme(BEARER)
    @query(s.Directory)
    @returns(s.Rooms)
    @returns(s.ErrorBody, 401)
    async def directory(query_args: s.Directory) -> s.Rooms:
        """Public rooms and your private ones, by name, with member and online counts."""
        me = caller(res)
        listed, after = await res.rooms.directory(
            me, query_args.q, cursor=query_args.cursor, limit=query_args.limit
        )
        return s.Rooms(
            rooms=[
                s.Room(
                    name=r.name,
                    topic=r.topic,
                    visibility=r.visibility,
                    members=r.members,
                    online=r.online,
                    joined=r.joined,
                )
                for r in listed
            ],
            next=after,
        )

    @api.get("/rooms/<room>/members")
    @security_scheme(BEARER)
    @returns(s.Members)
    @returns(s.ErrorBody, 401)
    @returns(s.ErrorBody, 404)
    async def members(room: str) -> s.Members:
        """The room's members, owners and admins first, with whether each is online."""
        name = await visible(res, room, caller(res))
        listed = await res.rooms.members(name)
        return s.Members(members=[s.Member(username=u, role=r, online=o) for u, r, o in listed])

    @api.post("/rooms/<room>/members")
    @answers(
        503,
    )
    @security_scheme(BEARER)
    @body(s.Someone)
    @returns(s.Membership, 201)
    @returns(s.ErrorBody, 403)
    @returns(s.ErrorBody, 404)
    async def add(room: str, data: s.Someone) -> tuple[s.Membership, int]:
        """Add (invite) a user: owners and admins."""
        me = caller(res)
        name = await visible(res, room, me)
        user = await someone(res, data.username)
        try:
            role = await res.rooms.add_member(name, me, user)
        except UserError as exc:
            raise refused(exc) from None
        frame = dict(member_frame(name, user, "added", role))
        await tell(res, Delivery(room=name, frame=frame), Delivery(users=(user,), frame=frame))
        return s.Membership(username=user, role=role), 201

    @api.delete("/rooms/<room>/members/<user>")
    @answers(204, 503)
    @security_scheme(BEARER)
    @returns(s.ErrorBody, 403)
    @returns(s.ErrorBody, 404)
    async def remove(room: str, user: str) -> tuple[str, int]:
        """Remove a member (owners and admins, over members ranked below them), or leave."""
        me = caller(res)
        name = await visible(res, room, me)
        target = await someone(res, user)
        try:
            await res.rooms.remove_member(name, me, target)
        except UserError as exc:
            raise refused(exc) from None
        gone = removed_frame(name, "left" if target == me else "removed")
        await tell(
            res,
            Delivery(users=(target,), frame=dict(gone)),
            Delivery(room=name, frame=dict(member_frame(name, target, "removed"))),
        )
        return "", 204

    @api.put("/rooms/<room>/members/<user>")
    @answers(
        503,
    )
    @security_scheme(BEARER)
    @body(s.NewRole)
    @returns(s.Membership)
    @returns(s.ErrorBody, 403)
    @returns(s.ErrorBody, 404)
    @returns(s.ErrorBody, 422)
    async def role(room: str, user: str, data: s.NewRole) -> s.Membership:
        """Change a member's role: the owner only. Making someone owner hands the room over
        (you become an admin)."""
        me = caller(res)
        name = await visible(res, room, me)
        target = await someone(res, user)
        try:
            await res.rooms.set_role(name, me, target, data.role)
        except UserError as exc:
            raise refused(exc) from None
        changes = [Delivery(room=name, frame=dict(member_frame(name, target, "role", data.role)))]
        if data.role == "owner":
            changes.append(Delivery(room=name, frame=dict(member_frame(name, me, "role", "admin"))))
        await tell(res, *changes)
        return s.Membership(username=target, role=data.role)

    @api.get("/rooms/<room>/bans")
    @security_scheme(BEARER)
    @returns(s.Bans)
    @returns(s.ErrorBody, 403)
    @returns(s.ErrorBody, 404)
    async def bans(room: str) -> s.Bans:
        """Who is banned, by whom, since when: owners and admins."""
        me = caller(res)
        name = await visible(res, room, me)
        if await res.rooms.role(name, me) not in ("owner", "admin"):
            raise ApiError(403, "forbidden", f"only the owner and admins of {name!r} see bans")
        listed = await res.rooms.bans(name)
        return s.Bans(bans=[s.Banned(username=u, by=b, at=rfc3339(a)) for u, b, a in listed])

    @api.post("/rooms/<room>/bans")
    @answers(
        503,
    )
    @security_scheme(BEARER)
    @body(s.Someone)
    @returns(s.Banned, 201)
    @returns(s.ErrorBody, 403)
    @returns(s.ErrorBody, 404)
    async def ban(room: str, data: s.Someone) -> tuple[s.Banned, int]:
        """Ban a user: removed now, and may not join again until unbanned."""
        me = caller(res)
        name = await visible(res, room, me)
        user = await someone(res, data.username)
        try:
            await res.rooms.ban(name, me, user)
        except UserError as exc:
            raise refused(exc) from None
        await tell(
            res,
            Delivery(users=(user,), frame=dict(removed_frame(name, "banned"))),
            Delivery(room=name, frame=dict(member_frame(name, user, "banned"))),
        )
        by, at = next((b, a) for u, b, a in await res.rooms.bans(name) if u == user)
        return s.Banned(username=user, by=by, at=rfc3339(at)), 201

    @api.delete("/rooms/<room>/bans/<user>")
    @answers(
        204,
    )
    @security_scheme(BEARER)
    @returns(s.ErrorBody, 403)
    @returns(s.ErrorBody, 404)
    async def unban(room: str, user: str) -> tuple[str, int]:
        """Lift a ban: owners and admins."""
        me = caller(res)
        name = await visible(res, room, me)
        try:
            await res.rooms.unban(name, me, await someone(res, user))
        except UserError as exc:
            raise refused(exc) from None
        return "", 204

    return api


async def someone(res: Resources, name: str) -> str:
    """The account ``name`` means (any case), as registered; ``404`` when there is none."""
    found = await res.people.find(valid(USER, name, "user"))
    if found is None:
        raise ApiError(404, "not_found", f"there is no user {name!r}")
    return found


async def tell(res: Resources, *deliveries: Delivery) -> None:
    """Publish membership changes to every gateway; ``503`` when Kafka does not take them."""
    sent = [res.publisher.send(d) for d in deliveries]
    try:
        await asyncio.gather(*(res.publisher.settle(f) for f in sent))
    except Unavailable:
        raise ApiError(
            503,
            "unavailable",
            "the change is saved, but open sockets could not be told (Kafka is unreachable)",
        ) from None
