"""Admin actions on charters (one line per charter, never a 500) and the photo thumbnails."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bookings.tests.factories import BrandFactory
from guestpages.models import GuestPage, GuestPhoto
from guestpages.tests.conftest import make_charter, tiny_png
from jada.aws import aws_client

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/bookings/charter/"


def act(client: Client, action: str, *charters: Any) -> list[str]:
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [c.pk for c in charters]}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_publish_republish_withdraw_one_line_each(admin_client: Client, charter: Any, brand: Any) -> None:
    second = make_charter(brand=brand, status="confirmed", code="SECOND2")
    lines = act(admin_client, "guest_page_publish_action", charter, second)
    assert lines == [
        "SECOND2: published — https://queen.example.com/g/SECOND2 (s3://queen-guest-pages/jada-guest-second2.html)",
        "XHQGMDH: published — https://queen.example.com/g/XHQGMDH (s3://queen-guest-pages/jada-guest-xhqgmdh.html)",
    ]
    act(admin_client, "guest_page_publish_action", charter)  # already live: left alone
    assert GuestPage.objects.get(charter=charter).published_version == 1
    act(admin_client, "guest_page_republish_action", charter)
    assert GuestPage.objects.get(charter=charter).published_version == 2
    lines = act(admin_client, "guest_page_withdraw_action", charter)
    assert lines == [
        "XHQGMDH: withdrawn — https://queen.example.com/g/XHQGMDH (s3://queen-guest-pages/jada-guest-xhqgmdh.html)"
    ]
    assert GuestPage.objects.get(charter=charter).withdrawn


def test_misconfigured_brand_gives_a_clear_line_not_a_500(admin_client: Client, charter: Any) -> None:
    broken = make_charter(brand=BrandFactory(slug="broken", distribution_id=""), status="confirmed", code="BROKEN1")
    lines = act(admin_client, "guest_page_republish_action", broken, charter)
    assert lines[0] == (
        "BROKEN1: not published — Brand 'broken' cannot publish guest pages: it needs a CloudFront "
        "distribution id. Fix it in the admin."
    )
    assert lines[1].startswith("XHQGMDH: published")
    cancelled = make_charter(brand=charter.brand, status="cancelled", code="CANCEL1")
    (line,) = act(admin_client, "guest_page_publish_action", cancelled)
    assert (
        line
        == "CANCEL1: not published — Charter CANCEL1 is cancelled: withdraw its guest page instead of publishing it."
    )


def test_charter_page_shows_photo_thumbnails(admin_client: Client, charter: Any) -> None:
    key = "guest-photos/xhqgmdh/abc.png"
    aws_client("s3").put_object(Bucket="queen-guest-pages", Key=key, Body=tiny_png(), ContentType="image/png")
    GuestPhoto.objects.create(charter=charter, object_key=key, content_type="image/png", size_bytes=70)
    response = admin_client.get(f"/admin/bookings/charter/{charter.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="guest-photo-thumb"' in html
    assert "queen-guest-pages/guest-photos/xhqgmdh/abc.png?" in html and "X-Amz-Signature=" in html
    assert 'name="guest_photos-0-hidden"' in html
