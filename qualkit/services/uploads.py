"""Files uploaded in the app, given to the same importers as the command line.

The upload is written to a private temporary folder under its own name, so every
error message names the file the user chose (not a temp path), and is removed after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qualkit import tempdir
from qualkit.errors import InputError

ALLOWED = (".csv", ".txt", ".xlsx", ".xlsm")


@contextmanager
def saved_upload(filename: str, data: bytes) -> Iterator[Path]:
    name = Path(filename or "upload.csv").name
    if Path(name).suffix.lower() not in ALLOWED:
        raise InputError(f"{name}: brug en .csv- eller .xlsx-fil.")
    with tempdir.workdir("upload") as tmp:
        path = tmp / name
        path.write_bytes(data)
        tempdir.private_file(path)
        yield path
