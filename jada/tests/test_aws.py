from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from bookings.demo import demo_seed
from jada.aws import aws_client, aws_clients_reset, aws_resource, aws_service_env_suffix


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


@override_settings(
    AWS_ENDPOINT_URL="http://127.0.0.1:4566",
    AWS_SERVICE_ENDPOINT_URLS={"DYNAMODB": "http://127.0.0.1:4567", "SECRETS_MANAGER": "http://127.0.0.1:4568"},
)
def test_a_service_specific_endpoint_overrides_aws_endpoint_url_for_that_service_alone() -> None:
    aws_clients_reset()
    assert aws_client("dynamodb").meta.endpoint_url == "http://127.0.0.1:4567"
    assert aws_resource("dynamodb").meta.client.meta.endpoint_url == "http://127.0.0.1:4567"
    assert aws_client("secretsmanager").meta.endpoint_url == "http://127.0.0.1:4568"
    assert aws_client("s3").meta.endpoint_url == "http://127.0.0.1:4566"
    assert aws_client("cloudfront").meta.endpoint_url == "http://127.0.0.1:4566"
    aws_clients_reset()


def test_the_service_specific_variable_is_spelled_as_botocore_spells_it() -> None:
    assert aws_service_env_suffix("dynamodb") == "DYNAMODB"
    assert aws_service_env_suffix("secretsmanager") == "SECRETS_MANAGER"
    assert aws_service_env_suffix("s3") == "S3"


def test_settings_collect_the_service_specific_endpoints() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        "PATH": os.environ.get("PATH", ""),
        "JADA_IGNORE_DOTENV": "true",
        "DJANGO_SETTINGS_MODULE": "jada.settings",
        "DJANGO_DEBUG": "true",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:4567/",
    }
    shown = subprocess.run(
        [sys.executable, "-c", "import jada.settings as s; print(s.AWS_SERVICE_ENDPOINT_URLS)"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.strip() == "{'DYNAMODB': 'http://127.0.0.1:4567'}"
