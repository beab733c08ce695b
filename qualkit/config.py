"""Where a project's data lives: the data folder and the database URL.

Order of precedence for the folder: explicit argument (``--data DIR``), then
``QUALKIT_DATA``, then ``./qualkit-data``. ``QUALKIT_DATABASE_URL`` selects a
server database (PostgreSQL); otherwise SQLite lives inside the data folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "qualkit-data"
SQLITE_FILENAME = "qualkit.sqlite3"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.split("///", 1)[1])

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @property
    def vault_path(self) -> Path:
        return self.data_dir / "vault.enc"


def cache_root() -> Path:
    """Caches rebuilt from installed packages (word lists): ``$QUALKIT_CACHE``, else
    ``~/.cache/qualkit``. Never personal data; the offline model has its own
    ``$QUALKIT_MODEL_CACHE``."""
    return Path(os.environ.get("QUALKIT_CACHE") or Path.home() / ".cache" / "qualkit")


def resolve_settings(
    data_dir: str | os.PathLike | None = None, database_url: str | None = None
) -> Settings:
    """Resolve the data folder and database URL from arguments and environment."""
    folder = Path(data_dir or os.environ.get("QUALKIT_DATA") or DEFAULT_DATA_DIR).expanduser()
    folder = folder.absolute()
    url = database_url or os.environ.get("QUALKIT_DATABASE_URL") or ""
    if not url:
        url = f"sqlite:///{folder / SQLITE_FILENAME}"
    return Settings(data_dir=folder, database_url=url)
