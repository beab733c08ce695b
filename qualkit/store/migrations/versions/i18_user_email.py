"""user_account.email: a user's e-mail address, for single sign-on (OpenID Connect)

Revision ID: i18
Revises: i17
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "i18"
down_revision = "i17"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column and a unique index: on SQLite a unique constraint would rebuild the table,
    # which the foreign keys pointing at user_account refuse.
    op.add_column("user_account", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_index("uq_user_account_email", "user_account", ["email"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_user_account_email", table_name="user_account")
    op.drop_column("user_account", "email")  # SQLite 3.35+ drops a column in place
