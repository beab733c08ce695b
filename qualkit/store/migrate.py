"""Schema versions: upgrade on open, refuse databases from a newer qualkit.

Alembic owns the schema from the first table on. Opening a project upgrades
it. Before an SQLite schema is changed, an online, verified backup is made in
``<data>/backups`` (``store/backups.py``: SQLite's backup API, so what sits in
the WAL is included). A PostgreSQL schema is upgraded only when the admin has
backed it up with ``pg_dump``: either ``QUALKIT_PG_DUMP_COMMAND`` is set (qualkit
runs it first and stops if it fails) or the admin says so with ``qualkit upgrade
--i-have-a-backup``; otherwise the upgrade is refused and nothing is changed.
"""

from __future__ import annotations

import os
import subprocess
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
        raise StoreError("qualkits skemamigreringer mangler i installationen.")
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(
    engine: Engine,
    sqlite_path: Path | None = None,
    *,
    data_dir: Path | None = None,
    i_have_a_backup: bool = False,
) -> str | None:
    """Bring the schema to head. Returns the backup path made, if any."""
    with engine.connect() as conn:
        current = current_revision(conn)
        has_tables = bool(engine.dialect.get_table_names(conn))
    head = head_revision()
    if current == head:
        return None
    if current is not None and current not in known_revisions():
        raise StoreError(
            f"Databasen på {engine.url.render_as_string(hide_password=True)} er skrevet af en "
            f"nyere qualkit (skema {current}); denne qualkit kender skemaer til og med {head}. "
            "Opgradér qualkit; intet blev ændret."
        )
    if current is None and has_tables:
        raise StoreError(
            f"Databasen på {engine.url.render_as_string(hide_password=True)} har tabeller, men ingen "
            "qualkit-skemaversion; den er ikke en qualkit-database. Intet blev ændret."
        )
    backup = None
    if sqlite_path is not None and current is not None and sqlite_path.exists():
        from . import backups

        engine.dispose()
        backup = backups.backup_sqlite(sqlite_path, data_dir or sqlite_path.parent, current).path
    elif sqlite_path is None and current is not None:
        _postgres_backup_first(engine, current, head, i_have_a_backup)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return str(backup) if backup else None


DUMP_ENV = "QUALKIT_PG_DUMP_COMMAND"


def _postgres_backup_first(engine: Engine, current: str, head: str, i_have_a_backup: bool) -> None:
    """Refuse a PostgreSQL schema upgrade unless a pg_dump was made (configured or attested)."""
    if i_have_a_backup:
        return
    shown = engine.url.render_as_string(hide_password=True)
    dump = os.environ.get(DUMP_ENV, "").strip()
    if not dump:
        raise StoreError(
            f"Databasen på {shown} skal opgraderes (skema {current} -> {head}). Tag først en "
            f"sikkerhedskopi med pg_dump (fx pg_dump -Fc -f qualkit-før-opgradering.dump "
            f"DATABASE), og kør så `qualkit upgrade --i-have-a-backup`, eller sæt {DUMP_ENV} til "
            "en kommando, som qualkit kører før hver opgradering. Intet blev ændret."
        )
    url = engine.url.render_as_string(hide_password=False).replace(
        "postgresql+psycopg:", "postgresql:"
    )
    env = {**os.environ, "QUALKIT_DATABASE_URL": url}
    try:
        done = subprocess.run(dump, shell=True, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise StoreError(f"{DUMP_ENV} kunne ikke køres ({exc}); intet blev ændret.") from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise StoreError(
            f"{DUMP_ENV} fejlede (kode {done.returncode}"
            f"{': ' + reason[-1] if reason else ''}); opgraderingen blev ikke kørt, intet blev ændret."
        )
