"""The guest-pages branch of the one error family (``jada.errors``).

``BrandMisconfigured`` is for something staff must fix on the brand row; ``GuestPageRemoteError``
is AWS failing, with ``transient`` telling the task whether a retry may help.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from jada.aws import aws_error_code, aws_error_status, aws_is_transient
from jada.errors import ConfigurationError, JadaError, RemoteError


class GuestPageError(JadaError):
    """A guest page or photo operation that could not be done."""


class BrandMisconfigured(ConfigurationError):
    """The brand's row lacks something publishing needs (bucket, domain, distribution)."""


class GuestPageRemoteError(RemoteError):
    """S3 or CloudFront refused or failed while publishing."""

    public_message = "The photo store is not answering; try again in a minute."


def aws_error(what: str, exc: ClientError) -> GuestPageRemoteError:
    """A botocore ``ClientError`` as our error, transient or not as ``jada.aws`` classifies it."""
    code = aws_error_code(exc)
    message = f"{what} failed: {code or aws_error_status(exc)} {exc.response.get('Error', {}).get('Message', '')}"
    return GuestPageRemoteError(message.strip()[:500], transient=aws_is_transient(exc), code=code or "aws_error")
