"""Schema versions: upgrade on open, refuse databases from a newer qualkit.

Alembic owns the schema from the first table on. Opening a project upgrades
it; an SQLite file is copied aside first so a failed upgrade never loses data.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from qualkit.errors import StoreError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
ALEMBIC_INI = Path(__file__).with_name("alembic.ini")  # for the plain `alembic` command


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StoreError("qualkit's schema migrations are missing from the installation.")
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, sqlite_path: Path | None = None) -> str | None:
    """Bring the schema to head. Returns the backup path made, if any."""
    with engine.connect() as conn:
        current = current_revision(conn)
        has_tables = bool(engine.dialect.get_table_names(conn))
    head = head_revision()
    if current == head:
        return None
    if current is not None and current not in known_revisions():
        raise StoreError(
            f"The database at {engine.url.render_as_string(hide_password=True)} was written by a "
            f"newer qualkit (schema {current}); this qualkit knows schemas up to {head}. "
            "Upgrade qualkit; nothing was changed."
        )
    if current is None and has_tables:
        raise StoreError(
            f"The database at {engine.url.render_as_string(hide_password=True)} has tables but no "
            "qualkit schema version; it is not a qualkit database. Nothing was changed."
        )
    backup = None
    if sqlite_path is not None and current is not None and sqlite_path.exists():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = sqlite_path.with_name(f"{sqlite_path.name}.{current}.{stamp}.bak")
        engine.dispose()
        shutil.copy2(sqlite_path, backup)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return str(backup) if backup else None
