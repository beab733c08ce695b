"""Shared fixtures: a database on SQLite and on a real PostgreSQL server, the demo project."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from qualkit.services.context import Context
from qualkit.services.demo import DemoResult, create_demo
from qualkit.store import Database

from .pg_server import PgServer, create_database

REPO = Path(__file__).resolve().parent.parent
DEMO_RESULT = pytest.StashKey[DemoResult]()
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


@dataclass(frozen=True)
class DemoTemplate:
    """The demo built once per test session: a data folder and, on PostgreSQL, a database
    that ``CREATE DATABASE ... TEMPLATE`` copies. Never opened by a test directly."""

    folder: Path
    result: DemoResult
    database: str | None = None  # PostgreSQL template database name


def _build_template(folder: Path, url: str | None, database: str | None) -> DemoTemplate:
    db = Database.open(folder, url)
    try:
        result = create_demo(db)
    finally:
        db.close()  # no open connection: SQLite checkpoints its WAL, PostgreSQL can copy
    return DemoTemplate(folder, result, database)


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory) -> DemoTemplate:
    return _build_template(tmp_path_factory.mktemp("demo-template") / "data", None, None)


@pytest.fixture(scope="session")
def pg_demo_template(tmp_path_factory, pg_admin_url) -> DemoTemplate:
    url = create_database(pg_admin_url)
    name = url.rsplit("/", 1)[1]
    return _build_template(tmp_path_factory.mktemp("pg-demo-template") / "data", url, name)


def _copy_template(template: DemoTemplate, folder: Path) -> None:
    shutil.copytree(template.folder, folder)


def _fresh_result(template: DemoTemplate) -> DemoResult:
    return copy.deepcopy(template.result)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def db(backend, tmp_path, request):
    """An open, migrated project database on each backend: empty, or, when the test also
    uses ``demo``, a copy of the session's demo template (same content as create_demo)."""
    folder = tmp_path / "data"
    with_demo = "demo" in request.fixturenames
    url = None
    template = None
    if backend == "sqlite":
        if with_demo:
            template = request.getfixturevalue("sqlite_demo_template")
            _copy_template(template, folder)
    else:
        admin = request.getfixturevalue("pg_admin_url")
        if with_demo:
            template = request.getfixturevalue("pg_demo_template")
            _copy_template(template, folder)
            url = create_database(admin, template=template.database)
        else:
            url = create_database(admin)
    database = Database.open(folder, url)
    if template is not None:
        request.node.stash[DEMO_RESULT] = _fresh_result(template)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path):
    database = Database.open(tmp_path / "data")
    yield database
    database.close()


@pytest.fixture
def sqlite_demo(tmp_path, sqlite_demo_template):
    """The demo on SQLite only (a copy of the template): (db, DemoResult)."""
    folder = tmp_path / "data"
    _copy_template(sqlite_demo_template, folder)
    database = Database.open(folder)
    yield database, _fresh_result(sqlite_demo_template)
    database.close()


@pytest.fixture
def demo(db, request):
    """The demo project on the parametrised backend: (db, DemoResult)."""
    result = request.node.stash.get(DEMO_RESULT, None)
    if result is None:  # requested late (getfixturevalue): build it the slow way
        result = create_demo(db)
    return db, result


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory, sqlite_demo_template):
    """One demo data folder (SQLite) shared read-mostly by UI and browser tests."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    _copy_template(sqlite_demo_template, folder)
    return folder, dict(sqlite_demo_template.result.passwords)


@pytest.fixture
def app_demo(tmp_path, monkeypatch, sqlite_demo_template):
    """A fresh SQLite demo folder of its own with the app pointed at it (AppTests that write)."""
    folder = tmp_path / "data"
    _copy_template(sqlite_demo_template, folder)
    database = Database.open(folder)
    monkeypatch.setenv("QUALKIT_DATA", str(folder))
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    yield SimpleNamespace(folder=folder, db=database, result=_fresh_result(sqlite_demo_template))
    database.close()


def ctx_as(db: Database, project_id: int, username: str) -> Context:
    from qualkit.services import users

    return Context(db, users.actor_for(db, username), project_id)


# Speech fixtures (espeak-ng Danish clips, the offline Whisper model): see tests/speech.py.
from .speech import mono_clip, offline_model, speech_dir, stereo_clip  # noqa: E402,F401,I001
