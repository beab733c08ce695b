"""de-identification decisions anchored to the text version they were made on

Revision ID: i10a
Revises: 0004_transcription
Create Date: 2026-12-02

segment.text_version counts every change of a segment's text; segment.proposed_version is
the version the last proposal run saw; entity_decision.text_version is the version its
offsets refer to, and entity_decision.stale marks a decision whose words an edit removed.
Existing segments start without a proposal version, so an interview not yet approved needs a
fresh proposal run before approval (its decisions are kept and re-checked by that run).
"""

import sqlalchemy as sa
from alembic import op

revision = "i10a"
down_revision = "i10b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("text_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("proposed_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("entity_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_version", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("entity_decision", schema=None) as batch_op:
        batch_op.drop_column("stale")
        batch_op.drop_column("text_version")
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.drop_column("proposed_version")
        batch_op.drop_column("text_version")
