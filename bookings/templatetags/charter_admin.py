"""The charter changelist's date hierarchy, cheap on a big table (templates/admin/bookings/charter/jada_change_list.html).

Django's ``{% date_hierarchy %}`` lists the years with ``SELECT DISTINCT date_trunc('year', …)``
over every matching charter: a scan of the whole table (50 ms at 100,000 charters, and again
over the search or filter). Here the top level is the years from the first to the last charter,
from the one ``MIN``/``MAX`` query Django runs anyway (an index read): a charter business sails
every year, so no year in between is empty in practice, and an empty one would only open an
empty list. The top level is always the years (Django opens on the months when every charter
falls in one year, at the price of two more queries); below it, with a year chosen, it is Django's own.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import (
    date_hierarchy,
    result_headers,
    result_hidden_fields,
    result_list,
)
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db.models import Max, Min
from django.utils import timezone

register = template.Library()


def charter_result_list(cl: Any) -> dict[str, Any]:
    """Django's ``result_list`` context, the rows from ``CharterChangeList.result_rows`` (the same
    cells, each column decided once per page: bookings/admin_rows.py)."""
    rows = getattr(cl, "result_rows", None)
    if rows is None:
        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows(),
    }


@register.tag(name="charter_result_list")
def charter_result_list_tag(parser: Any, token: Any) -> InclusionAdminNode:
    """``{% result_list cl %}`` with the cheaper rows; the same admin template resolution."""
    return InclusionAdminNode(
        parser, token, func=charter_result_list, template_name="change_list_results.html", takes_context=False
    )


@register.inclusion_tag("admin/date_hierarchy.html")
def charter_date_hierarchy(cl: Any) -> dict[str, Any]:
    field = cl.date_hierarchy
    if any(f"{field}__{part}" in cl.params for part in ("year", "month", "day")):
        return date_hierarchy(cl) or {}
    span = cl.queryset.aggregate(first=Min(field), last=Max(field))
    if not span["first"] or not span["last"]:
        return {"show": False}
    first, last = timezone.localtime(span["first"]).year, timezone.localtime(span["last"]).year
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": cl.get_query_string({f"{field}__year": str(year)}, [f"{field}__"]), "title": str(year)}
            for year in range(first, last + 1)
        ],
    }
