"""integrity: unique consensus and coder codings (spans with NULL counted), delivery import key

Revision ID: i11
Revises: 0004_transcription
Create Date: 2026-12-02

Concurrent writers could store the same consensus coding twice (a select-then-insert
race); the database now refuses the second, and the retry policy re-runs the
transaction, which then finds the first. NULL spans (a whole-segment coding) count
as equal through coalesce(start_char, -1), on SQLite and PostgreSQL alike.
Imported delivery events carry ``import_key`` (SHA-256 of what makes two log rows
the same event), unique per project, so two imports of one file at once cannot
double an event; hand-logged events leave it empty (two identical calls are two).
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "i11"
down_revision = "0004_transcription"
branch_labels = None
depends_on = None

SPAN = [sa.text("coalesce(start_char, -1)"), sa.text("coalesce(end_char, -1)")]


def event_import_key(citizen_id, when, component, staff_id, minutes, mode, status, note) -> str:
    """Must equal services.delivery.import_key (kept here so the migration never changes)."""
    parts = [
        str(citizen_id),
        when.isoformat() if hasattr(when, "isoformat") else str(when)[:10],
        str(component),
        staff_id or "",
        "" if minutes is None else f"{round(float(minutes), 2):.2f}",
        mode or "",
        str(status),
        (note or "").strip(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _dedupe(table: str, group: str) -> None:
    op.execute(
        sa.text(
            f"DELETE FROM {table} WHERE id NOT IN (SELECT min(id) FROM {table} GROUP BY {group})"
        )
    )


def upgrade() -> None:
    span = "coalesce(start_char, -1), coalesce(end_char, -1)"
    _dedupe("consensus_coding", f"segment_id, code_id, {span}")
    op.create_index(
        "uq_consensus_coding_span",
        "consensus_coding",
        ["segment_id", "code_id", *SPAN],
        unique=True,
    )
    _dedupe("coding", f"coder_id, segment_id, code_id, {span}")
    op.create_index(
        "uq_coding_coder_span",
        "coding",
        ["coder_id", "segment_id", "code_id", *SPAN],
        unique=True,
    )
    with op.batch_alter_table("delivery_event") as batch:
        batch.add_column(sa.Column("import_key", sa.String(64), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT e.id, e.project_id, p.citizen_id, e.date, e.component, e.staff_id, "
            "e.minutes, e.mode, e.status, e.note FROM delivery_event e "
            "JOIN participant p ON p.id = e.participant_id ORDER BY e.id"
        )
    ).all()
    seen: set[tuple[int, str]] = set()
    for r in rows:
        key = event_import_key(*r[2:])
        if (r[1], key) in seen:
            continue  # a second identical event (logged by hand) keeps an empty key
        seen.add((r[1], key))
        conn.execute(
            sa.text("UPDATE delivery_event SET import_key = :k WHERE id = :i"),
            {"k": key, "i": r[0]},
        )
    op.create_index(
        "uq_delivery_event_import_key", "delivery_event", ["project_id", "import_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_delivery_event_import_key", table_name="delivery_event")
    with op.batch_alter_table("delivery_event") as batch:
        batch.drop_column("import_key")
    op.drop_index("uq_coding_coder_span", table_name="coding")
    op.drop_index("uq_consensus_coding_span", table_name="consensus_coding")
