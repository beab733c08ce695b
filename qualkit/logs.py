"""The one logging set-up: the ``qualkit`` logger, to stderr and to a log file in the data folder.

- stderr gets WARNING and above (``QUALKIT_LOG_LEVEL`` changes it, e.g. ``INFO``/``DEBUG``);
- ``<data folder>/qualkit.log`` (mode 0600, like the rest of the folder) gets INFO and above,
  attached when the folder's database is opened (``store.Database.open``).

No personal data in logs: messages name ids, counts, labels, file names of qualkit's own files
and exception types, never transcript text, names, CPR numbers or passwords. As a second line
of defence, a filter masks anything shaped like a CPR number, an e-mail address or a Danish
phone number before a record is written.

A record logged with ``extra=DETAIL`` keeps a framework's or database driver's original English
text for the maintainer (the user got a Danish line already): it goes to ``qualkit.log``, and
to stderr only when ``QUALKIT_LOG_LEVEL`` asks for INFO or DEBUG.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

LOGGER = "qualkit"
LOG_FILE = "qualkit.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_MASKS = (
    (re.compile(r"\b\d{6}-?\d{4}\b"), "[CPR]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[EMAIL]"),
    (re.compile(r"(?<!\d)(?:\+45 ?)?\d{2} ?\d{2} ?\d{2} ?\d{2}(?!\d)"), "[TELEFON]"),
)


class PersonalDataFilter(logging.Filter):
    """Mask CPR numbers, e-mail addresses and phone numbers in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = message
        for pattern, replacement in _MASKS:
            masked = pattern.sub(replacement, masked)
        if masked != message:
            record.msg, record.args = masked, None
        return True


DETAIL_FLAG = "qualkit_detail"
DETAIL = {DETAIL_FLAG: True}


class DetailOffStderr(logging.Filter):
    """Keep ``DETAIL`` records off a handler unless its level is below WARNING."""

    def __init__(self, handler: logging.Handler) -> None:
        super().__init__()
        self.handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, DETAIL_FLAG, False) or self.handler.level < logging.WARNING


_stderr: logging.Handler | None = None


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the moment of writing, not the stream of the
    first call: a caller (a test's capture, an embedding app) may replace and close it."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 - logging's own attribute
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001 - set by logging.StreamHandler.__init__
        pass


_file: logging.FileHandler | None = None


def _level(default: int) -> int:
    name = os.environ.get("QUALKIT_LOG_LEVEL", "").strip().upper()
    value = logging.getLevelName(name) if name else default
    return value if isinstance(value, int) else default


def setup() -> logging.Logger:
    """Once per process (later calls change nothing): the stderr handler."""
    global _stderr
    logger = logging.getLogger(LOGGER)
    if _stderr is None:
        _stderr = _CurrentStderr()
        _stderr.setLevel(_level(logging.WARNING))
        _stderr.setFormatter(logging.Formatter("qualkit: %(levelname)s %(message)s"))
        _stderr.addFilter(PersonalDataFilter())
        _stderr.addFilter(DetailOffStderr(_stderr))
        logger.addHandler(_stderr)
        logger.setLevel(min(logging.INFO, _stderr.level))
    return logger


def log_to_folder(data_dir: Path) -> Path | None:
    """Write the log into ``data_dir/qualkit.log`` from now on (one folder per process: a
    second folder replaces the first). A folder that cannot take the file is logged, not
    fatal: the data folder's own checks report real problems."""
    global _file
    logger = setup()
    path = Path(data_dir) / LOG_FILE
    if _file is not None and Path(_file.baseFilename) == path.absolute():
        return path
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError as exc:
        logger.warning("log file %s not writable (%s)", path, exc.strerror or exc)
        return None
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(PersonalDataFilter())
    if _file is not None:
        logger.removeHandler(_file)
        _file.close()
    logger.addHandler(handler)
    _file = handler
    return path
