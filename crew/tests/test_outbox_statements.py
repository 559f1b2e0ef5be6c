"""The outbox's writes in as few statements as the protocol allows: recording a version is the
member read and one insert that skips what is already recorded; the `sent` update and the
e-mail's exposure row are one statement after the hand-over."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaos.smtp_sink import SinkFaults, SmtpSink
from crew import notifications
from crew.models import CrewExposure, CrewNotification, NotificationState
from crew.tests.factories import CrewMemberFactory
from crew.tests.scc_support import event_payload, table  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.django_db


def _record(notices: dict[str, str], version: int = 1) -> tuple[list[CrewNotification], int]:
    with CaptureQueriesContext(connection) as queries:
        rows = notifications.crew_notifications_record(
            event_id="evt_1", charter_ref="XHQGMDH", version=version, notices=notices
        )
    return rows, len(queries)


def test_recording_a_version_is_two_statements_and_recording_it_again_adds_nothing() -> None:
    cass, dee, eve = (CrewMemberFactory(email=f"{n}@example.com") for n in ("cass", "dee", "eve"))
    rows, statements = _record({"cass@example.com": "assigned", "dee@example.com": "assigned"})
    assert statements == 2  # the members, one INSERT … ON CONFLICT DO NOTHING RETURNING
    assert sorted(r.crew_member_id for r in rows) == sorted([cass.pk, dee.pk])
    assert {r.pk for r in rows} == set(CrewNotification.objects.values_list("pk", flat=True))
    assert all(r.state == NotificationState.PENDING and r.attempts == 0 for r in rows)

    again, statements = _record({"cass@example.com": "assigned", "dee@example.com": "assigned"})
    assert (again, statements) == ([], 2)
    more, _ = _record({"cass@example.com": "assigned", "eve@example.com": "assigned"})
    assert [r.crew_member_id for r in more] == [eve.pk]  # only what this call added is returned
    assert CrewNotification.objects.count() == 3
    other_kind, _ = _record({"cass@example.com": "removed"})
    later, _ = _record({"cass@example.com": "assigned"}, version=2)
    assert len(other_kind) == len(later) == 1 and CrewNotification.objects.count() == 5


def test_discarding_removes_exactly_the_rows_this_write_added() -> None:
    CrewMemberFactory(email="cass@example.com")
    CrewMemberFactory(email="dee@example.com")
    _record({"cass@example.com": "assigned"})
    mine, _ = _record({"cass@example.com": "assigned", "dee@example.com": "assigned"})
    notifications.crew_notifications_discard(rows=mine)
    assert list(CrewNotification.objects.values_list("crew_member__email", flat=True)) == ["cass@example.com"]


def test_sent_and_its_exposure_are_written_by_one_statement_after_the_hand_over(
    table: Any,  # noqa: F811
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from crew.services import crew_event_upsert

    member = CrewMemberFactory(email="cass@example.com")
    with django_capture_on_commit_callbacks(execute=False):
        event, _created = crew_event_upsert(
            data=event_payload(crew=[{"email": member.email, "name": member.name, "role": "deckhand"}])
        )
    with SmtpSink(faults=SinkFaults()) as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = sink.host, sink.port, 2
        with CaptureQueriesContext(connection) as queries:
            assert notifications.crew_event_deliver(event_id=event["id"]) == {"sent": 1}
        assert len(sink.messages) == 1
    exposure_writes = [q["sql"] for q in queries.captured_queries if "crew_crewexposure" in q["sql"]]
    assert len(exposure_writes) == 1 and "UPDATE" in exposure_writes[0]
    row = CrewNotification.objects.get()
    assert row.state == NotificationState.SENT and row.sent_at is not None and row.sent_at == row.updated_at
    exposure = CrewExposure.objects.get()
    assert (exposure.crew_member_id, exposure.event_id, exposure.version, exposure.channel) == (
        member.pk,
        event["id"],
        row.version,
        "email",
    )
    sent_at = [i for i, q in enumerate(queries.captured_queries) if q["sql"] is exposure_writes[0]]
    commits = [i for i, q in enumerate(queries.captured_queries) if "sending" in q["sql"]]
    assert commits and sent_at and max(commits) < sent_at[0]  # `sending` was written first
