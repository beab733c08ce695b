"""key vault in the database, report labels, log-in sessions, log-in throttling

Revision ID: i10b
Revises: 0004_transcription
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "i10b"
down_revision = "i11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("kdf", sa.JSON(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("private_nonce", sa.Text(), nullable=False),
        sa.Column("private_ct", sa.Text(), nullable=False),
        sa.Column("hash_salt", sa.Text(), nullable=False),
        sa.Column("hash_nonce", sa.Text(), nullable=False),
        sa.Column("hash_ct", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_key")),
    )
    op.create_table(
        "vault_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("tag", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("eph", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.Column("ct", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_vault_entry_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_entry")),
        sa.UniqueConstraint("uid", name=op.f("uq_vault_entry_uid")),
    )
    with op.batch_alter_table("vault_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vault_entry_project_id"), ["project_id"])
        batch_op.create_index(batch_op.f("ix_vault_entry_tag"), ["tag"])
    op.create_table(
        "report_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("citizen_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_report_label_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_label")),
        sa.UniqueConstraint("project_id", "citizen_hash", name="uq_report_label_citizen"),
        sa.UniqueConstraint("project_id", "label", name="uq_report_label_label"),
    )
    with op.batch_alter_table("report_label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_label_project_id"), ["project_id"])
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_auth_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_session_token_hash")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_session_user_id"), ["user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_user_id"))
    op.drop_table("auth_session")
    with op.batch_alter_table("report_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_label_project_id"))
    op.drop_table("report_label")
    with op.batch_alter_table("vault_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vault_entry_tag"))
        batch_op.drop_index(batch_op.f("ix_vault_entry_project_id"))
    op.drop_table("vault_entry")
    op.drop_table("vault_key")
