"""Rooms and people: case-insensitive usernames, server admins, rooms, members, bans and read
markers.

Existing databases: every user gets a key (NFKC + casefold of the name). Where two accounts'
names fold to one key ("Alice" and "alice"), the oldest keeps it and each younger one keeps
``"~" + its exact name`` instead: it still logs in with its exact name, no new account can take
the folded name, and the clash is reported (a warning naming the accounts) rather than failing
the upgrade or hiding it. The oldest account becomes the server admin. Every room with history
becomes a public room owned by the author of its first message; its other authors become
members.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("parley.db")
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _key(name: str) -> str:  # runtime.db.people.name_key; a migration keeps its own copy
    return unicodedata.normalize("NFKC", name).casefold()


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("key", sa.String(64), nullable=True))
        users.add_column(
            sa.Column("admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    table = sa.table(
        "users",
        sa.column("username", sa.String),
        sa.column("key", sa.String),
        sa.column("admin", sa.Boolean),
        sa.column("created_at", sa.DateTime),
    )
    rows = bind.execute(
        sa.select(table.c.username).order_by(table.c.created_at, table.c.username)
    ).all()
    holders: dict[str, str] = {}
    for (username,) in rows:
        if not username[:1].isalnum():
            log.warning(
                "username %r does not start with a letter or digit, as new names must; it "
                "keeps working, but clients that put names in paths may trip on it",
                username,
            )
        key = _key(username)
        if key in holders:
            log.warning(
                "username clash: %r and the older %r are one name regardless of case; %r "
                "keeps logging in with its exact name, and no new account can take it",
                username,
                holders[key],
                username,
            )
            key = "~" + username
        else:
            holders[key] = username
        bind.execute(sa.update(table).where(table.c.username == username).values(key=key))
    if rows:
        first = rows[0][0]
        bind.execute(sa.update(table).where(table.c.username == first).values(admin=True))
    with op.batch_alter_table("users") as users:
        users.alter_column("key", existing_type=sa.String(64), nullable=False)
        users.create_unique_constraint("uq_users_key", ["key"])

    op.create_table(
        "rooms",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_rooms"),
    )
    op.create_table(
        "members",
        sa.Column("room", sa.String(64), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("room", "username", name="pk_members"),
    )
    op.create_index("ix_members_username", "members", ["username"])
    op.create_table(
        "bans",
        sa.Column("room", sa.String(64), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("by", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("room", "username", name="pk_bans"),
    )
    op.create_table(
        "conversation_reads",
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("pair", sa.String(129), nullable=False),
        sa.Column("read_seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("username", "pair", name="pk_conversation_reads"),
    )
    _rooms_from_history(bind)


def _rooms_from_history(bind: sa.Connection) -> None:
    """Each room with history: public, owned by its first author, its other authors members,
    with everything before the upgrade counted as read."""
    messages = sa.table(
        "messages",
        sa.column("seq", SEQ),
        sa.column("room", sa.String),
        sa.column("author", sa.String),
        sa.column("bot", sa.Boolean),
    )
    users = sa.table("users", sa.column("username", sa.String))
    people = {name for (name,) in bind.execute(sa.select(users.c.username))}
    authors = bind.execute(
        sa.select(messages.c.room, messages.c.author, sa.func.min(messages.c.seq))
        .where(messages.c.room.is_not(None))
        .group_by(messages.c.room, messages.c.author)
        .order_by(messages.c.room, sa.func.min(messages.c.seq))
    ).all()
    newest = dict(
        bind.execute(
            sa.select(messages.c.room, sa.func.max(messages.c.seq))
            .where(messages.c.room.is_not(None))
            .group_by(messages.c.room)
        ).all()
    )
    now = datetime.now(UTC)
    rooms: dict[str, list[str]] = {}
    for room, author, _ in authors:
        rooms.setdefault(room, []).extend([author] if author in people else [])
    for room, members in rooms.items():
        owner = members[0] if members else None
        op.bulk_insert(
            sa.table(
                "rooms",
                sa.column("name", sa.String),
                sa.column("topic", sa.String),
                sa.column("visibility", sa.String),
                sa.column("created_by", sa.String),
                sa.column("created_at", sa.DateTime(timezone=True)),
            ),
            [
                {
                    "name": room,
                    "topic": "",
                    "visibility": "public",
                    "created_by": owner,
                    "created_at": now,
                }
            ],
        )
        op.bulk_insert(
            sa.table(
                "members",
                sa.column("room", sa.String),
                sa.column("username", sa.String),
                sa.column("role", sa.String),
                sa.column("joined_at", sa.DateTime(timezone=True)),
                sa.column("read_seq", SEQ),
            ),
            [
                {
                    "room": room,
                    "username": member,
                    "role": "owner" if member == owner else "member",
                    "joined_at": now,
                    "read_seq": newest[room],  # what was there before is not news
                }
                for member in members
            ],
        )


def downgrade() -> None:
    op.drop_table("conversation_reads")
    op.drop_table("bans")
    op.drop_index("ix_members_username", table_name="members")
    op.drop_table("members")
    op.drop_table("rooms")
    with op.batch_alter_table("users") as users:
        users.drop_constraint("uq_users_key", type_="unique")
        users.drop_column("admin")
        users.drop_column("key")
