"""CORS on every answer of the photo API, refusals included: the guest page's script must be able
to read why it was refused (not open yet, a bad field, too many requests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from guestpages.tests.conftest import make_charter

pytestmark = pytest.mark.django_db
OURS = {"Origin": "https://queen.example.com"}
GOOD = {"content_type": "image/png", "size": 10}


def test_refusals_carry_cors_for_the_brands_site(api: httpx.Client, brand: Any, settings: Any) -> None:
    make_charter(brand=brand, status="confirmed", code="SOON1")  # its window opens in days
    start = timezone.now() + timedelta(hours=1)
    make_charter(brand=brand, status="confirmed", code="OPEN1", starts_at=start, ends_at=start + timedelta(hours=3))
    not_open = api.post("/api/guest/SOON1/photo-upload", json=GOOD, headers=OURS)
    bad_field = api.post("/api/guest/OPEN1/photo-upload", json={"content_type": "image/gif", "size": 10}, headers=OURS)
    bad_body = api.post("/api/guest/OPEN1/photo-upload", content=b"[]", headers=OURS)
    not_allowed = api.get("/api/guest/OPEN1/photo-upload", headers=OURS)
    settings.GUEST_PHOTO_RATE_LIMIT = 3  # the three POSTs above counted
    limited = api.post("/api/guest/OPEN1/photo-upload", json=GOOD, headers=OURS)
    for response, status in [(not_open, 403), (bad_field, 400), (bad_body, 400), (not_allowed, 405), (limited, 429)]:
        assert response.status_code == status, response.text
        assert response.headers["access-control-allow-origin"] == "https://queen.example.com", status
        assert response.headers["vary"] == "Origin"
        assert "error" in response.json()


def test_another_brands_site_gets_no_cors_for_this_charter(api: httpx.Client, brand: Any, other_brand: Any) -> None:
    start = timezone.now() + timedelta(hours=1)
    make_charter(brand=brand, status="confirmed", code="OPEN1", starts_at=start, ends_at=start + timedelta(hours=3))
    theirs = {"Origin": "https://jada.example.com"}
    for response in (
        api.post("/api/guest/OPEN1/photo-upload", json=GOOD, headers=theirs),
        api.options("/api/guest/OPEN1/photo-upload", headers={**theirs, "Access-Control-Request-Method": "POST"}),
    ):
        assert response.status_code in {200, 204}
        assert "access-control-allow-origin" not in response.headers


def test_unknown_code_and_other_paths_get_no_cors(api: httpx.Client, brand: Any) -> None:
    missing = api.post("/api/guest/NOPE1/photo-upload", json=GOOD, headers=OURS)
    assert missing.status_code == 404 and "access-control-allow-origin" not in missing.headers
    calendar = api.post("/api/calendar", json={}, headers=OURS)
    assert "access-control-allow-origin" not in calendar.headers and "vary" not in calendar.headers
