"""Typed errors from a console client.

Every error carries one line a person can act on (``str(err)``).  None of them
ever holds the token: messages are built from the console's own message, the
HTTP status and the endpoint path, never from request headers or full URLs.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base class: something went wrong talking to a console."""

    #: Whether repeating the same request may succeed (reads, and idempotent writes).
    transient = False
    #: Whether the console may have done what was asked although no answer said so: only
    #: asking it again (a fetch) can tell.  A transient failure, unless it was a refusal.
    may_have_acted = False

    def __init__(self, message: str, *, status: int | None = None, endpoint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.endpoint = endpoint

    def __str__(self) -> str:
        return self.message


class AuthError(ApiError):
    """The console refused the token."""


class PermissionDenied(ApiError):
    """The token is valid but may not do this (a read-only key acting)."""


class NotFound(ApiError):
    """The incident or device does not exist (any more)."""


class InvalidParameter(ApiError):
    """The console rejected a parameter; the message is the console's own."""


class RateLimited(ApiError):
    transient = True
    may_have_acted = False  # refused before anything happened

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx, or ``"result": "error"`` with a message we do not recognise."""

    transient = True
    may_have_acted = True


class ProtocolError(ApiError):
    """The body was not JSON or not the shape the API documents."""

    transient = True
    may_have_acted = True


class TransportError(ApiError):
    """The request never got an answer (connection refused, reset, TLS, DNS)."""

    transient = True
    may_have_acted = True


class ConsoleTimeout(TransportError):
    """No answer within the timeout."""


class DeadlineExceeded(ConsoleTimeout):
    """The whole answer did not arrive within the request's overall deadline
    (a console that trickles bytes never trips a per-read timeout)."""


class ResponseTooLarge(ApiError):
    """The answer was larger than the client reads; reading stopped at the limit.

    Not transient: asking again gets the same answer.
    """

    def __init__(self, message: str, *, limit: int, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class ConnectionFailed(TransportError):
    """Could not connect, or the connection dropped mid-answer."""


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""
