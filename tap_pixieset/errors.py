"""Errors that are the user's to fix. The CLI prints them as one line, without a traceback."""

from __future__ import annotations


class PixiesetUserError(Exception):
    """A problem the user can fix: bad settings, an expired session, a refused login."""


class ConfigurationError(PixiesetUserError):
    """One or more settings are invalid. Each problem is one line of the message."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "Invalid configuration:\n" + "\n".join(f"  - {problem}" for problem in problems)
        )


class SessionExpiredError(PixiesetUserError):
    """The API no longer accepts the session and the tap cannot log in again by itself."""


class LoginFailedError(PixiesetUserError):
    """The login with ``email`` and ``password`` was refused."""


class InputFileError(PixiesetUserError):
    """A file named on the command line (``--config``, ``--catalog``, ``--state``) is unusable."""
