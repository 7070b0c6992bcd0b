"""versions: a counter per group of tables that processes cache (the subscriptions)

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-10 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = op.create_table(
        "versions",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_versions")),
    )
    op.bulk_insert(versions, [{"name": "subscriptions", "value": 0}])


def downgrade() -> None:
    op.drop_table("versions")
