"""The one place for qualkit's temporary files, cleaned at the next start.

Everything qualkit writes before it is final (a tally folder being built, an upload
being checked, an export being rendered) lives under one private folder: mode 0700,
files 0600. Each run works in its own ``<pid>-<random>`` subfolder; a run that is
killed leaves its subfolder behind, and the next qualkit start removes every
subfolder whose process is gone. So interrupted work never leaves per-citizen data
scattered beside a user's files.

The folder is ``$QUALKIT_TMPDIR`` if set, else ``$XDG_CACHE_HOME/qualkit/tmp`` (by
default ``~/.cache/qualkit/tmp``): in the user's home, usually on the same file
system as their outputs, so finished files are moved into place by one rename.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_FOLDER_MODE = 0o700
_FILE_MODE = 0o600


def root() -> Path:
    """The temporary folder (made 0700 if missing; an existing one is only tightened if ours)."""
    env = os.environ.get("QUALKIT_TMPDIR")
    if env:
        base = Path(env).expanduser()
    else:
        cache = os.environ.get("XDG_CACHE_HOME")
        home_cache = Path(cache).expanduser() if cache else Path.home() / ".cache"
        base = home_cache / "qualkit" / "tmp"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=_FOLDER_MODE)
        os.chmod(base, _FOLDER_MODE)  # qualkit's own folder: never anyone else's
    except OSError:
        base = Path(tempfile.gettempdir()) / f"qualkit-{os.getuid()}"
        base.mkdir(exist_ok=True, mode=_FOLDER_MODE)
        os.chmod(base, _FOLDER_MODE)
    return base


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale() -> int:
    """Remove work folders left by qualkit runs that are no longer running; returns how many."""
    try:
        base = root()
        entries = list(base.iterdir())
    except OSError:
        return 0
    removed = 0
    for entry in entries:
        pid_text = entry.name.split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:
            continue
    return removed


@contextmanager
def workdir(label: str = "work") -> Iterator[Path]:
    """A private folder for one piece of work (0700), removed afterwards whatever happens."""
    safe = "".join(ch for ch in label if ch.isalnum() or ch in "._")[:40] or "work"
    path = root() / f"{os.getpid()}-{secrets.token_hex(6)}-{safe}"
    path.mkdir(mode=_FOLDER_MODE)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def private_file(path: Path) -> Path:
    """Make a file qualkit just wrote readable by its owner only."""
    os.chmod(path, _FILE_MODE)
    return path
