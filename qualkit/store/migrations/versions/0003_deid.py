"""de-identification: entity key hash on decisions

Revision ID: 0003_deid
Revises: 0002_coding
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_deid"
down_revision = "0002_coding"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entity_decision") as batch:
        # Keyed hash of the entity (roster entry or normalised name) the pseudonym belongs to.
        batch.add_column(sa.Column("entity_hash", sa.String(length=128), nullable=True))
        batch.create_index("ix_entity_decision_entity_hash", ["entity_hash"])


def downgrade() -> None:
    with op.batch_alter_table("entity_decision") as batch:
        batch.drop_index("ix_entity_decision_entity_hash")
        batch.drop_column("entity_hash")
