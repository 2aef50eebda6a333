"""Initial schema: users, messages, presence.

Revision ID: 0001
Revises:
Create Date: 2025-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_users"),
    )
    op.create_table(
        "messages",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(),
            nullable=False,
        ),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("room", sa.String(64), nullable=True),
        sa.Column("recipient", sa.String(64), nullable=True),
        sa.Column("pair", sa.String(129), nullable=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=True),
        sa.Column("bot", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_messages"),
        sa.UniqueConstraint("id", name="uq_messages_id"),
        sa.UniqueConstraint("author", "client_id", name="uq_messages_author_client_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_messages_room_seq", "messages", ["room", "seq"])
    op.create_index("ix_messages_pair_seq", "messages", ["pair", "seq"])
    op.create_table(
        "presence",
        sa.Column("room", sa.String(64), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("conn", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("room", "username", "conn", name="pk_presence"),
    )


def downgrade() -> None:
    op.drop_table("presence")
    op.drop_index("ix_messages_pair_seq", table_name="messages")
    op.drop_index("ix_messages_room_seq", table_name="messages")
    op.drop_table("messages")
    op.drop_table("users")
