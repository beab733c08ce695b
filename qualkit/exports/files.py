"""Output files and folders: qualkit never deletes or alters anything it did not write.

One mechanism for every command that writes files (``tally --out``, ``agreement
--out``, ``export ... --out``, ``transcribe --out``, ``codebook convert``, ``deid
--out``):

- Each folder qualkit writes into gets a marker file, ``.qualkit-output.json``,
  listing the files qualkit wrote there with their SHA-256. A file is qualkit's own
  only while it is listed *and* unchanged; a file the user edited is theirs again.
- An output **folder** is written new, or, if it exists, only qualkit's own files
  in it are replaced. A folder that is not qualkit's (no marker) and holds
  anything (a thesis, ``.git``) is refused unless ``--force``; even then, and in a
  folder qualkit wrote before where the user keeps notes, only qualkit's own
  files are written, a name taken by a user's file is refused, and nothing else
  is touched. The folder's permissions are never changed.
- An output **file** replaces an existing file only if qualkit wrote it (or with
  ``--force``, the user's explicit word for that one file).
- Everything is rendered first in qualkit's private temporary folder
  (:mod:`qualkit.tempdir`, 0700/0600) and moved into place by rename, so a failure
  leaves the old files or the new ones, never half of one and never debris.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path

from qualkit import tempdir
from qualkit.errors import InputError

MARKER = ".qualkit-output.json"
_FILE_MODE = 0o600
_NEW_FOLDER_MODE = 0o700

_force: ContextVar[bool] = ContextVar("qualkit_output_force", default=False)


@contextlib.contextmanager
def overwrite_allowed(force: bool) -> Iterator[None]:
    """Within this block, outputs behave as if ``--force`` was given (the CLI sets it)."""
    token = _force.set(bool(force))
    try:
        yield
    finally:
        _force.reset(token)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_marker(folder: Path) -> dict[str, str]:
    """The files qualkit wrote in ``folder`` (name -> SHA-256); empty if there is no marker."""
    path = folder / MARKER
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return {str(k): str(v) for k, v in files.items() if isinstance(k, str)}
    except (OSError, ValueError):
        return {}


def own_files(folder: Path) -> set[str]:
    """Names in ``folder`` that qualkit wrote and nobody has changed since."""
    out = set()
    for name, digest in read_marker(folder).items():
        p = folder / name
        if "/" in name or name in ("", ".", ".."):
            continue
        if p.is_file() and not p.is_symlink() and _sha256(p) == digest:
            out.add(name)
    return out


def _write_marker(folder: Path, files: dict[str, str]) -> None:
    tmp = folder / f".{MARKER}.{os.getpid()}.part"
    text = json.dumps({"qualkit": 1, "files": dict(sorted(files.items()))}, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.chmod(tmp, _FILE_MODE)
    os.replace(tmp, folder / MARKER)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One writer per output folder at a time (the marker is read, merged and replaced)."""
    locks = tempdir.root() / "locks"
    locks.mkdir(exist_ok=True, mode=0o700)
    key = hashlib.sha1(str(folder.resolve()).encode("utf-8")).hexdigest()
    with open(locks / f"{key}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _move(src: Path, dst: Path) -> None:
    """Move a finished file into place in one rename (copy + rename across file systems)."""
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        part = dst.with_name(f".{dst.name}.qualkit-part-{os.getpid()}")
        try:
            shutil.copyfile(src, part)
            os.chmod(part, _FILE_MODE)
            os.replace(part, dst)
        except BaseException:
            part.unlink(missing_ok=True)
            raise


def _render(work: Path, name: str, write: Callable[[Path], object]) -> Path:
    staged = work / name
    write(staged)
    if not staged.is_file():
        raise InputError(f"{name}: blev ikke skrevet.")
    os.chmod(staged, _FILE_MODE)
    return staged


def _check_name(name: str) -> None:
    if not name or "/" in name or name in (".", "..", MARKER):
        raise ValueError(f"ikke et gyldigt navn på en outputfil: {name!r}")


def write_atomic(
    path: str | Path, write: Callable[[Path], object], *, force: bool | None = None
) -> Path:
    """Call ``write(tmp_path)`` and move the result onto ``path`` in one rename.

    An existing ``path`` is replaced only if qualkit wrote it (the folder's marker
    lists it unchanged) or ``force``; the rest of the folder is never touched.
    """
    target = Path(path)
    force = _force.get() if force is None else force
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{target}: mappen {folder} findes ikke.")
    if target.is_dir():
        raise InputError(f"{target}: er en mappe; angiv et filnavn.")
    with _folder_lock(folder):
        check_file(target, force=force)
        with tempdir.workdir("file") as work:
            staged = _render(work, target.name, write)
            digest = _sha256(staged)
            try:
                _move(staged, target)
            except OSError as exc:
                raise InputError(f"{target}: kan ikke skrives ({exc.strerror or exc}).") from None
        marker = {k: v for k, v in read_marker(folder).items() if (folder / k).exists()}
        marker[target.name] = digest
        with contextlib.suppress(OSError):
            _write_marker(folder, marker)
    return target


def check_file(path: str | Path, *, force: bool | None = None) -> None:
    """Refuse early (before slow work) an output file that would replace a user's file."""
    target = Path(path)
    force = _force.get() if force is None else force
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"{target}: er en mappe; angiv et filnavn.")
    if (target.exists() or target.is_symlink()) and not force:
        if target.name not in own_files(folder):
            raise InputError(
                f"{target}: filen findes og er ikke skrevet af qualkit; den overskrives "
                "ikke. Vælg et andet navn, eller brug --force for at erstatte netop den fil."
            )


def check_folder(out: str | Path, names: list[str], *, force: bool | None = None) -> None:
    """Refuse early (before slow work) an output folder :func:`write_folder` would refuse."""
    target = Path(out)
    force = _force.get() if force is None else force
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: findes og er ikke en mappe.")
    if target.is_dir():
        _foreign_check(target, own_files(target), names, force)


def _foreign_check(target: Path, own: set[str], names: list[str], force: bool) -> None:
    foreign = sorted(e.name for e in target.iterdir() if e.name not in own and e.name != MARKER)
    if foreign and not force and not (target / MARKER).is_file():
        more = f" og {len(foreign) - 5} mere" if len(foreign) > 5 else ""
        raise InputError(
            f"{target}: mappen indeholder andet end qualkits egne filer "
            f"({', '.join(foreign[:5])}{more}); intet blev skrevet. Vælg en ny mappe, eller "
            "brug --force (så skrives kun qualkits egne filer, og intet andet i mappen røres)."
        )
    taken = [n for n in names if n in foreign]
    if taken:
        raise InputError(
            f"{target / taken[0]}: findes og er ikke skrevet af qualkit (eller er ændret "
            "siden); den overskrives heller ikke med --force. Flyt den, eller vælg en ny mappe."
        )


def write_folder(
    out: str | Path,
    files: Mapping[str, Callable[[Path], None]],
    *,
    force: bool | None = None,
) -> list[Path]:
    """Write ``files`` (name -> writer of that file) into the folder ``out``.

    A new folder is made (0700) and filled in one rename. An existing folder without
    qualkit's marker that holds anything is refused unless ``force``; in any existing
    folder only qualkit's own files are replaced, and a name taken by a user's file
    is refused.
    Every file is rendered before any is moved, so a failure changes nothing.
    """
    target = Path(out)
    force = _force.get() if force is None else force
    for name in files:
        _check_name(name)
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: findes og er ikke en mappe.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: mappen kan ikke oprettes ({exc.strerror or exc}).") from None
    with tempdir.workdir("folder") as work, _folder_lock(target.parent):
        staging = work / "out"
        staging.mkdir(mode=_NEW_FOLDER_MODE)
        digests = {n: _sha256(_render(staging, n, w)) for n, w in files.items()}
        if not target.exists():
            _write_marker(staging, digests)
            os.chmod(staging, _NEW_FOLDER_MODE)
            try:
                os.rename(staging, target)
                return [target / n for n in files]
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise InputError(
                        f"{out}: mappen kan ikke oprettes ({exc.strerror or exc})."
                    ) from None
                target.mkdir(mode=_NEW_FOLDER_MODE)
        return _replace_own(target, staging, digests, force)


def _replace_own(target: Path, staging: Path, digests: dict[str, str], force: bool) -> list[Path]:
    with _folder_lock(target):
        own = own_files(target)
        _foreign_check(target, own, list(digests), force)
        for name in digests:
            try:
                _move(staging / name, target / name)
            except OSError as exc:
                raise InputError(
                    f"{target / name}: kan ikke skrives ({exc.strerror or exc})."
                ) from None
        for stale in own - set(digests):  # our own files from an earlier run that are gone now
            with contextlib.suppress(OSError):
                (target / stale).unlink()
        _write_marker(target, digests)
    return [target / n for n in digests]
