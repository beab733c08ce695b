"""Database-driver errors as short Danish reasons; the driver's own (English) text is logged.

PostgreSQL errors are read by their SQLSTATE (``orig.sqlstate`` in psycopg 3, ``pgcode`` in
psycopg2; exact code first, then its two-character class), SQLite errors by their error name
(``sqlite_errorname``, "SQLITE_BUSY", "SQLITE_CONSTRAINT_UNIQUE", ...) and then their text
("database is locked", "UNIQUE constraint failed", ...). Errors a driver raises before the
server answers (a refused connection, an unknown database or role) carry no SQLSTATE and are
read by their text. Anything else gets a generic reason. A user never sees the driver's text,
the SQL or the row's values: ``reason`` logs the driver's first line (the message without
PostgreSQL's DETAIL, which quotes row values) at WARNING, kept off the user's stderr
(``logs.DETAIL``) and in ``qualkit.log``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from qualkit import logs

log = logging.getLogger(__name__)
UPGRADE = "qualkit upgrade"


@dataclass(frozen=True)
class Reason:
    """Why the database refused, in Danish: a clause that reads alone or in parentheses."""

    key: str  # stable name of the case ("unique", "locked", "schema", ...), for callers
    text: str
    transient: bool = False  # running the same transaction again may succeed


BUSY = Reason("locked", "databasen er optaget af en anden, der skriver lige nu", transient=True)
UNIQUE = Reason(
    "unique", "en anden gemte den samme værdi samtidig, og den findes nu allerede", transient=True
)
FOREIGN_KEY = Reason(
    "foreign_key",
    "det, ændringen henviser til, findes ikke længere (en anden har måske slettet det)",
    transient=True,
)
NOT_NULL = Reason("not_null", "et påkrævet felt mangler en værdi")
CHECK = Reason("check", "en værdi er uden for det tilladte")
TOO_LONG = Reason("too_long", "en tekst er for lang til feltet")
BAD_VALUE = Reason("bad_value", "en værdi har et ugyldigt format eller et ugyldigt tegn")
CONSTRAINT = Reason("constraint", "ændringen bryder en af databasens regler for dataene")
SERIALIZATION = Reason("serialization", "en anden ændrede de samme data samtidig", True)
DEADLOCK = Reason("deadlock", "to ændringer ventede på hinanden", transient=True)
CANCELLED = Reason("cancelled", "forespørgslen blev afbrudt af en tidsgrænse eller annulleret")
TOO_MANY = Reason("too_many", "databaseserveren har ikke flere ledige forbindelser", True)
SHUTDOWN = Reason("shutdown", "databaseserveren lukker ned eller starter op", transient=True)
CONNECTION = Reason(
    "connection",
    "forbindelsen til databaseserveren kunne ikke oprettes eller blev afbrudt",
    transient=True,
)
AUTH = Reason("auth", "databaseserveren afviste brugernavnet eller adgangskoden")
NO_DATABASE = Reason("no_database", "databasen findes ikke på serveren")
SCHEMA = Reason("schema", f"databasens skema er ikke opgraderet til denne qualkit, kør `{UPGRADE}`")
PRIVILEGE = Reason("privilege", "databasebrugeren har ikke ret til handlingen")
READ_ONLY = Reason("read_only", "databasen er skrivebeskyttet")
DISK_FULL = Reason("disk_full", "disken er fuld")
RESOURCES = Reason("resources", "databaseserveren mangler hukommelse eller diskplads")
IO = Reason("io", "disken kunne ikke læses eller skrives")
CORRUPT = Reason("corrupt", "databasefilen er beskadiget og skal gendannes fra en sikkerhedskopi")
NOT_A_DATABASE = Reason("not_a_database", "filen er ikke en SQLite-database")
CANT_OPEN = Reason(
    "cant_open", "databasefilen kan ikke åbnes, fordi mappen mangler eller adgangen er nægtet"
)
SERVER = Reason("server", "databaseserveren meldte en intern fejl")
UNKNOWN = Reason("unknown", "databasen meldte en ukendt fejl")
# By the DBAPI class when nothing above matched (PEP 249 names, alike in sqlite3 and psycopg):
# an unexplained OperationalError is retried, as a lost connection would be.
CLASSES: dict[str, Reason] = {
    "IntegrityError": CONSTRAINT,
    "DataError": BAD_VALUE,
    "OperationalError": Reason("unknown", UNKNOWN.text, transient=True),
}

SQLSTATES: dict[str, Reason] = {
    "23505": UNIQUE,
    "23503": FOREIGN_KEY,
    "23502": NOT_NULL,
    "23514": CHECK,
    "22001": TOO_LONG,
    "40001": SERIALIZATION,
    "40P01": DEADLOCK,
    "55P03": BUSY,  # lock_not_available
    "57014": CANCELLED,
    "57P01": SHUTDOWN,
    "57P02": SHUTDOWN,
    "57P03": SHUTDOWN,
    "53300": TOO_MANY,
    "53100": DISK_FULL,
    "3D000": NO_DATABASE,
    "42P01": SCHEMA,  # undefined_table
    "42703": SCHEMA,  # undefined_column
    "42501": PRIVILEGE,
    "25006": READ_ONLY,
}
SQLSTATE_CLASSES: dict[str, Reason] = {
    "08": CONNECTION,
    "28": AUTH,
    "23": CONSTRAINT,
    "22": BAD_VALUE,
    "40": SERIALIZATION,
    "53": RESOURCES,
    "57": SHUTDOWN,
    "XX": SERVER,
}
# SQLite's extended error names (Python 3.11+: ``sqlite_errorname``), longest prefix first.
SQLITE_NAMES: dict[str, Reason] = {
    "SQLITE_CONSTRAINT_UNIQUE": UNIQUE,
    "SQLITE_CONSTRAINT_PRIMARYKEY": UNIQUE,
    "SQLITE_CONSTRAINT_FOREIGNKEY": FOREIGN_KEY,
    "SQLITE_CONSTRAINT_NOTNULL": NOT_NULL,
    "SQLITE_CONSTRAINT_CHECK": CHECK,
    "SQLITE_CONSTRAINT": CONSTRAINT,
    "SQLITE_BUSY": BUSY,
    "SQLITE_LOCKED": BUSY,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_FULL": DISK_FULL,
    "SQLITE_IOERR": IO,
    "SQLITE_CORRUPT": CORRUPT,
    "SQLITE_NOTADB": NOT_A_DATABASE,
    "SQLITE_CANTOPEN": CANT_OPEN,
    "SQLITE_TOOBIG": TOO_LONG,
    "SQLITE_INTERRUPT": CANCELLED,
    "SQLITE_PERM": PRIVILEGE,
    "SQLITE_AUTH": PRIVILEGE,
}
# Driver texts (lower case) for errors without a code, in order: SQLite's messages, then
# what psycopg and libpq say before the server answers.
TEXTS: tuple[tuple[str, Reason], ...] = (
    ("database is locked", BUSY),
    ("database table is locked", BUSY),
    ("database is busy", BUSY),
    ("unique constraint failed", UNIQUE),
    ("foreign key constraint failed", FOREIGN_KEY),
    ("not null constraint failed", NOT_NULL),
    ("check constraint failed", CHECK),
    ("no such table", SCHEMA),
    ("no such column", SCHEMA),
    ("has no column named", SCHEMA),
    ("disk i/o error", IO),
    ("database disk image is malformed", CORRUPT),
    ("file is not a database", NOT_A_DATABASE),
    ("unable to open database file", CANT_OPEN),
    ("attempt to write a readonly database", READ_ONLY),
    ("database or disk is full", DISK_FULL),
    ("string or blob too big", TOO_LONG),
    ("interrupted", CANCELLED),
    ("cannot contain nul", BAD_VALUE),
    ("password authentication failed", AUTH),
    ("authentication failed", AUTH),
    ("no password supplied", AUTH),
    ("role ", AUTH),  # 'role "x" does not exist' (libpq, before any SQLSTATE)
    ("too many clients", TOO_MANY),
    ("too many connections", TOO_MANY),
    ("the database system is starting up", SHUTDOWN),
    ("the database system is shutting down", SHUTDOWN),
    ("terminating connection", SHUTDOWN),
    ("database ", NO_DATABASE),  # 'database "x" does not exist'
    ("connection refused", CONNECTION),
    ("could not connect", CONNECTION),
    ("connection failed", CONNECTION),
    ("could not translate host name", CONNECTION),
    ("name or service not known", CONNECTION),
    ("no route to host", CONNECTION),
    ("timeout expired", CONNECTION),
    ("server closed the connection", CONNECTION),
    ("connection is closed", CONNECTION),
    ("connection is lost", CONNECTION),
    ("consuming input failed", CONNECTION),
)


def _driver_error(exc: BaseException) -> BaseException:
    """The DBAPI exception itself (SQLAlchemy wraps it as ``orig``)."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def _sqlstate(driver: BaseException) -> str | None:
    code = getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None)
    return code if isinstance(code, str) and len(code) == 5 else None


def _by_text(line: str) -> Reason | None:
    lower = line.lower()
    for needle, found in TEXTS:
        if needle in lower and (needle not in ("role ", "database ") or "does not exist" in lower):
            return found
    return None


def classify(exc: BaseException) -> Reason:
    """The Danish reason for a database error (SQLAlchemy-wrapped or a driver's own); pure."""
    driver = _driver_error(exc)
    code = _sqlstate(driver)
    if code is not None:
        found = SQLSTATES.get(code) or SQLSTATE_CLASSES.get(code[:2])
        if found is not None:
            return found
    name = getattr(driver, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, found in SQLITE_NAMES.items():
            if name == prefix or name.startswith(prefix + "_"):
                return found
    found = _by_text(_first_line(driver))
    if found is not None:
        return found
    if getattr(exc, "connection_invalidated", False):
        return CONNECTION
    return CLASSES.get(type(driver).__name__, UNKNOWN)


# Quoted text in a driver's line may be a row's value ('invalid input syntax for type integer:
# "Mette"'), so the log keeps the line's shape and drops what stands in quotes.
_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")


def _loggable(line: str) -> str:
    return _QUOTED.sub("'…'", line)


def reason(exc: BaseException) -> Reason:
    """``classify``, with the driver's original first line logged for the maintainer."""
    driver = _driver_error(exc)
    found = classify(exc)
    log.warning(
        "database error %s (sqlstate %s, %s) shown as %r: %s",
        type(driver).__name__,
        _sqlstate(driver) or "-",
        getattr(driver, "sqlite_errorname", None) or "-",
        found.key,
        _loggable(_first_line(driver)),
        extra=logs.DETAIL,
    )
    return found
