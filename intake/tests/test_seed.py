"""`seed_demo` also sets up the marketplace side, idempotently, as in samples/."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from intake.models import IntakeSource, VesselListing

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_both_sources_and_jadas_listings_once() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    sources = {s.name: s for s in IntakeSource.objects.select_related("brand")}
    assert sorted(sources) == ["boatsetter", "getmyboat"]
    assert {s.brand.domain for s in sources.values()} == {"queenofsandiego.com"}
    assert not any(s.auto_confirm for s in sources.values())
    listings = {
        (lst.source.name, lst.vessel.name, lst.name) for lst in VesselListing.objects.select_related("source", "vessel")
    }
    assert listings == {
        ("boatsetter", "JADA", "JADA - 47' Catalina Sailboat"),
        ("getmyboat", "JADA", "Sail San Diego Bay on a classic 47' sloop"),
    }
    assert "Intake source boatsetter (auto-confirm off): JADA - 47' Catalina Sailboat" in out.getvalue()
