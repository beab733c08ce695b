"""study designs: interview site and linked people (speakers), participant dropout, offered, declined

Revision ID: i14
Revises: 0004_transcription
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "i14"
down_revision = "i15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site", sa.String(length=120), nullable=True))
    # The old free-text kind "group" is the focus group of the kinds list (docs/DESIGN.md).
    op.execute("UPDATE interview SET kind = 'focus_group' WHERE kind = 'group'")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dropout_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("dropout_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("offered_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("declined_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("declined_reason", sa.Text(), nullable=True))
    op.create_table(
        "interview_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("speaker", sa.String(length=80), nullable=True),
        sa.Column("role", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
            name=op.f("fk_interview_person_interview_id_interview"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_interview_person_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_person")),
        sa.UniqueConstraint("interview_id", "speaker", name="uq_interview_person_speaker"),
        sa.UniqueConstraint(
            "interview_id", "participant_id", name="uq_interview_person_participant"
        ),
    )
    with op.batch_alter_table("interview_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interview_person_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_interview_person_participant_id"), ["participant_id"], unique=False
        )
    # Every interview linked to a citizen keeps that link in the new table.
    op.execute(
        "INSERT INTO interview_person (interview_id, participant_id, role) "
        "SELECT id, participant_id, 'borger' FROM interview WHERE participant_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("interview_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_person_participant_id"))
        batch_op.drop_index(batch_op.f("ix_interview_person_interview_id"))
    op.drop_table("interview_person")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("declined_reason")
        batch_op.drop_column("declined_date")
        batch_op.drop_column("offered_date")
        batch_op.drop_column("dropout_reason")
        batch_op.drop_column("dropout_date")
    op.execute("UPDATE interview SET kind = 'group' WHERE kind = 'focus_group'")
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_column("site")
