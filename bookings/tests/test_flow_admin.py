"""The flow in the admin: actions and progress, retry and reschedule, company calendar and its feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings.models import CalendarEntry, Charter, CharterStatus, DriftReport
from bookings.tests.factories import BrandFactory, CharterFactory
from crew.models import CrewEvent
from guestpages.models import GuestPage
from jada.models import AuditEntry, SyncState


def _target_tasks(callbacks: list[Any]) -> list[Any]:
    """The target tasks among what the transaction enqueued (guest messages are counted elsewhere)."""
    return [cb for cb in callbacks if cb.func.__self__.name.startswith("bookings.tasks.")]


pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Any:
    return get_user_model().objects.create_superuser("office", "office@example.com", "pw-for-tests-only")


@pytest.fixture
def admin_client(client: Client, staff: Any) -> Client:
    client.force_login(staff)
    return client


def _change_url(charter: Charter) -> str:
    return reverse("admin:bookings_charter_change", args=[charter.pk])


def test_confirm_action_on_many_charters_shows_progress(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    charters = CharterFactory.create_batch(3)
    done = CharterFactory(status=CharterStatus.COMPLETED)
    data = {"action": "confirm_everywhere", "_selected_action": [c.pk for c in [*charters, done]]}
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("admin:bookings_charter_changelist"), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:bookings_charter_progress") + "?ids=")
    assert len(_target_tasks(callbacks)) == 9  # plus one guest confirmation per charter
    assert set(Charter.objects.exclude(pk=done.pk).values_list("status", flat=True)) == {"confirmed"}
    page = admin_client.get(response["Location"])
    html = page.content.decode()
    assert "0 of 3" in html and 'http-equiv="refresh"' in html
    for charter in charters:
        assert f'data-code="{charter.code}" data-state="pending"' in html
    assert f'data-code="{done.code}"' not in html
    shown = [str(m) for m in page.context["messages"]]
    assert f"{done.code}: Charter {done.code} is completed; there is nothing left to confirm." in shown
    for model in (GuestPage, CalendarEntry, CrewEvent):
        model.objects.update(sync_state=SyncState.SYNCED)
    finished = admin_client.get(response["Location"]).content.decode()
    assert "3 of 3" in finished and 'http-equiv="refresh"' not in finished


def test_charter_page_shows_state_attempts_error_and_retry_for_failed_target(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    charter = CharterFactory()
    admin_client.post(reverse("admin:bookings_charter_flow", args=[charter.pk, "confirm"]))
    GuestPage.objects.update(sync_state=SyncState.SYNCED, remote_id="https://x.example.com/g/A")
    CalendarEntry.objects.update(sync_state=SyncState.SYNCED)
    CrewEvent.objects.update(sync_state=SyncState.FAILED, attempts=9, last_error="SCC answered 503")
    html = admin_client.get(_change_url(charter)).content.decode()
    assert "SCC answered 503" in html
    retry_url = reverse("admin:bookings_charter_flow", args=[charter.pk, "retry-crew_event"])
    assert f'formaction="{retry_url}"' in html
    assert "retry-calendar_entry" not in html  # only failed or pending targets get a retry button
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(retry_url)
    assert response["Location"] == _change_url(charter)
    assert [cb.func.__self__.name for cb in callbacks] == ["bookings.tasks.push_crew_event"]
    assert CrewEvent.objects.get().sync_state == SyncState.PENDING
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "charter.target_retry",
        "charter.confirm",
    ]


def test_flow_steps_refuse_get(admin_client: Client) -> None:
    charter = CharterFactory()
    assert admin_client.get(reverse("admin:bookings_charter_flow", args=[charter.pk, "confirm"])).status_code == 403
    assert Charter.objects.get().status == CharterStatus.INQUIRY


def test_cancel_button_withdraws_and_page_says_so(admin_client: Client) -> None:
    charter = CharterFactory(status=CharterStatus.CONFIRMED)
    admin_client.post(reverse("admin:bookings_charter_flow", args=[charter.pk, "cancel"]))
    assert Charter.objects.get().status == CharterStatus.CANCELLED
    for model in (GuestPage, CalendarEntry, CrewEvent):
        model.objects.update(sync_state=SyncState.SYNCED)
    html = admin_client.get(_change_url(charter)).content.decode()
    assert "withdrawn" in html and "removed" in html and "cancelled, crew told" in html


def test_status_and_times_of_a_confirmed_charter_change_only_through_the_flow(admin_client: Client) -> None:
    charter = CharterFactory(status=CharterStatus.CONFIRMED)
    form = admin_client.get(_change_url(charter)).context["adminform"].form
    assert "status" not in form.fields and "starts_at" not in form.fields


def test_reschedule_moves_the_charter_with_one_audit_entry(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    charter = CharterFactory(status=CharterStatus.CONFIRMED)
    url = reverse("admin:bookings_charter_reschedule", args=[charter.pk])
    assert admin_client.get(url).status_code == 200
    bad = admin_client.post(url, {"starts_at": "2030-06-01 14:00", "ends_at": "2030-06-01 13:00"})
    assert "A charter must end after it starts." in bad.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(url, {"starts_at": "2030-06-01 14:00", "ends_at": "2030-06-01 17:00"})
    assert response.status_code == 302
    charter.refresh_from_db()
    assert timezone.localtime(charter.starts_at).strftime("%Y-%m-%d %H:%M") == "2030-06-01 14:00"
    assert len(_target_tasks(callbacks)) == 3  # plus the guest "moved" message
    assert AuditEntry.objects.get().action == "charter.reschedule"


def test_company_calendar_month_and_week(admin_client: Client) -> None:
    brand = BrandFactory(theme_primary_color="#123456")
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    charter = CharterFactory(brand=brand, starts_at=start, ends_at=start + timedelta(hours=2))
    CalendarEntry.objects.create(charter=charter, sync_state=SyncState.FAILED)
    GuestPage.objects.create(charter=charter, sync_state=SyncState.SYNCED)
    other = CharterFactory(starts_at=start + timedelta(days=40), ends_at=start + timedelta(days=40, hours=2))
    url = reverse("admin:bookings_charter_calendar")
    month = admin_client.get(url).content.decode()
    assert f'data-code="{charter.code}" data-state="failed" data-brand="{brand.slug}"' in month
    assert "background: #123456" in month
    assert other.code not in month
    week = admin_client.get(url, {"view": "week", "date": start.date().isoformat()})
    assert week.context["mode"] == "week" and charter.code in week.content.decode()
    later = admin_client.get(url, {"date": (start + timedelta(days=40)).date().isoformat()}).content.decode()
    assert f'data-code="{other.code}" data-state="none"' in later
    assert admin_client.get(url, {"date": "not-a-date", "view": "<script>"}).status_code == 200


def test_ical_feed_for_staff_by_token_never_money(client: Client, staff: Any) -> None:
    charter = CharterFactory(internal_notes="payout $1,232.50")
    client.force_login(staff)
    feed_url = client.get(reverse("admin:bookings_charter_calendar")).context["feed_url"]
    client.logout()
    path = feed_url.removeprefix("http://testserver")
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"{charter.code}@jada-ops"]
    body = response.content.decode()
    assert "1450" not in body and "1,232" not in body and "payout" not in body
    assert client.get(reverse("admin:bookings_charter_calendar_feed")).status_code == 403
    assert client.get(path + "x").status_code == 403
    staff.set_password("a-new-password-for-tests")
    staff.save()
    assert client.get(path).status_code == 403  # changing the password revokes the feed URL


def test_feed_refuses_crew_and_former_staff(client: Client, staff: Any) -> None:
    from bookings.admin_views import feed_token

    token = feed_token(staff)
    staff.is_staff = False
    staff.save()
    assert client.get(reverse("admin:bookings_charter_calendar_feed"), {"token": token}).status_code == 403


def test_drift_report_runs_from_the_admin(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:bookings_driftreport_run"))
    report = DriftReport.objects.get()
    assert response["Location"] == reverse("admin:bookings_driftreport_change", args=[report.pk])
    html = admin_client.get(response["Location"]).content.decode()
    assert "Findings" in html
    assert admin_client.get(reverse("admin:bookings_driftreport_run")).status_code == 403
