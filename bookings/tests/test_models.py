"""Rules the data model keeps: in the database where a rule can be a constraint."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, connection, transaction

from bookings.demo import DEMO_CHARTER_CODE, demo_seed
from bookings.models import Brand, Charter
from bookings.tests.factories import BrandFactory, CharterFactory
from crew.models import CrewAssignment
from crew.tests.factories import CrewAssignmentFactory
from jada.audit import audit_record
from jada.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_charter_code_is_stored_upper_case_and_found_in_any_case() -> None:
    charter = CharterFactory(code="xhqgmdh")
    charter.refresh_from_db()
    assert charter.code == "XHQGMDH"
    assert Charter.objects.get(code="XhQgMdH") == charter


def test_charter_code_is_generated_when_not_given() -> None:
    codes = {CharterFactory().code for _ in range(20)}
    assert len(codes) == 20
    assert all(c.isalnum() and c.isupper() and len(c) == 7 for c in codes)


def test_charter_code_must_be_letters_and_digits() -> None:
    charter = CharterFactory.build(code="XH-Q/1", brand=BrandFactory())
    with pytest.raises(ValidationError, match="letters and digits"):
        charter.full_clean()


def test_charter_must_end_after_it_starts() -> None:
    charter = CharterFactory()
    charter.ends_at = charter.starts_at - timedelta(minutes=1)
    with pytest.raises(ValidationError, match="end after it starts"):
        charter.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        charter.save()


def test_crew_member_appears_once_per_charter() -> None:
    assignment = CrewAssignmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CrewAssignment.objects.create(charter=assignment.charter, crew_member=assignment.crew_member, role="mate")


@pytest.mark.parametrize("field", ["bucket", "domain", "distribution_id"])
def test_two_brands_cannot_share_a_target(field: str) -> None:
    first = BrandFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BrandFactory(**{field: getattr(first, field).upper() if field != "distribution_id" else first.distribution_id})


def test_check_reports_brands_sharing_a_bucket() -> None:
    """A database restored without our constraints (or edited by hand) is caught by `manage.py check`."""
    first = BrandFactory(slug="sailjada", bucket="shared-guest-pages")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Brand, next(c for c in Brand._meta.constraints if c.name == "brand_unique_bucket"))
    BrandFactory(slug="queenofsandiego", bucket=first.bucket)
    with pytest.raises(
        SystemCheckError, match="Brands queenofsandiego, sailjada share the bucket 'shared-guest-pages'"
    ):
        call_command("check", stdout=StringIO(), stderr=StringIO())


def test_check_passes_for_the_demo_brands() -> None:
    demo_seed()
    call_command("check", stdout=StringIO(), stderr=StringIO())


def test_seed_demo_is_idempotent() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert Brand.objects.count() == 2
    charter = Charter.objects.get(code=DEMO_CHARTER_CODE)
    assert charter.brand.domain == "queenofsandiego.com"
    assert charter.crew_assignments.count() == 2
    assert "Kept existing charter XHQGMDH" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_audit_entry_is_written_in_the_callers_transaction() -> None:
    charter = CharterFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(action="charter.touch", obj=charter)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(action="charter.touch", obj=charter)
        1 / 0  # noqa: B018 - the change fails, so its audit entry must vanish too
    assert not AuditEntry.objects.exists()
    with transaction.atomic():
        entry = audit_record(action="charter.touch", obj=charter, data={"why": "test"})
    assert entry.object_type == "bookings.charter" and entry.object_id == str(charter.pk)
    assert entry.actor_label == "system"
