"""coding: codebook version log, composite index for a coder's codings

Revision ID: 0002_coding
Revises: 0001_initial
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_coding"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codebook_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("codebook_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["codebook_id"],
            ["codebook.id"],
            name=op.f("fk_codebook_version_codebook_id_codebook"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook_version")),
        sa.UniqueConstraint("codebook_id", "version", name="uq_codebook_version_codebook_version"),
    )
    with op.batch_alter_table("codebook_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_codebook_version_codebook_id"), ["codebook_id"], unique=False
        )
    with op.batch_alter_table("coding", schema=None) as batch_op:
        batch_op.create_index("ix_coding_coder_segment", ["coder_id", "segment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("coding", schema=None) as batch_op:
        batch_op.drop_index("ix_coding_coder_segment")
    with op.batch_alter_table("codebook_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_codebook_version_codebook_id"))
    op.drop_table("codebook_version")
