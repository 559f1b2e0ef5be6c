"""The guest-pages branch of the one error family (``jada.errors``).

``BrandMisconfigured`` is for something staff must fix on the brand row; ``GuestPageRemoteError``
is AWS failing, with ``transient`` telling the task whether a retry may help.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from jada.errors import ConfigurationError, JadaError, RemoteError

# AWS error codes worth another attempt; anything else (access denied, bad request) is permanent.
TRANSIENT_AWS_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "TooManyInvalidationsInProgress",
}


class GuestPageError(JadaError):
    """A guest page or photo operation that could not be done."""


class BrandMisconfigured(ConfigurationError):
    """The brand's row lacks something publishing needs (bucket, domain, distribution)."""


class GuestPageRemoteError(RemoteError):
    """S3 or CloudFront refused or failed while publishing."""


def aws_error(what: str, exc: ClientError) -> GuestPageRemoteError:
    """Classify a botocore ``ClientError`` as transient (throttling, 5xx) or permanent."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    transient = code in TRANSIENT_AWS_CODES or status >= 500
    message = f"{what} failed: {code or status} {error.get('Message', '')}".strip()
    return GuestPageRemoteError(message[:500], transient=transient, code=code or "aws_error")
