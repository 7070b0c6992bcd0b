"""indexes for a year's scale: listed identities per source, refs across sources, and
what points at a fetch run (so that retention can delete old runs by index)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_identities_source_listed", "identities", ["source_id", "listed"])
    op.create_index("ix_identities_source_ref", "identities", ["source_ref"])
    op.create_index("ix_revisions_fetch_run_id", "revisions", ["fetch_run_id"])
    op.create_index("ix_changes_fetch_run_id", "changes", ["fetch_run_id"])


def downgrade() -> None:
    op.drop_index("ix_changes_fetch_run_id", table_name="changes")
    op.drop_index("ix_revisions_fetch_run_id", table_name="revisions")
    op.drop_index("ix_identities_source_ref", table_name="identities")
    op.drop_index("ix_identities_source_listed", table_name="identities")
