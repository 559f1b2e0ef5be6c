"""Admin actions on charters (one line per charter, never a 500) and the photo thumbnails."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guestpages.models import GuestPage, GuestPhoto
from guestpages.tests.conftest import make_charter, tiny_png
from jada.aws import aws_client

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/bookings/charter/"


def act(client: Client, action: str, *charters: Any) -> list[str]:
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [c.pk for c in charters]}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_republish_action_is_one_line_per_charter_and_runs_the_guest_page_target(
    admin_client: Client, charter: Any, brand: Any, django_capture_on_commit_callbacks: Any
) -> None:
    second = make_charter(brand=brand, status="confirmed", code="SECOND2")
    with django_capture_on_commit_callbacks() as callbacks:
        lines = act(admin_client, "guest_page_republish", charter, second)
    assert sorted(lines) == ["SECOND2 guest page being re-published.", "XHQGMDH guest page being re-published."]
    assert [cb.func.__self__.name for cb in callbacks] == ["bookings.tasks.push_guest_page"] * 2
    assert set(GuestPage.objects.values_list("sync_state", flat=True)) == {"pending"}


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
