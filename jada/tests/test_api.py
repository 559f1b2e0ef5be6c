"""The shared API plumbing (jada/api.py) across all three APIs, through the real WSGI app.

Odd input of every kind reaches each API with valid credentials (and some with odd ones): none
may answer 500, every refusal is JSON ``{"error": ...}``, and the one body cap answers 413.
The OpenAPI schema and its page are for staff only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.utils import timezone

from bookings.tests.factories import BrandFactory, CharterFactory
from crew import dynamo
from crew.service_key import service_key_cache_clear
from jada.api import API_BODY_MAX_BYTES, api_error_response, validation_error_json

pytestmark = pytest.mark.django_db

TOKEN = "test-dashboard-token"
KEY = settings.TEST_SERVICE_KEY
CALENDAR_ENTRY = {"charter_id": "XHQGMDH", "date": "2024-05-30", "title": "JADA"}
SCC_EVENT = {
    "charter_ref": "XHQGMDH",
    "title": "JADA charter",
    "starts_at": "2024-05-30T14:00:00-07:00",
    "ends_at": "2024-05-30T18:00:00-07:00",
}
PHOTO = {"content_type": "image/png", "size": 1234}


@pytest.fixture
def http(wsgi_transport: httpx.WSGITransport) -> Iterator[httpx.Client]:
    service_key_cache_clear()
    dynamo.crew_events_table_ensure()
    brand = BrandFactory(slug="queen", domain="queen.example.com", bucket="queen-guest-pages")
    start = timezone.now() + timedelta(hours=1)
    CharterFactory(brand=brand, status="confirmed", code="OPEN1", starts_at=start, ends_at=start + timedelta(hours=3))
    with httpx.Client(transport=wsgi_transport, base_url="http://testserver") as client:
        yield client
    service_key_cache_clear()


# (name, method, path, credentials, a valid body) for every route that reads a body.
APIS: list[tuple[str, str, str, dict[str, str], dict[str, Any]]] = [
    ("calendar", "POST", "/api/calendar", {"X-Dashboard-Token": TOKEN}, CALENDAR_ENTRY),
    ("scc-post", "POST", "/api/scc/events", {"X-Service-Key": KEY}, SCC_EVENT),
    ("scc-patch", "PATCH", "/api/scc/events/evt_00000000000000000000", {"X-Service-Key": KEY}, {"notes": "x"}),
    ("photo-upload", "POST", "/api/guest/OPEN1/photo-upload", {}, PHOTO),
    ("photo-uploaded", "POST", "/api/guest/OPEN1/photo-uploaded", {}, {"key": "guest-photos/open1/a.png"}),
]
ODD_BODIES: list[tuple[str, bytes, int]] = [
    ("empty", b"", 400),
    ("not-json", b"not json", 400),
    ("non-utf8", b"\xff\xfe{\x00}", 400),
    ("invalid-utf8-inside", b'{"title": "\xc3\x28"}', 400),
    ("array", b"[1, 2]", 400),
    ("array-of-object", b"[{}]", 400),
    ("string", b'"text"', 400),
    ("null", b"null", 400),
    ("number", b"7", 400),
    ("nan", b'{"title": NaN}', 400),
    ("infinity", b'{"size": Infinity}', 400),
    ("deep", b"[" * 50_000 + b"]" * 50_000, 400),
    ("deep-object", b'{"a":' * 20_000 + b"1" + b"}" * 20_000, 400),
    ("5000-digits", b'{"size": ' + b"9" * 5000 + b"}", 400),
    ("over-the-cap", b'{"title": "' + b"x" * API_BODY_MAX_BYTES + b'"}', 413),
]


@pytest.mark.parametrize(("name", "content", "status"), ODD_BODIES, ids=[b[0] for b in ODD_BODIES])
def test_odd_bodies_are_refused_as_json_naming_the_body(
    http: httpx.Client, name: str, content: bytes, status: int
) -> None:
    for api, method, path, credentials, _valid in APIS:
        headers = {**credentials, "Content-Type": "application/json"}
        response = http.request(method, path, content=content, headers=headers)
        assert response.status_code == status, (api, response.text[:300])
        assert response.headers["content-type"] == "application/json", api
        assert response.json()["field"] == "body", api
        assert response.json()["error"], api


HUGE_NUMBERS = [2**64, -(2**64), 10**300, 1e308, -1e308, 0.5]
NUMERIC_FIELDS = {
    "calendar": {"guest_count"},
    "scc-post": {"guest_count", "version"},
    "scc-patch": {"guest_count", "version"},
    "photo-upload": {"size"},
    "photo-uploaded": set(),
}


@pytest.mark.parametrize("number", HUGE_NUMBERS, ids=[str(n)[:12] for n in HUGE_NUMBERS])
def test_huge_numbers_in_any_field_are_400_naming_it(http: httpx.Client, number: float) -> None:
    for api, method, path, credentials, valid in APIS:
        for field in {*valid, *NUMERIC_FIELDS[api]}:
            body = json.dumps({**valid, field: number})
            headers = {**credentials, "Content-Type": "application/json"}
            response = http.request(method, path, content=body, headers=headers)
            if api == "scc-patch" and response.status_code == 404:
                continue  # a well-typed change to an event that does not exist
            assert response.status_code == 400, (api, field, response.text[:300])
            assert response.json()["field"] == field and field in response.json()["error"], (api, field)


ODD_HEADERS = [
    ("10kB-junk-header", {"X-Junk": "j" * 10_240}),
    ("10kB-origin", {"Origin": "https://" + "o" * 10_240}),
    ("10kB-idempotency-key", {"Idempotency-Key": "i" * 10_240}),
    ("odd-content-type", {"Content-Type": "text/plain; charset=latin-1"}),
]


@pytest.mark.parametrize(("name", "extra"), ODD_HEADERS, ids=[h[0] for h in ODD_HEADERS])
def test_odd_headers_with_a_valid_body_are_served(http: httpx.Client, name: str, extra: dict[str, str]) -> None:
    for api, method, path, credentials, valid in APIS:
        response = http.request(method, path, content=json.dumps(valid), headers={**credentials, **extra})
        # 404: the PATCHed event and the confirmed photo do not exist; 400: the photo was never uploaded.
        expected = {"scc-patch": 404, "photo-uploaded": 400}.get(api, 200 if api == "photo-upload" else 201)
        assert response.status_code == expected, (api, response.text[:300])
        assert isinstance(response.json(), dict)


BAD_CREDENTIALS = [
    ("missing", None),
    ("73-bytes", "k" * 73),
    ("10kB", "k" * 10_240),
    ("control-chars", "\t\x01"),
]


@pytest.mark.parametrize(("name", "value"), BAD_CREDENTIALS, ids=[c[0] for c in BAD_CREDENTIALS])
@pytest.mark.parametrize(
    ("header", "path", "message"),
    [
        ("X-Dashboard-Token", "/api/calendar", "Missing or wrong X-Dashboard-Token."),
        ("X-Service-Key", "/api/scc/events", "Missing or wrong X-Service-Key."),
    ],
    ids=["calendar", "scc"],
)
def test_bad_credentials_are_401_before_the_body_is_read(
    http: httpx.Client, header: str, path: str, message: str, name: str, value: str | None
) -> None:
    headers = {} if value is None else {header: value}
    response = http.post(path, content=b"\xff not even json", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": message}


def test_non_ascii_header_bytes_never_500(client: Client, http: httpx.Client) -> None:
    odd = "ünïcödé".encode().decode("latin-1") + "\x00\xff"
    for path, meta in [
        ("/api/calendar", "HTTP_X_DASHBOARD_TOKEN"),
        ("/api/scc/events", "HTTP_X_SERVICE_KEY"),
        ("/api/guest/OPEN1/photo-upload", "HTTP_ORIGIN"),
    ]:
        extra: dict[str, Any] = {meta: odd}
        response = client.post(path, PHOTO, content_type="application/json", **extra)
        assert response.status_code in {401, 200}, (path, response.content[:200])


@pytest.mark.parametrize(
    "path", ["/api/calendar/%FF%FE", "/api/scc/events/%FF%FE", "/api/guest/%FF%FE/photo-upload", "/api/nothing"]
)
def test_odd_paths_are_json_and_never_500(http: httpx.Client, client: Client, path: str) -> None:
    # Django's client: httpx's WSGI transport cannot put these bytes into PATH_INFO.
    response = client.post(
        path, {}, content_type="application/json", HTTP_X_DASHBOARD_TOKEN=TOKEN, HTTP_X_SERVICE_KEY=KEY
    )
    assert response.status_code in {400, 404, 405}
    assert "error" in response.json()


def test_body_over_djangos_own_limit_is_413(http: httpx.Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = http.post("/api/calendar", content=b"{" + b" " * 2000 + b"}", headers={"X-Dashboard-Token": TOKEN})
    assert response.status_code == 413
    assert response.json()["field"] == "body"


# --- the exception handler, for what the APIs cannot be made to do on demand ---------------------
def test_validation_errors_name_the_field_as_callers_write_it() -> None:
    errors = [{"type": "string_type", "loc": ("body", "payload", "crew", 0, "name"), "msg": "Input should be a str"}]
    assert validation_error_json(errors) == {"error": "crew[0].name: Input should be a str.", "field": "crew[0].name"}
    missing = [{"type": "missing", "loc": ("query", "from"), "msg": "Field required"}]
    assert validation_error_json(missing) == {"error": "from is required.", "field": "from"}
    ours = [{"type": "value_error", "loc": ("body", "payload", "size"), "msg": "Value error, size must be 1+."}]
    assert validation_error_json(ours) == {"error": "size must be 1+.", "field": "size"}
    whole = [{"type": "model_attributes_type", "loc": ("body", "payload"), "msg": "Input should be an object"}]
    assert validation_error_json(whole)["field"] == "body"


def test_aws_busy_in_an_api_is_503_with_retry_after_and_a_bug_stays_a_bug() -> None:
    request = RequestFactory().post("/api/scc/events")
    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem"
    )
    for exc in (throttled, EndpointConnectionError(endpoint_url="http://127.0.0.1:9")):
        response = api_error_response(request, exc)
        assert response.status_code == 503 and response["Retry-After"]
        assert "slow down" not in response.content.decode()  # AWS's words stay in the log
    for bug in (ClientError({"Error": {"Code": "ValidationException"}}, "PutItem"), ParamValidationError(report="x")):
        with pytest.raises(type(bug)):
            api_error_response(request, bug)


# --- OpenAPI for staff only ----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/docs", "/api/openapi.json"])
def test_anonymous_and_non_staff_never_see_the_schema(client: Client, path: str) -> None:
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    assert b"openapi" not in anonymous.content.lower()
    user = get_user_model().objects.create_user(username="crewmate", password="pw-crewmate-1")
    client.force_login(user)
    signed_in = client.get(path)
    assert signed_in.status_code == 302 and b"openapi" not in signed_in.content.lower()


def test_staff_read_the_schema_of_all_three_apis(admin_client: Client) -> None:
    schema = admin_client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/calendar"]) == {"get", "post"}
    assert set(paths["/api/calendar/{charter_id}"]) == {"get", "delete"}
    assert set(paths["/api/scc/events"]) == {"get", "post"}
    assert set(paths["/api/scc/events/{event_id}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/guest/{code}/photo-upload"]) == {"post"}
    assert set(paths["/api/guest/{code}/photo-uploaded"]) == {"post"}
    schemes = schema["components"]["securitySchemes"]
    assert {s["name"] for s in schemes.values()} == {"X-Dashboard-Token", "X-Service-Key"}
    page = admin_client.get("/api/docs")
    assert page.status_code == 200 and b"swagger" in page.content.lower()
