"""``jada.sql``: ``rows_update`` gives every row its own values in one statement on PostgreSQL;
``counts_at_once`` counts many querysets in one statement, each exactly as ``count()`` would."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Charter, CharterStatus
from bookings.tests.factories import CharterFactory
from guestpages.models import GuestPage
from jada.sql import counts_at_once, rows_update

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_in_one_statement() -> None:
    rows = [GuestPage.objects.create(charter=CharterFactory()) for _ in range(3)]
    for n, row in enumerate(rows):
        row.object_key, row.published_version, row.withdrawn = f"g/KEY{n}.html", n + 1, n == 1
        row.delivered_fingerprint = f"fp-{n}" if n else ""  # an empty string is a value, not NULL
    untouched = GuestPage.objects.create(charter=CharterFactory(), object_key="g/OTHER.html")
    with CaptureQueriesContext(connection) as queries:
        rows_update(GuestPage, rows, ["object_key", "published_version", "withdrawn", "delivered_fingerprint"])
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    stored = {r.pk: r for r in GuestPage.objects.all()}
    assert [(stored[r.pk].object_key, stored[r.pk].published_version, stored[r.pk].withdrawn) for r in rows] == [
        ("g/KEY0.html", 1, False),
        ("g/KEY1.html", 2, True),
        ("g/KEY2.html", 3, False),
    ]
    assert [stored[r.pk].delivered_fingerprint for r in rows] == ["", "fp-1", "fp-2"]
    assert stored[untouched.pk].object_key == "g/OTHER.html"


def test_no_rows_is_no_statement() -> None:
    with CaptureQueriesContext(connection) as queries:
        rows_update(GuestPage, [], ["object_key"])
    assert len(queries) == 0


def test_counts_at_once_equal_each_count_in_one_statement() -> None:
    for status in (CharterStatus.CONFIRMED, CharterStatus.CONFIRMED, CharterStatus.INQUIRY):
        GuestPage.objects.create(charter=CharterFactory(status=status, guest_name="Ann O'Brien %s"))
    querysets = {
        "confirmed": Charter.objects.filter(status=CharterStatus.CONFIRMED),
        "quoted": Charter.objects.filter(guest_name__contains="O'Brien %s"),  # quotes and % pass as parameters
        "none": Charter.objects.filter(status=CharterStatus.CANCELLED),
        "ordered": GuestPage.objects.filter(charter__status=CharterStatus.INQUIRY).order_by("-pk"),
    }
    with CaptureQueriesContext(connection) as queries:
        counted = counts_at_once(querysets)
    assert len(queries) == 1
    assert (
        counted
        == {name: qs.count() for name, qs in querysets.items()}
        == {
            "confirmed": 2,
            "quoted": 3,
            "none": 0,
            "ordered": 1,
        }
    )
    assert counts_at_once({}) == {}
