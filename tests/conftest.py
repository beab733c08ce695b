"""Shared fixtures: a database on SQLite and on a real PostgreSQL server, the demo project."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from qualkit.services.context import Context
from qualkit.services.demo import create_demo
from qualkit.store import Database

from .pg_server import PgServer, create_database

REPO = Path(__file__).resolve().parent.parent
# The user's config folder (server secret, CLI tokens) of the tests: never the real one.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="qualkit-test-config-")
os.environ.pop("QUALKIT_SECRET_KEY", None)
os.environ.pop("QUALKIT_TOKEN", None)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_admin_url():
    """URL of a PostgreSQL server for the session; skipped outside CI when none can start."""
    url = os.environ.get("QUALKIT_TEST_PG_URL")
    if url:
        yield url
        return
    try:
        server = PgServer()
        admin = server.start()
    except RuntimeError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield admin
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def db(backend, tmp_path, request):
    """An open, migrated, empty project database on each backend."""
    if backend == "sqlite":
        database = Database.open(tmp_path / "data")
    else:
        url = create_database(request.getfixturevalue("pg_admin_url"))
        database = Database.open(tmp_path / "data", url)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path):
    database = Database.open(tmp_path / "data")
    yield database
    database.close()


@pytest.fixture
def demo(db):
    """The demo project on the parametrised backend: (db, DemoResult)."""
    return db, create_demo(db)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory):
    """One demo data folder (SQLite) shared read-mostly by UI and browser tests."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    database = Database.open(folder)
    result = create_demo(database)
    database.close()
    return folder, result.passwords


@pytest.fixture
def app_demo(tmp_path, monkeypatch):
    """A fresh SQLite demo folder of its own with the app pointed at it (AppTests that write)."""
    folder = tmp_path / "data"
    database = Database.open(folder)
    result = create_demo(database)
    monkeypatch.setenv("QUALKIT_DATA", str(folder))
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    yield SimpleNamespace(folder=folder, db=database, result=result)
    database.close()


def ctx_as(db: Database, project_id: int, username: str) -> Context:
    from qualkit.services import users

    return Context(db, users.actor_for(db, username), project_id)


# Speech fixtures (espeak-ng Danish clips, the offline Whisper model): see tests/speech.py.
from .speech import mono_clip, offline_model, speech_dir, stereo_clip  # noqa: E402,F401,I001
