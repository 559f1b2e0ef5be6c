"""Bulk row updates PostgreSQL can plan cheaply (one ``UPDATE … FROM unnest(…)`` per call), and
many counts in one statement (``counts_at_once``).

Django's ``bulk_update`` writes a ``CASE WHEN id = … THEN …`` per field per row; building and
planning those cost more than the work itself at thousands of rows (a fifth of a 5,000-page
re-publish, the ``cdn`` benchmark). Here each field's new values travel as one typed array
parameter and the rows join to them by primary key. On other databases (SQLite under
``make run``) it is ``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet


def rows_update(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of every row in ``rows`` (instances of ``model``) as they are in memory."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(rows, list(fields), batch_size=500)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    columns: list[Any] = [pk, *(model._meta.get_field(name) for name in fields)]  # concrete fields
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    names = ", ".join(f"c{index}" for index in range(len(columns)))
    assignments = ", ".join(f"{quote(field.column)} = v.c{index}" for index, field in enumerate(columns) if index)
    # Only the model's own table and column names are interpolated; every value is a parameter.
    table, key = quote(model._meta.db_table), quote(pk.column)
    sql = f"UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS v({names}) WHERE t.{key} = v.c0"  # noqa: S608
    values: list[list[Any]] = [
        [field.get_db_prep_value(getattr(row, field.attname), connection) for row in rows] for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def counts_at_once(querysets: dict[str, QuerySet[Any]]) -> dict[str, int]:
    """``qs.count()`` of every queryset, from one statement: a scalar ``SELECT COUNT(*)`` subquery
    per queryset, each planned on its own (its own index), so a page with a dozen counters pays
    one round trip instead of a dozen. The SQL of each is Django's own (``sql_with_params``)."""
    parts: list[str] = []
    params: list[Any] = []
    for qs in querysets.values():
        sql, values = qs.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608 - Django's compiled SQL
        params.extend(values)
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return {name: int(value) for name, value in zip(querysets, row, strict=True)}
