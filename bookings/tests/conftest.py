"""Fixtures for the bookings tests: our own HTTP APIs reached through real clients in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from jada.aws import aws_clients_reset


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


@pytest.fixture
def moto_server(settings: Any) -> Iterator[str]:
    """An AWS stand-in on loopback like `make run`'s; every boto3 client of the project points at it."""
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
