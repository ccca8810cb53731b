"""Errors of the user's world.

A :class:`UserError` carries a message already translated for the user that
says what happened and what to do.  Anything else that escapes is a bug: the
window shows a crash dialog and the traceback goes to the log.
"""

from __future__ import annotations


class UserError(Exception):
    """Something in the user's world went wrong; the message says what to do."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DatabaseUnavailable(UserError):
    """The database cannot be opened (missing, locked, corrupt, not ours)."""


class DatabaseDamaged(DatabaseUnavailable):
    """The file is not a readable SQLite database (damaged, or something else)."""


class DatabaseLocked(DatabaseUnavailable):
    """The database is encrypted and this process has not unlocked it (log in first)."""


class DatabaseTooNew(UserError):
    """The database was written by a newer version of the program."""


class DiskFull(UserError):
    pass


class NotFound(UserError):
    pass


class PermissionDenied(UserError):
    pass


class AuthenticationFailed(UserError):
    pass


class AccountLocked(AuthenticationFailed):
    pass


class LoginRequired(AuthenticationFailed):
    """A command that reads or writes personal data was given no user or password."""


class ReportNotWritten(UserError):
    """The import was done and committed, but its report file could not be written."""


class InvalidInput(UserError):
    """Input refused by a rule; ``issues`` holds the detailed problems."""

    exit_code = 2

    def __init__(self, message: str, issues: tuple = ()):
        super().__init__(message)
        self.issues = issues


class Conflict(UserError):
    """Someone else changed the record since it was read."""


class BundleRefused(UserError):
    """An exchange bundle that is not read (``formats/bundle.py``): not addressed to
    this office, damaged, tampered with, from an untrusted sender, for a schema this
    program cannot read, hostile.  ``reason`` names the check that refused it (one of
    ``formats.bundle.REASONS``), for a caller that words or counts refusals; the
    message says what is wrong and what to do."""

    def __init__(self, message: str, reason: str = "invalid"):
        super().__init__(message)
        self.reason = reason
