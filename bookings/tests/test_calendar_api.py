"""The internal calendar API, called through its real client over an in-process WSGI transport."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from django.test import Client, override_settings

from bookings.calendar_api import dashboard_token_valid
from bookings.calendar_client import CalendarClient
from bookings.models import InternalCalendarEvent
from jada.errors import ConfigurationError, RemoteError

pytestmark = pytest.mark.django_db
BASE = "http://testserver/api/calendar"
TOKEN = "test-dashboard-token"


@pytest.fixture
def transport(wsgi_transport: httpx.WSGITransport) -> httpx.WSGITransport:
    return wsgi_transport


@pytest.fixture
def raw(transport: httpx.WSGITransport) -> httpx.Client:
    """A bare HTTP client for requests the real client would never send."""
    return httpx.Client(transport=transport, base_url="http://testserver")


@pytest.fixture
def calendar(transport: httpx.WSGITransport) -> CalendarClient:
    return CalendarClient(BASE, transport=transport, sleep=lambda s: None)


def _entry(**overrides: object) -> dict[str, object]:
    return {
        "date": "2024-05-30",
        "charter_id": "XHQGMDH",
        "title": "JADA · Jordan Avery (6)",
        "starts_at": "2024-05-30T14:00:00-07:00",
        "ends_at": "2024-05-30T17:00:00-07:00",
        "vessel": "JADA",
        "brand": "queenofsandiego",
        "status": "confirmed",
        "guest_count": 6,
        **overrides,
    }


def test_post_creates_then_updates_by_charter_id(raw: httpx.Client) -> None:
    headers = {"X-Dashboard-Token": TOKEN}
    created = raw.post("/api/calendar", json=_entry(), headers=headers)
    assert created.status_code == 201
    assert created.json()["charter_id"] == "XHQGMDH"
    updated = raw.post("/api/calendar", json=_entry(charter_id="xhqgmdh", date="2024-06-01"), headers=headers)
    assert updated.status_code == 200
    assert updated.json()["date"] == "2024-06-01"
    assert InternalCalendarEvent.objects.count() == 1


def test_client_round_trip_upsert_list_delete(calendar: CalendarClient) -> None:
    stored = calendar.entry_upsert(_entry(starts_at="2024-05-30T21:00:00+00:00"), idempotency_key="k1")
    assert stored["starts_at"] == "2024-05-30T14:00:00-07:00"  # the same instant, in the company's zone
    assert (calendar.entry_get("XHQGMDH") or {})["starts_at"] == stored["starts_at"]
    calendar.entry_upsert(_entry(charter_id="ABC123", date="2024-07-04"), idempotency_key="k2")
    in_may = calendar.entries_between(date(2024, 5, 1), date(2024, 5, 31))
    assert [e["charter_id"] for e in in_may] == ["XHQGMDH"]
    assert len(calendar.entries_between(date(2024, 5, 30), date(2024, 7, 4))) == 2
    assert calendar.entry_delete("XHQGMDH") is True
    assert calendar.entry_delete("XHQGMDH") is False  # already gone is not an error
    assert calendar.entry_get("XHQGMDH") is None
    assert list(InternalCalendarEvent.objects.values_list("charter_id", flat=True)) == ["ABC123"]


def test_repeated_idempotency_key_changes_nothing(calendar: CalendarClient) -> None:
    calendar.entry_upsert(_entry(title="first"), idempotency_key="same")
    calendar.entry_upsert(_entry(title="replayed with a stale body"), idempotency_key="same")
    assert InternalCalendarEvent.objects.get().title == "first"
    calendar.entry_upsert(_entry(title="new"), idempotency_key="other")
    assert InternalCalendarEvent.objects.get().title == "new"


def test_unknown_fields_are_ignored_and_never_stored(raw: httpx.Client) -> None:
    body = _entry(gross_revenue="1450.00", internal_notes="payout $1,232.50")
    response = raw.post("/api/calendar", json=body, headers={"X-Dashboard-Token": TOKEN})
    assert response.status_code == 201
    assert "gross_revenue" not in response.json()
    assert "1,232" not in str(InternalCalendarEvent.objects.values().get())


@pytest.mark.parametrize(
    "token",
    [None, "", "wrong", TOKEN + "x", TOKEN[:-1], "x" * 10_000, TOKEN.upper()],
    ids=["missing", "empty", "wrong", "longer", "shorter", "10kB", "case"],
)
def test_wrong_token_is_401_json(raw: httpx.Client, token: str | None) -> None:
    headers = {} if token is None else {"X-Dashboard-Token": token}
    for response in (
        raw.post("/api/calendar", json=_entry(), headers=headers),
        raw.get("/api/calendar?from=2024-01-01&to=2024-12-31", headers=headers),
        raw.delete("/api/calendar/XHQGMDH", headers=headers),
    ):
        assert response.status_code == 401
        assert response.json() == {"error": "Missing or wrong X-Dashboard-Token."}
    assert not InternalCalendarEvent.objects.exists()


def test_non_ascii_token_bytes_are_401(client: Client) -> None:
    # WSGI hands header bytes over decoded as latin-1; httpx cannot send them, Django's client can.
    odd = "ünïcödé".encode().decode("latin-1") + "\x00\xff"
    response = client.get("/api/calendar?from=2024-01-01&to=2024-01-02", HTTP_X_DASHBOARD_TOKEN=odd)
    assert response.status_code == 401


def test_unset_token_is_503_saying_so(raw: httpx.Client) -> None:
    with override_settings(DASHBOARD_TOKEN=None):
        response = raw.post("/api/calendar", json=_entry(), headers={"X-Dashboard-Token": "anything"})
    assert response.status_code == 503
    assert "DASHBOARD_TOKEN is not set" in response.json()["error"]


def test_client_refuses_to_start_without_a_token() -> None:
    with override_settings(DASHBOARD_TOKEN=None), pytest.raises(ConfigurationError, match="DASHBOARD_TOKEN"):
        CalendarClient(BASE)


def test_token_check_is_exact() -> None:
    assert dashboard_token_valid(TOKEN)
    assert not dashboard_token_valid(None)
    assert not dashboard_token_valid(TOKEN + " ")
    assert not dashboard_token_valid("\udcff")  # a lone surrogate from a latin-1 decoded header


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_entry(charter_id=None), "charter_id"),
        (_entry(charter_id="XH-QG"), "charter_id"),
        (_entry(charter_id="X" * 33), "charter_id"),
        (_entry(charter_id="ABC\n"), "charter_id"),
        (_entry(charter_id=["XHQGMDH"]), "charter_id"),
        (_entry(date=None), "date"),
        (_entry(date="30/05/2024"), "date"),
        (_entry(date="2024-02-30"), "date"),
        (_entry(date="٢٠٢٤-٠٥-٣٠"), "date"),
        (_entry(starts_at="2024-05-30T14:00:00"), "starts_at"),
        (_entry(starts_at="tomorrow"), "starts_at"),
        (_entry(ends_at="2024-05-30T13:00:00-07:00"), "ends_at"),
        (_entry(guest_count="6"), "guest_count"),
        (_entry(guest_count=True), "guest_count"),
        (_entry(title="t" * 201), "title"),
        (_entry(vessel=7), "vessel"),
    ],
)
def test_malformed_fields_are_400_naming_the_field(raw: httpx.Client, body: dict[str, object], field: str) -> None:
    response = raw.post("/api/calendar", json=body, headers={"X-Dashboard-Token": TOKEN})
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert field in response.json()["error"]


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"\xff\xfe\x00garbage", b"[1, 2]", b'"text"', b"null", b"[" * 100_000, b'{"a": 1e999999}'],
    ids=["empty", "text", "non-utf8", "list", "string", "null", "deep", "huge-number"],
)
def test_odd_bodies_are_400_not_500(raw: httpx.Client, content: bytes) -> None:
    headers = {"X-Dashboard-Token": TOKEN, "Content-Type": "application/json"}
    response = raw.post("/api/calendar", content=content, headers=headers)
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "from=2024-01-01",
        "to=2024-01-01",
        "from=2024-13-01&to=2024-12-31",
        "from=2024-12-31&to=2024-01-01",
        "from=2020-01-01&to=2024-12-31",
        "from=%FF%FE&to=2024-01-01",
    ],
)
def test_bad_range_is_400(raw: httpx.Client, query: str) -> None:
    response = raw.get(f"/api/calendar?{query}", headers={"X-Dashboard-Token": TOKEN})
    assert response.status_code == 400
    assert response.json()["field"] in {"from", "to"}


def test_odd_paths_and_methods_never_500(raw: httpx.Client) -> None:
    headers = {"X-Dashboard-Token": TOKEN, "X-Padding": "p" * 10_000}
    assert raw.delete("/api/calendar/NO-SUCH", headers=headers).status_code == 400
    assert raw.delete("/api/calendar/NOSUCH", headers=headers).status_code == 404
    assert raw.put("/api/calendar", headers=headers).status_code == 405
    assert raw.post("/api/calendar/XHQGMDH", headers=headers).status_code == 405


def test_non_utf8_path_is_not_a_500(client: Client) -> None:
    response = client.get("/api/calendar/%FF%FE", HTTP_X_DASHBOARD_TOKEN=TOKEN)
    assert response.status_code in {400, 404}


def _flaky_app(statuses: list[int]) -> httpx.MockTransport:
    """A stand-in *remote* that fails in a set sequence (the real API cannot be made to 5xx)."""

    def handler(request: httpx.Request) -> httpx.Response:
        status = statuses.pop(0) if statuses else 200
        if status == 0:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(status, json={"error": "boom"} if status >= 400 else {"charter_id": "X", "ok": 1})

    return httpx.MockTransport(handler)


def test_client_retries_5xx_and_timeouts_then_succeeds() -> None:
    statuses = [502, 0]
    client = CalendarClient(BASE, transport=_flaky_app(statuses), sleep=lambda s: None)
    assert client.entry_upsert(_entry(), idempotency_key="k")["ok"] == 1
    assert statuses == []


def test_client_gives_up_on_persistent_5xx_as_transient() -> None:
    client = CalendarClient(BASE, transport=_flaky_app([503, 503, 503, 503]), sleep=lambda s: None)
    with pytest.raises(RemoteError) as caught:
        client.entry_upsert(_entry(), idempotency_key="k")
    assert caught.value.transient is True
    assert "503" in caught.value.message


def test_client_does_not_retry_4xx() -> None:
    statuses = [400, 200]
    client = CalendarClient(BASE, transport=_flaky_app(statuses), sleep=lambda s: None)
    with pytest.raises(RemoteError) as caught:
        client.entry_upsert(_entry(), idempotency_key="k")
    assert caught.value.transient is False
    assert statuses == [200]  # exactly one request was made


def test_client_never_puts_the_token_in_errors(transport: httpx.WSGITransport) -> None:
    client = CalendarClient(BASE, token="a-secret-that-is-wrong", transport=transport, sleep=lambda s: None)
    with pytest.raises(RemoteError) as caught:
        client.entry_upsert(_entry(), idempotency_key="k")
    assert "401" in caught.value.message
    assert "a-secret-that-is-wrong" not in caught.value.message
