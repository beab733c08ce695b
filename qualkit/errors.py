"""Errors that reach a user as one clear line.

Every failure a user can cause (bad file, bad folder, wrong role) is raised as
a QualkitError subclass; the CLI prints its message and exits non-zero, the
app shows it. Tracebacks are for bugs only.
"""


class QualkitError(Exception):
    """Base class: the message is written for the user."""

    exit_code = 1


class InputError(QualkitError):
    """A user's file, row, field or argument is unusable."""

    exit_code = 2


class StoreError(QualkitError):
    """The database or data folder cannot be opened or upgraded."""

    exit_code = 3


class PermissionDenied(QualkitError):
    """The acting user's role does not allow this use case."""

    exit_code = 4


class NotFound(QualkitError):
    """A named object (interview, user, project) does not exist."""

    exit_code = 5


class DatabaseConflict(StoreError):
    """The database refused a transaction (busy, a concurrent writer, a lost connection, a
    value it would not store). Never shown raw: ``store/db.py`` translates every database
    error into this, ``services/_retry.py`` re-runs a transaction when ``transient``."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class WriteOutsideRetry(RuntimeError):
    """A programming error, not a user's: something tried to write through a read session.

    Every write goes through ``services/_retry.write`` (one transaction, re-run on a transient
    conflict); ``store/db.py`` makes a plain ``Database.session()`` refuse to write."""
