"""Messages that live: replies, mentions, edits, tombstones and revisions on
messages; the log of applied changes (edits, deletes, reaction toggles) that reactions and a
replay after a message are read from.

Existing messages keep their text and get no mentions, replies or reactions: they were never
parsed for them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("messages") as messages:
        messages.add_column(sa.Column("reply_to", sa.String(64), nullable=True))
        messages.add_column(sa.Column("replies", sa.Integer(), nullable=False, server_default="0"))
        messages.add_column(sa.Column("mentions", sa.Text(), nullable=False, server_default=""))
        messages.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        messages.add_column(
            sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        messages.add_column(sa.Column("rev", sa.Integer(), nullable=False, server_default="0"))
        messages.create_index("ix_messages_reply_to", ["reply_to"])
    op.create_table(
        "changes",
        sa.Column("seq", SEQ, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("message", sa.String(64), nullable=False),
        sa.Column("room", sa.String(64), nullable=True),
        sa.Column("pair", sa.String(129), nullable=True),
        sa.Column("after", SEQ, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("emoji", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_changes"),
        sa.UniqueConstraint("id", name="uq_changes_id"),
        sa.UniqueConstraint("author", "client_id", name="uq_changes_author_client_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changes_room_after", "changes", ["room", "after"])
    op.create_index("ix_changes_message", "changes", ["message"])


def downgrade() -> None:
    op.drop_table("changes")
    with op.batch_alter_table("messages") as messages:
        messages.drop_index("ix_messages_reply_to")
        for column in ("rev", "deleted", "edited_at", "mentions", "replies", "reply_to"):
            messages.drop_column(column)
