"""Errors a user can act on. Their message is shown as it is: one line, says what to do."""

from __future__ import annotations


class TracksideError(Exception):
    """Base for every error whose message is meant for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFoundError(TracksideError):
    """An unknown event, athlete, scope, or a record that is not on file."""


class AmbiguousError(TracksideError):
    """The text matches several things; the message lists them."""


class InvalidInputError(TracksideError):
    """A malformed option value (mark, date, year, venue...)."""


def clip(text: str, limit: int = 60) -> str:
    """User text echoed in a message, cut so a 10,000-character input stays one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
