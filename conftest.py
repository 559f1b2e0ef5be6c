"""Fixtures shared by every app's tests: AWS through moto, brands with real (moto) buckets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from moto import mock_aws

from jada.aws import aws_clients_reset

# Under CI (any true value) a skipped test fails the run: see jada/pytest_ci.py.
pytest_plugins = ["jada.pytest_ci"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    """Every test runs inside moto, so nothing can reach real AWS; clients are rebuilt inside it."""
    with mock_aws():
        aws_clients_reset()
        yield
    aws_clients_reset()


@pytest.fixture
def service_key() -> str:
    return settings.TEST_SERVICE_KEY


@pytest.fixture
def moto_server(settings: Any) -> Iterator[str]:
    """An AWS stand-in on loopback like `make run`'s (global CORS left on, so a browser may POST
    to it); every boto3 client of the project points at it for the test."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings.AWS_ENDPOINT_URL = f"http://{host}:{port}"
    aws_clients_reset()
    try:
        yield settings.AWS_ENDPOINT_URL
    finally:
        aws_clients_reset()
        server.stop()


@pytest.fixture
def wsgi_transport() -> Iterator[httpx.WSGITransport]:
    """An httpx transport into the real WSGI application, sharing the test's database connection.

    Like Django's test client, it stops the request signals from closing the connection, which
    would otherwise end the test's transaction after the first request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield httpx.WSGITransport(app=get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# --- Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) -----------
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if settings.TESTS_REQUIRE_SERVICES:
            pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium).")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def desktop_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
