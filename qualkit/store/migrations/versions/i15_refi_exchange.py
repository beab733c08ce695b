"""REFI-QDA exchange: code GUID, colour and codability; exact layout of imported sources;
attested de-identification; the imported selection each coding came from; sets.

Revision ID: i15
Revises: 0004_transcription
Create Date: 2026-12-02
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "i15"
down_revision = "i10a"
branch_labels = None
depends_on = None

# The same namespace as qualkit.codebooks.qdc.GUID_NS: existing codes get the GUID their
# .qdc export already carried, so codebooks sent before the upgrade still match.
_GUID_NS = uuid.UUID("6f1c5a52-2f0e-4c43-9d8e-7a4b8f3c2e10")


def upgrade() -> None:
    with op.batch_alter_table("code") as b:
        b.add_column(sa.Column("guid", sa.String(length=40), nullable=True))
        b.add_column(sa.Column("color", sa.String(length=9), nullable=True))
        b.add_column(sa.Column("codable", sa.Boolean(), nullable=False, server_default=sa.true()))
    code = sa.table(
        "code",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("guid", sa.String),
    )
    conn = op.get_bind()
    for cid, key in conn.execute(sa.select(code.c.id, code.c.key)).all():
        conn.execute(
            code.update()
            .where(code.c.id == cid)
            .values(guid=str(uuid.uuid5(_GUID_NS, key)).upper())
        )
    op.create_index("ix_code_guid", "code", ["guid"])
    with op.batch_alter_table("interview") as b:
        b.add_column(sa.Column("exchange", sa.JSON(), nullable=True))
    with op.batch_alter_table("segment") as b:
        b.add_column(sa.Column("prefix", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("trail", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("attested_sha", sa.String(length=64), nullable=True))
    for table in ("coding", "consensus_coding"):
        with op.batch_alter_table(table) as b:
            b.add_column(sa.Column("ref", sa.String(length=80), nullable=True))
    op.create_table(
        "exchange_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exchange_set_project_id", "exchange_set", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_exchange_set_project_id", table_name="exchange_set")
    op.drop_table("exchange_set")
    for table in ("coding", "consensus_coding"):
        with op.batch_alter_table(table) as b:
            b.drop_column("ref")
    with op.batch_alter_table("segment") as b:
        b.drop_column("attested_sha")
        b.drop_column("trail")
        b.drop_column("prefix")
    with op.batch_alter_table("interview") as b:
        b.drop_column("exchange")
    op.drop_index("ix_code_guid", table_name="code")
    with op.batch_alter_table("code") as b:
        b.drop_column("codable")
        b.drop_column("color")
        b.drop_column("guid")
