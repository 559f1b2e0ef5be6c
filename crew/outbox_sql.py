"""The outbox's two hot writes as single PostgreSQL statements (``crew.notifications`` keeps the
ORM pair for other databases).

* ``notifications_insert_new``: the rows of one event version, each added unless the unique
  constraint ``crew_notification_once_per_version`` already holds it (recorded earlier or by a
  concurrent writer): ``INSERT … ON CONFLICT DO NOTHING RETURNING``, instead of reading the
  existing rows and inserting the rest under a savepoint.
* ``notification_sent``: the ``sent`` update and the message's ``CrewExposure`` row in one
  statement (a data-modifying CTE), so a crash can never leave one without the other, and the
  at-most-once protocol keeps its shape: the claim transaction commits ``sending`` before the
  hand-over, and this statement, after it, is the only write that follows.

Only the models' own table and column names are interpolated; every value is a parameter.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from crew.models import CrewExposure, CrewNotification, ExposureChannel, NotificationState


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _column(model: Any, name: str) -> str:
    return str(connection.ops.quote_name(model._meta.get_field(name).column))


def notifications_insert_new(rows: list[CrewNotification]) -> list[CrewNotification]:
    """Insert ``rows`` (unsaved, in a fixed order), skipping any the unique constraint already
    holds; returns the ones inserted, with their primary keys."""
    now = timezone.now()
    for row in rows:
        row.created_at = row.updated_at = now
    model = CrewNotification
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key
    ]  # every column, values as Django would write them
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values: list[Any] = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows for f in fields]
    conflict = ", ".join(_column(model, name) for name in ("event_id", "crew_member", "version", "kind"))
    pk = _column(model, "id")
    sql = (
        f"INSERT INTO {_table(model)} ({columns}) VALUES {', '.join([one] * len(rows))}"  # noqa: S608
        f" ON CONFLICT ({conflict}) DO NOTHING RETURNING {pk}, {_column(model, 'crew_member')}, {_column(model, 'kind')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = {(member, kind): pk_value for pk_value, member, kind in cursor.fetchall()}
    added = []
    for row in rows:
        pk_value = inserted.get((row.crew_member_id, row.kind))
        if pk_value is not None:
            row.pk = pk_value
            row._state.adding, row._state.db = False, connection.alias
            added.append(row)
    return added


def notification_sent(row: CrewNotification) -> None:
    """``row`` is ``sent`` and its e-mail exposure recorded, in one statement."""
    now = timezone.now()
    notification, exposure = CrewNotification, CrewExposure
    state, sent_at, updated_at, pk = (_column(notification, name) for name in ("state", "sent_at", "updated_at", "id"))
    member, event_id, version = (_column(notification, name) for name in ("crew_member", "event_id", "version"))
    exposure_columns = ", ".join(
        _column(exposure, name) for name in ("crew_member", "event_id", "version", "channel", "created_at")
    )
    sql = (
        f"WITH sent AS (UPDATE {_table(notification)} SET {state} = %s, {sent_at} = %s, {updated_at} = %s"  # noqa: S608
        f" WHERE {pk} = %s RETURNING {member}, {event_id}, {version})"
        f" INSERT INTO {_table(exposure)} ({exposure_columns})"
        f" SELECT {member}, {event_id}, {version}, %s, %s FROM sent"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [NotificationState.SENT, now, now, row.pk, ExposureChannel.EMAIL, now])
