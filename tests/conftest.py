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

from .kdf import _password_hasher, use_cheap_password_hashing  # noqa: F401
from .pg_server import PgServer, create_database

REPO = Path(__file__).resolve().parent.parent
DEMO_RESULT = pytest.StashKey[DemoResult]()
# The user's config folder (server secret, CLI tokens) of the tests: never the real one.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="qualkit-test-config-")
os.environ.pop("QUALKIT_SECRET_KEY", None)
os.environ.pop("QUALKIT_TOKEN", None)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Password hashing with the cheapest Argon2id parameters, except in tests marked real_kdf
# (see tests/kdf.py); set before the session's demo template hashes its users.
use_cheap_password_hashing()


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


@dataclass(frozen=True)
class SchemaTemplate:
    """An empty database migrated to head, once per session: the SQLite file, or the name of
    a PostgreSQL database to copy. Saves each empty-database test the Alembic upgrade."""

    sqlite_file: Path | None = None
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


@pytest.fixture(scope="session")
def sqlite_schema_template(tmp_path_factory) -> SchemaTemplate:
    folder = tmp_path_factory.mktemp("schema-template") / "data"
    Database.open(folder).close()  # closed: the WAL is checkpointed into the one file
    return SchemaTemplate(sqlite_file=folder / "qualkit.sqlite3")


@pytest.fixture(scope="session")
def pg_schema_template(tmp_path_factory, pg_admin_url) -> SchemaTemplate:
    url = create_database(pg_admin_url)
    Database.open(tmp_path_factory.mktemp("pg-schema-template") / "data", url).close()
    return SchemaTemplate(database=url.rsplit("/", 1)[1])


def _copy_template(template: DemoTemplate, folder: Path) -> None:
    shutil.copytree(template.folder, folder)


def _copy_schema(template: SchemaTemplate, folder: Path) -> None:
    """Only the database file: the folder is otherwise as fresh as a first open leaves it."""
    assert template.sqlite_file is not None
    folder.mkdir(mode=0o700, parents=True)
    shutil.copy2(template.sqlite_file, folder / template.sqlite_file.name)


def _fresh_result(template: DemoTemplate) -> DemoResult:
    return copy.deepcopy(template.result)


def copy_sqlite_demo(template: DemoTemplate, folder: Path) -> DemoResult:
    """A data folder of the demo at ``folder`` (closed), for module fixtures and CLI tests that
    need a demo folder of their own: same content as ``create_demo`` on a fresh folder."""
    _copy_template(template, folder)
    return _fresh_result(template)


def copy_pg_demo(
    template: DemoTemplate, admin_url: str, folder: Path
) -> tuple[Database, str, DemoResult]:
    """A database of its own copied from the PostgreSQL demo template, opened with the data
    folder ``folder``: (db, url, DemoResult), for tests that hand the URL to workers."""
    _copy_template(template, folder)
    url = create_database(admin_url, template=template.database)
    return Database.open(folder, url), url, _fresh_result(template)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def db(backend, tmp_path, request):
    """An open, migrated project database on each backend: empty (a copy of the session's
    schema template), or, when the test also uses ``demo``, a copy of the session's demo
    template (same content as create_demo)."""
    folder = tmp_path / "data"
    with_demo = "demo" in request.fixturenames
    url = None
    template = None
    if backend == "sqlite":
        if with_demo:
            template = request.getfixturevalue("sqlite_demo_template")
            _copy_template(template, folder)
        else:
            _copy_schema(request.getfixturevalue("sqlite_schema_template"), folder)
    else:
        admin = request.getfixturevalue("pg_admin_url")
        if with_demo:
            template = request.getfixturevalue("pg_demo_template")
            _copy_template(template, folder)
            url = create_database(admin, template=template.database)
        else:
            schema = request.getfixturevalue("pg_schema_template")
            url = create_database(admin, template=schema.database)
    database = Database.open(folder, url)
    if template is not None:
        request.node.stash[DEMO_RESULT] = _fresh_result(template)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path, sqlite_schema_template):
    """An empty, migrated SQLite project database (a copy of the schema template)."""
    folder = tmp_path / "data"
    _copy_schema(sqlite_schema_template, folder)
    database = Database.open(folder)
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
