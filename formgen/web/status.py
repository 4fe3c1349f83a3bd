"""The HTTP status of each kind of failure, as the CLI has one exit status per exception class."""
from __future__ import annotations

from ..errors import EnvironmentFailed, FormgenError, InvalidInput, Refused

# One status per kind of failure, as the CLI has one exit status per exception class.
STATUS = {InvalidInput: 422, Refused: 409, EnvironmentFailed: 503}


class BadRequest(InvalidInput):
    """The request itself is unreadable (not JSON, not UTF-8): 400, where bad data in good JSON is 422."""

    status = 400


class NotFound(InvalidInput):
    """What the address names does not exist here (a kind, the register): 404."""

    status = 404


def status_of(exc: FormgenError) -> int:
    return getattr(exc, "status", None) or next(s for cls, s in STATUS.items() if isinstance(exc, cls))
