"""One error family. Expected failures are ``JadaError``s and become admin messages or JSON errors;
anything else is a bug and is logged with its traceback.

Each class says how it reaches an API caller (``http_status`` and ``as_json``, as Zulip's
``JsonableError`` does), so the one exception handler in ``jada.api`` needs no table of its own
and a new error lands with the right status wherever it is raised.
"""

from __future__ import annotations

from typing import Any


class JadaError(Exception):
    """An expected failure with a message fit to show to the person who caused it."""

    http_status = 400

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def as_json(self) -> dict[str, Any]:
        """What an API caller gets: always ``{"error": ...}``, plus whatever the subclass adds."""
        return {"error": self.message}


class FieldError(JadaError):
    """A missing or malformed request field; answered with 400 naming ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, code="invalid")
        self.field = field

    def as_json(self) -> dict[str, Any]:
        return {"error": self.message, "field": self.field}


class BodyTooLarge(FieldError):
    """The request body is over the one cap every API shares (``jada.api.API_BODY_MAX_BYTES``)."""

    http_status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("body", f"The request body is larger than {limit} bytes.")


class NotFoundError(JadaError):
    http_status = 404

    def __init__(self, message: str) -> None:
        super().__init__(message, code="not_found")


class ConflictError(JadaError):
    """The write lost to another one (a stale version, a concurrent change)."""

    http_status = 409

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message, code=code)


class CredentialsRefused(JadaError):
    """Missing or wrong credentials (service key, dashboard token)."""

    http_status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, code="unauthorised")


class RateLimited(JadaError):
    """Too many attempts from one client; ``retry_after`` seconds until the window resets."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


class ConfigurationError(JadaError):
    """Something an operator must fix in settings or in a brand's row (an API answers 503 saying so)."""

    http_status = 503


class RemoteError(JadaError):
    """A remote service (AWS, SCC, calendar) failed. ``transient`` says whether a retry may help.

    An API caller is not shown the message (it names buckets and hosts), only ``public_message``.
    """

    http_status = 503
    public_message = "A service this API depends on is not answering; try again in a minute."

    def __init__(self, message: str, *, transient: bool, code: str = "remote_error") -> None:
        super().__init__(message, code=code)
        self.transient = transient

    def as_json(self) -> dict[str, Any]:
        return {"error": self.public_message, "detail": self.code}
