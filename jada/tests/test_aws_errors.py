"""The one classification of AWS errors: what a retry may fix, and what is simply absent."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

from jada.aws import TRANSIENT_CODES, aws_client, aws_is_not_found, aws_is_transient


def client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "said AWS"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Op")


@pytest.mark.parametrize(
    "code",
    [
        "Throttling",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "TooManyRequestsException",
        "RequestThrottled",
        "TooManyInvalidationsInProgress",
        "RequestTimeout",
        "InternalError",
        "ServiceUnavailable",
    ],
)
def test_throttling_and_server_trouble_are_transient(code: str) -> None:
    assert aws_is_transient(client_error(code))


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_any_5xx_or_429_is_transient_whatever_the_code(status: int) -> None:
    assert aws_is_transient(client_error("SomethingNew", status))


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("AccessDenied", 403),
        ("ValidationException", 400),
        ("ConditionalCheckFailedException", 400),
        ("NoSuchBucket", 404),
        ("NoSuchKey", 404),
        ("ResourceNotFoundException", 400),
        ("", 0),
    ],
)
def test_refusals_are_permanent(code: str, status: int) -> None:
    assert not aws_is_transient(client_error(code, status))


def test_botocore_failures_to_reach_aws_are_transient_but_its_own_refusals_are_not() -> None:
    assert aws_is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert aws_is_transient(ReadTimeoutError(endpoint_url="http://127.0.0.1:9"))
    assert aws_is_transient(ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"))
    assert aws_is_transient(NoCredentialsError())  # the instance role may answer on the next try
    assert not aws_is_transient(ParamValidationError(report="Bucket is required"))
    assert not aws_is_transient(NoRegionError())


def test_errors_that_are_not_aws_are_neither() -> None:
    for exc in (ValueError("x"), RuntimeError("y"), KeyError("z")):
        assert not aws_is_transient(exc)
        assert not aws_is_not_found(exc)


def test_our_list_holds_everything_botocore_itself_retries() -> None:
    # Pinned so that a botocore upgrade adding a throttling code cannot leave our list behind.
    throttled: Any = ThrottledRetryableChecker
    transient: Any = TransientRetryableChecker
    assert set(throttled._THROTTLED_ERROR_CODES) <= TRANSIENT_CODES
    assert set(transient._TRANSIENT_ERROR_CODES) <= TRANSIENT_CODES


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("404", 404),
        ("NoSuchKey", 404),
        ("NotFound", 404),
        ("NoSuchBucket", 404),
        ("ResourceNotFoundException", 400),
        ("NoSuchDistribution", 404),
        ("NoSuchFunctionExists", 404),
        ("SomethingMissing", 404),
    ],
)
def test_not_found(code: str, status: int) -> None:
    assert aws_is_not_found(client_error(code, status))
    assert not aws_is_transient(client_error(code, status))


@pytest.mark.parametrize(("code", "status"), [("AccessDenied", 403), ("Throttling", 400), ("InternalError", 500)])
def test_other_errors_are_not_not_found(code: str, status: int) -> None:
    assert not aws_is_not_found(client_error(code, status))


def test_what_moto_answers_for_missing_things_is_not_found() -> None:
    """The real shapes: S3 HEAD (bare 404), S3 GET (NoSuchKey), DynamoDB (ResourceNotFoundException)."""
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="probe")
    answers = []
    for call in (
        lambda: s3.head_object(Bucket="probe", Key="missing.html"),
        lambda: s3.get_object(Bucket="probe", Key="missing.html"),
        lambda: s3.head_bucket(Bucket="no-such-bucket-here"),
        lambda: aws_client("dynamodb").describe_table(TableName="no-such-table"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        answers.append(caught.value)
    assert [aws_is_not_found(exc) for exc in answers] == [True] * 4
    assert [aws_is_transient(exc) for exc in answers] == [False] * 4


def test_retry_only_transient_lets_throttling_through_and_turns_refusals_final() -> None:
    from jada.aws import aws_retry_only_transient
    from jada.errors import RemoteError

    with pytest.raises(ClientError), aws_retry_only_transient():
        raise client_error("ThrottlingException")
    with pytest.raises(RemoteError) as caught, aws_retry_only_transient():
        raise client_error("AccessDeniedException", 403)
    assert caught.value.transient is False and caught.value.code == "AccessDeniedException"
