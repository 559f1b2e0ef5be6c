"""The public photo-upload API through the real WSGI app: every refusal, the signed policy, CORS."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from guestpages.models import GuestPhoto
from guestpages.tests.conftest import make_charter, tiny_png
from jada.aws import aws_client

pytestmark = pytest.mark.django_db
URL = "/api/guest/{}/photo-upload"
CONFIRM = "/api/guest/{}/photo-uploaded"
GOOD = {"content_type": "image/png", "filename": "deck.png", "size": 1234}


@pytest.fixture
def open_charter(brand: Any) -> Any:
    start = timezone.now() + timedelta(hours=1)
    return make_charter(
        brand=brand, status="confirmed", code="OPEN1", starts_at=start, ends_at=start + timedelta(hours=3)
    )


def post(api: httpx.Client, code: str, payload: Any = GOOD, **kwargs: Any) -> httpx.Response:
    if "content" in kwargs:
        return api.post(URL.format(code), **kwargs)
    return api.post(URL.format(code), json=payload, **kwargs)


def test_grant_inside_the_window(api: httpx.Client, open_charter: Any) -> None:
    response = post(api, "open1")
    assert response.status_code == 200, response.text
    grant = response.json()
    assert set(grant) == {"url", "fields", "key", "expires_in", "max_bytes"}
    assert grant["key"].startswith("guest-photos/open1/") and grant["key"].endswith(".png")
    assert grant["fields"]["key"] == grant["key"]
    assert grant["fields"]["Content-Type"] == "image/png"
    assert grant["url"].endswith("/queen-guest-pages") or "queen-guest-pages" in grant["url"]
    assert 0 < grant["expires_in"] <= 300
    assert grant["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # SigV2 is refused by newer S3 regions
    assert "AWSAccessKeyId" not in grant["fields"]

    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 25 * 1024 * 1024] in conditions
    assert ["starts-with", "$key", "guest-photos/open1/"] in conditions
    assert ["eq", "$Content-Type", "image/png"] in conditions
    assert {"bucket": "queen-guest-pages"} in conditions
    assert {"key": grant["key"]} in conditions
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timezone.now() < expiration <= timezone.now() + timedelta(seconds=301)


def test_grant_expires_when_the_window_closes(api: httpx.Client, brand: Any) -> None:
    end = timezone.now() - timedelta(days=7) + timedelta(seconds=90)
    make_charter(brand=brand, status="completed", code="LATE1", starts_at=end - timedelta(hours=3), ends_at=end)
    response = post(api, "LATE1")
    assert response.status_code == 200
    assert 80 <= response.json()["expires_in"] <= 90


def test_each_allowed_type(api: httpx.Client, open_charter: Any) -> None:
    for content_type, ext in [
        ("image/jpeg", "jpg"),
        ("image/heic", "heic"),
        ("image/webp", "webp"),
        ("IMAGE/PNG", "png"),
    ]:
        response = post(api, "OPEN1", {"content_type": content_type, "size": 10})
        assert response.status_code == 200, content_type
        assert response.json()["key"].endswith("." + ext)


def test_not_open_yet_says_when(api: httpx.Client, brand: Any) -> None:
    charter = make_charter(brand=brand, status="confirmed", code="SOON1")  # starts in 3 days
    response = post(api, "SOON1")
    assert response.status_code == 403
    data = response.json()
    opens = charter.starts_at - timedelta(hours=2)
    assert data["state"] == "not_open"
    assert data["opens_at"] == opens.isoformat()
    assert data["error"] == f"Photo upload is not open yet; it opens at {opens.isoformat()}."


def test_closed_after_the_window(api: httpx.Client, brand: Any) -> None:
    start = timezone.now() - timedelta(days=8)
    make_charter(brand=brand, status="completed", code="PAST1", starts_at=start, ends_at=start + timedelta(hours=3))
    response = post(api, "PAST1")
    assert response.status_code == 403
    assert response.json()["state"] == "closed"
    assert response.json()["error"] == "Photo upload for this charter has closed."


def test_closed_when_cancelled(api: httpx.Client, open_charter: Any) -> None:
    open_charter.status = "cancelled"
    open_charter.save()
    response = post(api, "OPEN1")
    assert response.status_code == 403 and response.json()["state"] == "closed"


@pytest.mark.parametrize("code", ["NOPE1", "AB", "A" * 17, "ÄBCDE", "abc%2Fdef", "..%2F..", "x" * 300])
def test_unknown_code_is_404(api: httpx.Client, open_charter: Any, code: str) -> None:
    response = post(api, code)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"filename": "a.png", "size": 10}, "content_type"),
        ({"content_type": "image/gif", "size": 10}, "content_type"),
        ({"content_type": ["image/png"], "size": 10}, "content_type"),
        ({"content_type": "image/png"}, "size"),
        ({"content_type": "image/png", "size": 0}, "size"),
        ({"content_type": "image/png", "size": 25 * 1024 * 1024 + 1}, "size"),
        ({"content_type": "image/png", "size": True}, "size"),
        ({"content_type": "image/png", "size": "10"}, "size"),
        ({"content_type": "image/png", "size": 1.5}, "size"),
        ({"content_type": "image/png", "size": 10, "filename": "x" * 256}, "filename"),
        ({"content_type": "image/png", "size": 10, "filename": 7}, "filename"),
        (["image/png"], "body"),
        ("image/png", "body"),
        (None, "body"),
    ],
)
def test_bad_request_names_the_field(api: httpx.Client, open_charter: Any, payload: Any, field: str) -> None:
    response = post(api, "OPEN1", payload)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert field in response.json()["error"] or field == "body"


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe{}", b'{"content_type": "\xc3\x28"}', b"x" * 5000])
def test_odd_bodies_are_400(api: httpx.Client, open_charter: Any, raw: bytes) -> None:
    response = post(api, "OPEN1", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_huge_header_and_wrong_method(api: httpx.Client, open_charter: Any) -> None:
    response = post(api, "OPEN1", headers={"X-Junk": "a" * 10_000, "Origin": "https://" + "b" * 10_000})
    assert response.status_code == 200
    response = api.get(URL.format("OPEN1"))
    assert response.status_code == 405 and response.headers["allow"] == "POST, OPTIONS"


def test_rate_limited_per_client(api: httpx.Client, open_charter: Any, settings: Any) -> None:
    settings.GUEST_PHOTO_RATE_LIMIT = 3
    assert [post(api, "OPEN1").status_code for _ in range(3)] == [200, 200, 200]
    limited = post(api, "OPEN1")
    assert limited.status_code == 429 and "Too many requests" in limited.json()["error"]
    assert limited.headers["retry-after"] == "600"
    assert post(api, "NOPE1").status_code == 429  # guessing codes counts too
    other = httpx.Client(
        transport=httpx.WSGITransport(app=api._transport.app, remote_addr="198.51.100.9"),  # type: ignore[attr-defined]
        base_url="http://testserver",
    )
    assert post(other, "OPEN1").status_code == 200


def test_cors_only_for_the_brands_own_site(api: httpx.Client, open_charter: Any) -> None:
    ours = post(api, "OPEN1", headers={"Origin": "https://queen.example.com"})
    assert ours.headers["access-control-allow-origin"] == "https://queen.example.com"
    www = post(api, "OPEN1", headers={"Origin": "https://www.queen.example.com"})
    assert www.headers["access-control-allow-origin"] == "https://www.queen.example.com"
    for origin in ["https://evil.example", "https://jada.example.com", "http://queen.example.com", "null"]:
        assert "access-control-allow-origin" not in post(api, "OPEN1", headers={"Origin": origin}).headers
    preflight = api.options(
        URL.format("OPEN1"),
        headers={"Origin": "https://queen.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert preflight.headers["access-control-allow-headers"] == "Content-Type"


def test_local_preview_origin_only_with_a_stand_in(api: httpx.Client, open_charter: Any, settings: Any) -> None:
    local = {"Origin": "http://queen.localhost:8000"}
    assert "access-control-allow-origin" not in post(api, "OPEN1", headers=local).headers
    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"
    assert post(api, "OPEN1", headers=local).headers["access-control-allow-origin"] == "http://queen.localhost:8000"


# --- confirming an upload ------------------------------------------------------------------------


def put(key: str, data: bytes, content_type: str) -> None:
    aws_client("s3").put_object(Bucket="queen-guest-pages", Key=key, Body=data, ContentType=content_type)


def test_confirm_records_a_checked_photo_once(api: httpx.Client, open_charter: Any) -> None:
    key = post(api, "OPEN1").json()["key"]
    put(key, tiny_png(), "image/png")
    first = api.post(CONFIRM.format("OPEN1"), json={"key": key})
    again = api.post(CONFIRM.format("open1"), json={"key": key})
    assert first.status_code == again.status_code == 200
    photo = GuestPhoto.objects.get()
    assert (photo.charter_id, photo.object_key, photo.content_type) == (open_charter.pk, key, "image/png")
    assert photo.size_bytes == len(tiny_png()) and not photo.hidden


def test_confirm_refusals(api: httpx.Client, open_charter: Any, brand: Any) -> None:
    other = make_charter(brand=brand, status="confirmed", code="OTHER1")
    cases = [
        ({"key": "guest-photos/open1/missing.png"}, "No photo was uploaded"),
        ({"key": f"guest-photos/{other.code.lower()}/a.png"}, "not a photo key of this charter"),
        ({"key": "guest-photos/open1/../x.png"}, "not a photo key"),
        ({"key": ""}, "key must be"),
        ({}, "key must be"),
    ]
    for payload, message in cases:
        response = api.post(CONFIRM.format("OPEN1"), json=payload)
        assert response.status_code == 400, payload
        assert message in response.json()["error"]
        assert response.json()["field"] == "key"
    put("guest-photos/open1/fake.png", b"<html>not a png</html>", "image/png")
    response = api.post(CONFIRM.format("OPEN1"), json={"key": "guest-photos/open1/fake.png"})
    assert response.status_code == 400 and "not the kind of image" in response.json()["error"]
    with pytest.raises(aws_client("s3").exceptions.ClientError):
        aws_client("s3").head_object(Bucket="queen-guest-pages", Key="guest-photos/open1/fake.png")
    put("guest-photos/open1/doc.png", tiny_png(), "application/pdf")
    response = api.post(CONFIRM.format("OPEN1"), json={"key": "guest-photos/open1/doc.png"})
    assert response.status_code == 400 and "not a photo type" in response.json()["error"]
    assert api.post(CONFIRM.format("NOPE1"), json={"key": "x"}).status_code == 404
    assert GuestPhoto.objects.count() == 0
