"""memo.guid, user_account.exchange_guid: REFI-QDA GUIDs kept from an import for every export

Revision ID: i17
Revises: i16
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "i17"
down_revision = "i16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guid", sa.String(length=40), nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exchange_guid", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("exchange_guid")
    with op.batch_alter_table("memo", schema=None) as batch_op:
        batch_op.drop_column("guid")
