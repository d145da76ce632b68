"""The error of a setting the server cannot start with, said in the operator's language (``i18n.say``)."""

from __future__ import annotations


class SettingsError(Exception):
    """A setting the server cannot start with; the message is a catalog id, said in the operator's language."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def reason(error: BaseException) -> str:
    """What the system said, for a message: ``Permission denied``, or the exception's name."""
    return error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
