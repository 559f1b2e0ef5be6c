"""The flow's calendar client is built once per process, and again only when its settings change."""

from __future__ import annotations

import pytest
from django.test import override_settings

from bookings.calendar_client import calendar_client
from jada.errors import ConfigurationError


@override_settings(CALENDAR_API_URL="http://calendar.internal.example/api/calendar", DASHBOARD_TOKEN="token-one")
def test_built_once_then_reused() -> None:
    assert calendar_client() is calendar_client()


@override_settings(CALENDAR_API_URL="http://calendar.internal.example/api/calendar", DASHBOARD_TOKEN="token-one")
def test_a_settings_change_builds_a_new_client() -> None:
    first = calendar_client()
    with override_settings(DASHBOARD_TOKEN="token-two"):
        second = calendar_client()
        assert second is not first
        assert second._http.headers["X-Dashboard-Token"] == "token-two"
    with override_settings(CALENDAR_API_URL="http://other.internal.example/api/calendar"):
        assert calendar_client().base_url == "http://other.internal.example/api/calendar"
    with override_settings(HTTP_CLIENT_TIMEOUT_SECONDS=3):
        assert calendar_client()._http.timeout.read == 3


@override_settings(DASHBOARD_TOKEN=None)
def test_no_token_is_a_configuration_error_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ConfigurationError, match="DASHBOARD_TOKEN"):
            calendar_client()
