"""What the charter admin shows to whom: dispatchers never see money.

``MoneyHiddenMixin`` strips the financial fields (``jada.office.FINANCIAL_FIELDS``) from the
change form's fieldsets (so the form neither shows nor accepts them), from the changelist's
columns, filters and search, and from any export, for everyone ``user_sees_money`` says no to.
It is applied to ``CharterAdmin`` with one base class; the field lists live in ``jada/office.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest

from jada.office import FINANCIAL_FIELDS, user_sees_money


def _without_money(names: Sequence[Any]) -> list[Any]:
    return [n for n in names if not (isinstance(n, str) and n.split("__")[0] in FINANCIAL_FIELDS)]


class MoneyHiddenMixin:
    """ModelAdmin mixin: the financial fields exist only for people who see money."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if user_sees_money(request.user):
            return fieldsets
        kept = []
        for name, options in fieldsets:
            fields = _without_money(options.get("fields", ()))
            if fields:
                kept.append((name, {**options, "fields": fields}))
        return kept

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)  # type: ignore[misc]
        return fields if user_sees_money(request.user) else _without_money(fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        return fields if user_sees_money(request.user) else _without_money(fields)

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = super().get_list_display(request)  # type: ignore[misc]
        return columns if user_sees_money(request.user) else _without_money(columns)

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)  # type: ignore[misc]
        return filters if user_sees_money(request.user) else _without_money(filters)

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = super().get_search_fields(request)  # type: ignore[misc]
        return fields if user_sees_money(request.user) else _without_money(fields)

    def get_export_fields(self, request: HttpRequest, names: Sequence[str]) -> list[str]:
        """For any export of charters: the columns this person may take out of the office."""
        return list(names) if user_sees_money(request.user) else _without_money(names)

    # No get_form override: ModelAdmin builds the form from get_fieldsets, so a field dropped
    # there is neither shown nor accepted (bookings/tests/test_admin_roles.py checks the form).
