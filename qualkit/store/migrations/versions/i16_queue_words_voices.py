"""job queue (SQLite), job priority/attempts/speakers, word timestamps, speaker voices

Revision ID: i16
Revises: 0004_transcription
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "i16"
down_revision = "i13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("words", sa.JSON(), nullable=True))
    with op.batch_alter_table("transcription_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("speakers", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("worker", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("decoding", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("speaker_method", sa.String(length=20), nullable=True))
    op.create_table(
        "queued_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=80), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(length=200), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_task")),
    )
    with op.batch_alter_table("queued_task", schema=None) as batch_op:
        batch_op.create_index("ix_queued_task_pick", ["status", "queue", "priority"], unique=False)
    op.create_table(
        "speaker_voice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
            name=op.f("fk_speaker_voice_interview_id_interview"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_speaker_voice_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_voice")),
    )
    with op.batch_alter_table("speaker_voice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speaker_voice_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_speaker_voice_interview_id"), ["interview_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("speaker_voice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speaker_voice_interview_id"))
        batch_op.drop_index(batch_op.f("ix_speaker_voice_project_id"))
    op.drop_table("speaker_voice")
    with op.batch_alter_table("queued_task", schema=None) as batch_op:
        batch_op.drop_index("ix_queued_task_pick")
    op.drop_table("queued_task")
    with op.batch_alter_table("transcription_job", schema=None) as batch_op:
        for col in ("speaker_method", "decoding", "worker", "speakers", "attempts", "priority"):
            batch_op.drop_column(col)
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.drop_column("words")
