"""The big-table generator writes rows the schema accepts and the product reads back.

COPY names every column itself, so a migration that adds a NOT NULL column to a table it fills
breaks `make bench` only; this runs it small on the test database, inside `make test`.
"""

from __future__ import annotations

import pytest
from django.db import connection

from bench import bigdata
from bookings.models import Charter
from bookings.targets import target_status
from guestpages.models import GuestPage

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_small_big_database_builds_and_reads_back() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the generator uses PostgreSQL's COPY")
    fixtures = bigdata.fixtures_create()
    counts = bigdata.charters_add(60, fixtures=fixtures)
    assert Charter.objects.count() == counts["charters"] == 60
    assert GuestPage.objects.count() == counts["guestpages_guestpage"] > 0
    states = {target_status(page) for page in GuestPage.objects.all()}
    assert "synced" in states
