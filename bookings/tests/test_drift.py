"""The drift report compares what each target really holds with what it should, and repairs it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from bookings.calendar_client import CalendarClient
from bookings.models import Brand, Charter, DriftReport
from bookings.payloads import crew_assignments_prefetch
from bookings.tests.live import crew_event, page_html
from crew.client import SccClient
from jada.aws import aws_client

pytestmark = [pytest.mark.django_db(transaction=True)]


def drift(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("drift_report", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_a_clean_system_has_no_finding_and_exits_0(confirmed: Charter) -> None:
    code, out = drift()
    assert code == 0, out
    assert "No drift" in out
    assert DriftReport.objects.get().finding_count == 0


def test_drift_behind_the_products_back_is_found_then_repaired(confirmed: Charter) -> None:
    brand = confirmed.brand
    key = f"jada-guest-{confirmed.code.lower()}.html"
    aws_client("s3", region=brand.region).put_object(Bucket=brand.bucket, Key=key, Body=b"<html>defaced</html>")
    scc = SccClient()
    event = scc.event_find(confirmed.code) or {}
    scc.event_patch(event["id"], {"meeting_point": "Somewhere else"})
    CalendarClient().entry_delete(confirmed.code)
    other = Brand.objects.get(slug="sailjada")
    aws_client("s3", region=other.region).put_object(Bucket=other.bucket, Key=key, Body=b"<html>stray</html>")

    code, out = drift()
    assert code == 1
    found = {(f["charter"], f["target"], f["kind"]) for f in DriftReport.objects.get().findings}
    assert found == {
        (confirmed.code, "guest_page", "content_differs"),
        (confirmed.code, "guest_page", "wrong_bucket"),
        (confirmed.code, "crew_event", "content_differs"),
        (confirmed.code, "calendar_entry", "missing"),
    }
    assert f"s3://{brand.bucket}/{key} differs" in out
    assert "differs in meeting_point" in out and "the calendar has no entry" in out

    code, out = drift("--repair")
    assert code == 0 and "Re-pushing" in out
    assert "defaced" not in page_html(confirmed) and confirmed.guest_name in page_html(confirmed)
    assert (crew_event(confirmed.code) or {})["meeting_point"] == confirmed.meeting_point
    assert CalendarClient().entry_get(confirmed.code) is not None
    code, out = drift()
    # The stray copy in another brand's bucket is reported, never deleted automatically.
    assert {(f["target"], f["kind"]) for f in DriftReport.objects.order_by("-id")[0].findings} == {
        ("guest_page", "wrong_bucket")
    }
    assert code == 1 and f"s3://{other.bucket}/{key} also holds it" in out


def test_redrive_prints_how_many_of_each(confirmed: Charter) -> None:
    out = StringIO()
    call_command("redrive", stdout=out)
    lines = out.getvalue()
    assert "guest page: 0" in lines and "calendar entry: 0" in lines and "crew event: 0" in lines
    assert "guest messages:" in lines


def test_crew_events_are_read_a_hundred_per_request(confirmed: Charter, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = SccClient._request

    def counted(self: SccClient, method: str, url: str, **kwargs: object) -> object:
        asked.append(f"{method} {url.rsplit('/api/scc', 1)[-1]}")
        return real(self, method, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SccClient, "_request", counted)
    code, out = drift()
    assert code == 0, out
    assert asked == ["GET /events"]  # one batch read for every charter, no per-charter GET


def test_the_report_reads_every_charters_crew_in_one_query(confirmed: Charter) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings.payloads import crew_event_payload
    from crew.models import CrewRole
    from crew.tests.factories import CrewAssignmentFactory, CrewMemberFactory

    for email, role in (("zed@example.com", CrewRole.DECKHAND), ("amy@example.com", CrewRole.CAPTAIN)):
        CrewAssignmentFactory(charter=confirmed, crew_member=CrewMemberFactory(email=email), role=role)
    with CaptureQueriesContext(connection) as queries:
        drift()  # finds the crew added here, behind the flow's back; what counts is the queries
    assert sum("crew_crewassignment" in q["sql"] for q in queries.captured_queries) == 1
    prefetched = Charter.objects.prefetch_related(crew_assignments_prefetch()).get(pk=confirmed.pk)
    plain = crew_event_payload(Charter.objects.get(pk=confirmed.pk))
    assert crew_event_payload(prefetched) == plain and len(plain["crew"]) >= 2


def heads_counted(charter: Charter) -> list[str]:
    """The keys the product HEADs in the charter's bucket (a botocore hook on its own client)."""
    seen: list[str] = []
    client = aws_client("s3", region=charter.brand.region)
    client.meta.events.register("provide-client-params.s3.HeadObject", lambda params, **_: seen.append(params["Key"]))
    return seen


def test_each_write_records_its_etag_and_a_clean_page_costs_no_head(confirmed: Charter) -> None:
    from guestpages.models import GuestPage

    page = GuestPage.objects.get(charter=confirmed)
    listed = aws_client("s3", region=confirmed.brand.region).head_object(Bucket=page.bucket, Key=page.object_key)
    assert page.etag and page.etag == listed["ETag"]
    heads = heads_counted(confirmed)
    code, out = drift()
    assert code == 0, out
    assert heads == []  # the listing's ETag is the one we wrote: nothing else to ask


def test_a_page_edited_behind_our_back_is_found_by_its_etag(confirmed: Charter) -> None:
    from guestpages.models import GuestPage

    page = GuestPage.objects.get(charter=confirmed)
    s3 = aws_client("s3", region=confirmed.brand.region)
    # Same metadata as ours, other bytes: only the ETag tells them apart without a read.
    metadata = s3.head_object(Bucket=page.bucket, Key=page.object_key)["Metadata"]
    s3.put_object(Bucket=page.bucket, Key=page.object_key, Body=b"<html>edited</html>", Metadata=metadata)
    heads = heads_counted(confirmed)
    code, out = drift()
    # The ETag differs, so the page is HEADed; its metadata still claims our fingerprint, yet the
    # bytes are not what we wrote.
    assert heads == [page.object_key]
    found = {(f["charter"], f["target"], f["kind"]) for f in DriftReport.objects.get().findings}
    assert found == {(confirmed.code, "guest_page", "content_differs")}, out
    assert code == 1


def test_an_unknown_etag_falls_back_to_a_head(confirmed: Charter) -> None:
    from guestpages.models import GuestPage

    GuestPage.objects.filter(charter=confirmed).update(etag="")  # written before ETags were kept
    heads = heads_counted(confirmed)
    code, out = drift()
    assert code == 0, out
    assert heads == [GuestPage.objects.get(charter=confirmed).object_key]
