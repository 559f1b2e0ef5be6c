from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from bookings.demo import demo_seed
from jada.aws import aws_client, aws_clients_reset


@override_settings(AWS_ENDPOINT_URL="http://127.0.0.1:4566")
def test_every_client_honours_aws_endpoint_url() -> None:
    aws_clients_reset()
    assert aws_client("s3").meta.endpoint_url == "http://127.0.0.1:4566"
    assert aws_client("dynamodb", region="eu-west-1").meta.endpoint_url == "http://127.0.0.1:4566"
    aws_clients_reset()


@pytest.mark.django_db
def test_bootstrap_aws_creates_buckets_with_cors_and_the_table_idempotently() -> None:
    demo_seed()
    out = StringIO()
    call_command("bootstrap_aws", stdout=out)
    call_command("bootstrap_aws", stdout=out)
    s3 = aws_client("s3")
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {"sailjada-guest-pages", "queenofsandiego-guest-pages"} <= buckets
    rules = s3.get_bucket_cors(Bucket="queenofsandiego-guest-pages")["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["https://queenofsandiego.com", "https://www.queenofsandiego.com"]
    assert aws_client("dynamodb").describe_table(TableName="scc-events-test")["Table"]["TableStatus"] == "ACTIVE"
    assert "table scc-events-test: ok" in out.getvalue()
