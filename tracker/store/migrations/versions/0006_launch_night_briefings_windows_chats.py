"""launch-night briefings, window changes, chats the bot has seen

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_WINDOW = ("old_window_start", "old_window_end", "new_window_start", "new_window_end")


def upgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("briefing", sa.Text(), nullable=True))
    with op.batch_alter_table("changes", schema=None) as batch_op:
        for name in _WINDOW:
            batch_op.add_column(sa.Column(name, UTCDateTime(), nullable=True))
    op.create_table(
        "telegram_chats",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_chats")),
    )


def downgrade() -> None:
    op.drop_table("telegram_chats")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        for name in reversed(_WINDOW):
            batch_op.drop_column(name)
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("briefing")
