"""The one factory for boto3 clients and resources, and the one classification of AWS errors.

Every AWS call in the project goes through here so that ``AWS_ENDPOINT_URL`` (moto locally and
in tests, unset for real AWS) and the retry policy are applied everywhere. A service-specific
``AWS_ENDPOINT_URL_<SERVICE>`` (botocore's own convention, e.g. ``AWS_ENDPOINT_URL_DYNAMODB``)
overrides it for that service alone: the benchmarks point DynamoDB at dynalite and everything
else at moto. botocore would read those variables itself, but only when no ``endpoint_url`` is
passed, and we always pass one. Clients are cached per (service, region, endpoint);
``aws_clients_reset()`` drops them when a test starts a new moto mock, since a client made
before the mock would bypass it.

``aws_is_transient`` and ``aws_is_not_found`` are the only places that read AWS error codes to
decide whether a retry may help or whether a thing is simply absent; every adapter asks them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoRegionError,
    ParamValidationError,
    UnknownServiceError,
)
from botocore.utils import CLIENT_NAME_TO_HYPHENIZED_SERVICE_ID_OVERRIDES, SERVICE_NAME_ALIASES
from django.conf import settings

from jada.errors import RemoteError

_RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=15,
    max_pool_connections=20,
    s3={"addressing_style": "path"},
)
_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Any] = {}
_resources: dict[tuple[str, str, str | None], Any] = {}
_reset_hooks: list[Callable[[], None]] = []


def aws_service_env_suffix(service: str) -> str:
    """The ``<SERVICE>`` of ``AWS_ENDPOINT_URL_<SERVICE>`` for a client name, as botocore spells it
    (``dynamodb`` → ``DYNAMODB``, ``secretsmanager`` → ``SECRETS_MANAGER``)."""
    name = SERVICE_NAME_ALIASES.get(service, service)
    return CLIENT_NAME_TO_HYPHENIZED_SERVICE_ID_OVERRIDES.get(name, name).replace("-", "_").upper()


def aws_endpoint_url(service: str | None = None) -> str | None:
    """Where ``service``'s clients point: its own ``AWS_ENDPOINT_URL_<SERVICE>``, else
    ``AWS_ENDPOINT_URL``, else None (real AWS)."""
    if service is not None:
        own = settings.AWS_SERVICE_ENDPOINT_URLS.get(aws_service_env_suffix(service))
        if own:
            return str(own)
    return settings.AWS_ENDPOINT_URL


def _key(service: str, region: str | None) -> tuple[str, str, str | None]:
    return (service, region or str(settings.AWS_DEFAULT_REGION), aws_endpoint_url(service))


def _session() -> Any:
    # Typed as Any: the stubs' per-service overloads add nothing for a generic factory.
    return boto3.session.Session()


def _cached(cache: dict[tuple[str, str, str | None], Any], key: tuple[str, str, str | None], build: Any) -> Any:
    with _lock:
        made = cache.get(key)
        if made is None:
            made = cache[key] = build()
        return made


def aws_client(service: str, *, region: str | None = None) -> Any:
    """A boto3 client for ``service`` in ``region`` (default ``AWS_DEFAULT_REGION``)."""
    key = _key(service, region)
    return _cached(
        _clients,
        key,
        lambda: _session().client(service, region_name=key[1], endpoint_url=key[2], config=_RETRY_CONFIG),
    )


def aws_resource(service: str, *, region: str | None = None) -> Any:
    """A boto3 resource (used for DynamoDB's ``batch_writer``)."""
    key = _key(service, region)
    return _cached(
        _resources,
        key,
        lambda: _session().resource(service, region_name=key[1], endpoint_url=key[2], config=_RETRY_CONFIG),
    )


_PRESIGN_CONFIG = _RETRY_CONFIG.merge(Config(signature_version="s3v4"))


def aws_presign_client(service: str, *, region: str | None = None) -> Any:
    """A client for presigned URLs/POSTs. botocore still presigns S3 with SigV2 unless told
    otherwise, which real S3 refuses for newer regions and buckets; this one always signs SigV4."""
    key = (f"{service}:presign", *_key(service, region)[1:])
    return _cached(
        _clients,
        key,
        lambda: _session().client(service, region_name=key[1], endpoint_url=key[2], config=_PRESIGN_CONFIG),
    )


_PROBE_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=2)


def aws_probe_client(service: str, *, region: str | None = None) -> Any:
    """A client for readiness probes: one attempt, two-second timeouts, so a down endpoint is
    reported within the probe's budget instead of after the normal client's retries."""
    key = (f"{service}:probe", *_key(service, region)[1:])
    return _cached(
        _clients,
        key,
        lambda: _session().client(service, region_name=key[1], endpoint_url=key[2], config=_PROBE_CONFIG),
    )


def aws_config() -> Config:
    """The botocore config every client uses (for adapters that build their own, like django-storages)."""
    return _RETRY_CONFIG


def aws_reset_register(hook: Callable[[], None]) -> Callable[[], None]:
    """Have ``aws_clients_reset()`` also call ``hook``: for modules that cache objects holding a
    boto3 client of their own (e.g. a django-storages backend), which must not outlive a moto mock
    either. Registering the same hook twice is harmless. Returns the hook (usable as a decorator)."""
    with _lock:
        if hook not in _reset_hooks:
            _reset_hooks.append(hook)
    return hook


def aws_clients_reset() -> None:
    with _lock:
        _clients.clear()
        _resources.clear()
        hooks = list(_reset_hooks)
    for hook in hooks:
        hook()


# --- classifying AWS errors: the one place that says what a retry may fix ----------------------

# Throttling and server-side hiccups worth another attempt: botocore's own standard-retry lists
# (botocore/retries/standard.py, pinned by a test so an upgrade cannot leave us behind) plus the
# S3/CloudFront codes our adapters meet. Anything else (access denied, validation, a missing
# bucket) is permanent: retrying only delays the message a person must read.
TRANSIENT_CODES = frozenset(
    {
        # throttled
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "RequestThrottled",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "TooManyInvalidationsInProgress",
        # transient server / network
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
TRANSIENT_STATUSES = frozenset({429})
# "The thing asked for does not exist": S3's HEAD answers a bare "404"; the rest name it.
NOT_FOUND_CODES = frozenset(
    {
        "404",
        "NotFound",
        "NoSuchKey",
        "NoSuchBucket",
        "NoSuchDistribution",
        "NoSuchFunctionExists",
        "ResourceNotFoundException",
    }
)
# Client-side mistakes botocore raises before sending anything: a retry repeats the mistake.
_PERMANENT_BOTOCORE = (ParamValidationError, NoRegionError, UnknownServiceError)


def aws_error_code(exc: BaseException) -> str:
    """The ``Error.Code`` of a ``ClientError`` ("" for anything else)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "") or "")
    return ""


def aws_error_status(exc: BaseException) -> int:
    """The HTTP status AWS answered a ``ClientError`` with (0 for anything else)."""
    if isinstance(exc, ClientError):
        try:
            return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        except (TypeError, ValueError):
            return 0
    return 0


def aws_is_transient(exc: BaseException) -> bool:
    """True when another attempt may succeed: throttling, a 5xx, or AWS not being reachable.

    A ``BotoCoreError`` is transient (connection refused, timeouts, resets) unless botocore
    refused the call itself (bad parameters, no region). Exceptions that are not AWS's: False.
    """
    if isinstance(exc, ClientError):
        status = aws_error_status(exc)
        return aws_error_code(exc) in TRANSIENT_CODES or status >= 500 or status in TRANSIENT_STATUSES
    if isinstance(exc, BotoCoreError):
        return not isinstance(exc, _PERMANENT_BOTOCORE)
    return False


def aws_is_not_found(exc: BaseException) -> bool:
    """True when AWS says the key, bucket, table, distribution or function asked for does not exist.

    Callers that must tell a missing object from a missing bucket (a misconfiguration) check
    ``aws_error_code`` for ``NoSuchBucket`` first.
    """
    if not isinstance(exc, ClientError):
        return False
    return aws_error_code(exc) in NOT_FOUND_CODES or aws_error_status(exc) == 404


@contextmanager
def aws_retry_only_transient() -> Iterator[None]:
    """For a task whose ``autoretry_for`` lists ``ClientError``/``BotoCoreError``: a permanent AWS
    error leaves as ``RemoteError(transient=False)``, which no task retries. Retrying access
    denied or a missing table for half an hour only delays the log line a person must read."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        if aws_is_transient(exc):
            raise
        code = aws_error_code(exc) or type(exc).__name__
        raise RemoteError(f"AWS refused ({code}): {exc}"[:500], transient=False, code=code) from exc
