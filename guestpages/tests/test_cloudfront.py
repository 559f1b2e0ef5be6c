"""The key-template mapping, the CloudFront Function generated from it, and its deployment.

One case table (cloudfront_cases.json) drives both this file and the Node test, so the Python
mapping the publisher and the preview use and the JavaScript the edge runs can never disagree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bookings.tests.factories import BrandFactory
from guestpages.cloudfront import (
    RUNTIME,
    cloudfront_function_source,
    edge_result,
    guest_page_key,
    guest_path_to_key,
)

HERE = Path(__file__).parent
TABLE = json.loads((HERE / "cloudfront_cases.json").read_text())
CASES = [(t["template"], c["uri"], c["expect"]) for t in TABLE["templates"] for c in t["cases"]]


@pytest.mark.parametrize(("template", "uri", "expect"), CASES, ids=[f"{t}|{u!r}" for t, u, _ in CASES])
def test_case_table_in_python(template: str, uri: str, expect: str | int) -> None:
    assert edge_result(uri, template) == expect
    key = guest_path_to_key(uri, template)
    if isinstance(expect, str) and expect != uri:
        assert key is not None and "/" + key == expect
    elif uri.startswith("/g/"):
        assert key is None


def test_publisher_key_matches_what_the_function_serves() -> None:
    key = guest_page_key("jada-guest-{code}.html", "XHQGMDH")
    assert key == "jada-guest-xhqgmdh.html"
    assert edge_result("/g/XHQGMDH", "jada-guest-{code}.html") == "/" + key


def test_case_table_in_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the CloudFront Function cannot be tested.")
    done = subprocess.run(
        [node, "--test", str(HERE / "cloudfront.test.mjs")],
        cwd=HERE.parent.parent,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"# pass {len(CASES) + 1}" in done.stdout
    assert "# fail 0" in done.stdout


@pytest.mark.django_db
def test_cloudfront_function_command_prints_the_generated_function() -> None:
    BrandFactory(slug="queenofsandiego", guest_page_key_template="qsd/{code}.html")
    out = StringIO()
    call_command("cloudfront_function", "queenofsandiego", stdout=out)
    printed = out.getvalue()
    assert printed == cloudfront_function_source(key_template="qsd/{code}.html", brand_slug="queenofsandiego")
    assert "function handler(event) {" in printed
    assert RUNTIME == "cloudfront-js-2.0" and "cloudfront-js-2.0" in printed
    assert 'var KEY_PREFIX = "qsd/";' in printed


@pytest.mark.django_db
def test_cloudfront_function_command_unknown_brand() -> None:
    BrandFactory(slug="sailjada")
    with pytest.raises(CommandError, match=r"No brand has slug 'nope' \(brands: sailjada\)"):
        call_command("cloudfront_function", "nope")


def test_key_template_string_is_a_js_literal() -> None:
    source = cloudfront_function_source(key_template='a"b\\{code}.html')
    assert 'var KEY_PREFIX = "a\\"b\\\\";' in source


@pytest.mark.django_db
def test_deploy_creates_then_replaces_the_function_on_the_stand_in(moto_server: str) -> None:
    from jada.aws import aws_client

    BrandFactory(slug="queenofsandiego")
    out = StringIO()
    call_command("deploy_cloudfront_function", "queenofsandiego", stdout=out)
    assert "jada-guest-rewrite-queenofsandiego: created" in out.getvalue()
    call_command("deploy_cloudfront_function", "queenofsandiego", stdout=out)
    assert "replaced (stand-in)" in out.getvalue()
    stored = aws_client("cloudfront", region="us-east-1").get_function(
        Name="jada-guest-rewrite-queenofsandiego", Stage="DEVELOPMENT"
    )
    assert stored["FunctionCode"].read().decode() == cloudfront_function_source(
        key_template="jada-guest-{code}.html", brand_slug="queenofsandiego"
    )
