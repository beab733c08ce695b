"""The user's own qualkit folder, outside every data folder: server secret and CLI tokens.

``$XDG_CONFIG_HOME/qualkit`` (else ``~/.config/qualkit``), created 0700; its files 0600.
It holds what must NOT travel with the data folder, the database or a backup:

- ``secret.key``: the server secret (like a web framework's secret key) that unlocks the
  keyed-hash key of the vault and signs the app's session cookies. ``QUALKIT_SECRET_KEY``
  overrides it (a team on one PostgreSQL database sets the same value on every machine).
- ``token``: the CLI's session tokens (``qualkit login``), one per database.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from qualkit.errors import InputError

SECRET_ENV = "QUALKIT_SECRET_KEY"
SECRET_FILE = "secret.key"
TOKEN_FILE = "token"


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser().absolute() / "qualkit"


def _private_dir() -> Path:
    folder = config_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def write_private(path: Path, text: str) -> None:
    """Write a file atomically, readable by its owner only (0600)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def secret_file() -> Path:
    return config_dir() / SECRET_FILE


def server_secret(data_dir: Path | None = None) -> bytes:
    """The server secret: ``$QUALKIT_SECRET_KEY``, else the user's secret.key (made once).

    Refuses a secret file that lies inside the data folder (it would travel with it)."""
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        if len(env) < 16:
            raise InputError(f"{SECRET_ENV} er for kort: brug mindst 16 tegn (fx 32 tilfældige).")
        return env.encode("utf-8")
    path = secret_file()
    if data_dir is not None and path.resolve().is_relative_to(Path(data_dir).resolve()):
        raise InputError(
            f"{path}: den hemmelige nøgle må ikke ligge i datamappen {data_dir}; "
            f"sæt XDG_CONFIG_HOME eller {SECRET_ENV}."
        )
    if not path.exists():
        _private_dir()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_urlsafe(32) + "\n")
    try:
        value = path.read_text("utf-8").strip()
    except OSError as exc:
        raise InputError(f"{path}: den hemmelige nøgle kan ikke læses ({exc.strerror}).") from None
    if len(value) < 16:
        raise InputError(f"{path}: den hemmelige nøgle er tom eller for kort.")
    return value.encode("utf-8")


# -- CLI tokens ----------------------------------------------------------------------------
def _tokens() -> dict[str, str]:
    path = config_dir() / TOKEN_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def saved_token(database_key: str) -> str | None:
    return _tokens().get(database_key)


def save_token(database_key: str, token: str | None) -> Path:
    """Store (or with None, forget) this database's token in the 0600 token file."""
    folder = _private_dir()
    tokens = _tokens()
    if token is None:
        tokens.pop(database_key, None)
    else:
        tokens[database_key] = token
    path = folder / TOKEN_FILE
    write_private(path, json.dumps(tokens, indent=1))
    return path
