"""transcription jobs; interview.transcript_approved_at

Revision ID: 0004_transcription
Revises: 0003_deid
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_transcription"
down_revision = "0003_deid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transcription_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("engine", sa.String(length=40), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("model_label", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("overwrite_edited", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("seconds_done", sa.Float(), nullable=False),
        sa.Column("seconds_total", sa.Float(), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stop_requested", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
            name=op.f("fk_transcription_job_interview_id_interview"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_transcription_job_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcription_job")),
    )
    with op.batch_alter_table("transcription_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transcription_job_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transcription_job_project_id"), ["project_id"], unique=False
        )
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("transcript_approved_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_column("transcript_approved_at")
    with op.batch_alter_table("transcription_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcription_job_project_id"))
        batch_op.drop_index(batch_op.f("ix_transcription_job_interview_id"))
    op.drop_table("transcription_job")
