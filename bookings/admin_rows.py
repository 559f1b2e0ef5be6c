"""Cheaper rows for the charter changelist: the same HTML as Django's, built without a template per row.

Django renders each row's selection checkbox through the form renderer (three template
includes per row), reverses the change URL once per row and, cell by cell, re-decides in
``items_for_result`` what kind of column it is drawing (``lookup_field``, the empty value, the
link column, the CSS classes, preserved filters parsed and the URL resolved again per row). At
100 rows a page that is most of the list's rendering time (the ``tables`` benchmark), so here
each column is decided once per page (``ColumnPlan``) and each row only reads its values and
formats them with Django's own ``display_for_field`` / ``display_for_value``. The markup is
Django's, byte for byte; pages Django draws differently (``list_editable`` forms, popups, a
column that is neither a model field nor a ``ModelAdmin`` method) are left to Django. Tests
compare both with Django's own.
"""

from __future__ import annotations

import contextlib
import datetime
import html
from typing import Any

from django.contrib.admin import utils as admin_utils
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import ResultList, items_for_result
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    display_for_field,
    display_for_value,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

_PK = "__jada_pk__"  # a placeholder no quoted primary key can contain (quote() escapes "_")


class ColumnPlan:
    """One ``list_display`` column as Django's ``items_for_result`` draws it, decided once per page.

    ``kind`` is ``field`` (a model field, read with ``getattr``), ``relation`` (a foreign key: the
    related object's ``str``) or ``method`` (a ``ModelAdmin`` method called with the row)."""

    def __init__(self, cl: ChangeList, name: str, *, kind: str, field: Any, attr: Any, link_tag: str) -> None:
        self.name, self.kind, self.field, self.attr, self.link_tag = name, kind, field, attr, link_tag
        default_empty = cl.model_admin.get_empty_value_display()
        self.default_empty = default_empty
        self.empty = getattr(attr, "empty_value_display", default_empty) if kind == "method" else default_empty
        self.boolean = getattr(attr, "boolean", False)
        classes = ["action-checkbox"] if name == "action_checkbox" else [f"field-{name}"]
        if kind != "method" and isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
            classes.append("nowrap")
        self.classes = " ".join(classes)
        self.plain_class = f"field-{name}"  # the class Django keeps when reading the value raised
        self.choices: dict[Any, Any] | None = None
        # What each value was drawn as on this page: the same value draws the same (one field, one
        # request's language and time zone), and a date's formatting is the costly part of a row.
        self.shown: dict[Any, Any] = {}
        if kind == "field" and getattr(field, "flatchoices", None):
            try:
                self.choices = dict(field.flatchoices)
            except TypeError:  # list-like choices: display_for_field's own fallback, per value
                self.choices = None

    def text(self, obj: Any) -> tuple[Any, str]:
        """(what the cell shows, its class attribute value), as ``items_for_result`` computes them."""
        try:
            value = self.attr(obj) if self.kind == "method" else getattr(obj, self.name)
        except ObjectDoesNotExist:
            return self.default_empty, self.plain_class
        if self.kind == "relation":
            return (self.empty if value is None else value), self.classes
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.kind == "method":
            shown = display_for_value(value, self.empty, self.boolean)
            dated = isinstance(value, (datetime.date, datetime.time))
            return shown, f"{self.classes} nowrap" if dated else self.classes
        if self.choices is not None:
            return self.choices.get(value, self.empty), self.classes
        try:
            return self.shown[value], self.classes
        except (KeyError, TypeError):  # not drawn yet on this page, or not hashable
            pass
        shown = display_for_field(value, self.field, self.empty, avoid_link=bool(self.link_tag))
        with contextlib.suppress(TypeError):
            self.shown[value] = shown
        return shown, self.classes


def column_plans(cl: ChangeList) -> list[ColumnPlan] | None:
    """Each column's plan, or None when Django must draw the page itself."""
    if getattr(cl, "formset", None) is not None or cl.is_popup or cl.list_display_links is None:
        return None
    plans, first = [], True
    for name in cl.list_display:
        if not isinstance(name, str):
            return None
        is_link = (first and not cl.list_display_links) or name in cl.list_display_links
        link_tag = ("th" if first else "td") if is_link else ""
        first = first and not is_link
        try:
            field = admin_utils._get_non_gfk_field(cl.lookup_opts, name)  # type: ignore[attr-defined]  # as lookup_field
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if name == "__str__" or not hasattr(cl.model_admin, name):
                return None  # a model attribute, property or lookup: Django's own path
            attr = getattr(cl.model_admin, name)
            if isinstance(attr, property):
                return None
            plans.append(ColumnPlan(cl, name, kind="method", field=None, attr=attr, link_tag=link_tag))
            continue
        if field.auto_created:
            return None
        kind = "relation" if isinstance(field.remote_field, models.ManyToOneRel) else "field"
        plans.append(ColumnPlan(cl, name, kind=kind, field=field, attr=None, link_tag=link_tag))
    return plans


class CharterChangeList(ChangeList):
    """The admin's change list, reversing the row link once per page instead of once per row."""

    _change_url: str | None = None
    _linked_url: str | None = None

    def _change_url_template(self) -> str:
        """The change URL with ``_PK`` for the key, reversed once per page."""
        if self._change_url is None:
            self._change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(_PK,),
                current_app=self.model_admin.admin_site.name,
            )
        return self._change_url

    def url_for_result(self, result: Any) -> str:
        return self._change_url_template().replace(_PK, str(quote(getattr(result, self.pk_attname))), 1)

    def _row_link(self, result: Any) -> str | None:
        """The escaped ``href`` of a row's link with the page's filters kept (None: no change URL),
        from one ``add_preserved_filters`` per page: the filters do not depend on the row."""
        if self._linked_url is None:
            try:
                template = self._change_url_template()
            except NoReverseMatch:
                self._linked_url = ""
            else:
                context: dict[str, Any] = {"preserved_filters": self.preserved_filters, "opts": self.opts}
                self._linked_url = escape(add_preserved_filters(context, template))
        if not self._linked_url:
            return None
        return self._linked_url.replace(_PK, escape(str(quote(getattr(result, self.pk_attname)))), 1)

    def result_rows(self) -> list[ResultList]:
        """The rows ``{% result_list %}`` shows. Django's are lists of cells the template joins;
        here each row's cells come already joined (one item), so the template writes the same bytes."""
        plans = column_plans(self)
        if plans is None:
            return [ResultList(None, items_for_result(self, row, None)) for row in self.result_list]
        return [ResultList(None, [SafeString("".join(self.cells(plans, row)))]) for row in self.result_list]

    def cells(self, plans: list[ColumnPlan], row: Any) -> list[SafeString]:
        cells = []
        for plan in plans:
            shown, classes = plan.text(row)
            text = _escaped(shown)
            if plan.link_tag:
                href = self._row_link(row)
                if href is not None:
                    text = f'<a href="{href}">{text}</a>'
                cells.append(SafeString(f'<{plan.link_tag} class="{classes}">{text}</{plan.link_tag}>'))
            else:
                cells.append(SafeString(f'<td class="{classes}">{text}</td>'))
        return cells


def _escaped(value: Any) -> str:
    """``conditional_escape(value)``, without its lazy-argument wrapper on every cell."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


class CheapRowsMixin:
    """Mixed into a ``ModelAdmin``: the checkbox column and the row links, without per-row templates."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CharterChangeList

    def action_checkbox(self, obj: Any) -> SafeString:
        """Django's ``CheckboxInput`` markup for the row (unchecked), as ``format_html`` writes it: the
        translated label is a trusted format string, the values are escaped."""
        label = _("Select this object for an action - {}").format(html.escape(str(obj)))
        return SafeString(
            f'<input type="checkbox" name="{html.escape(ACTION_CHECKBOX_NAME)}" value="{html.escape(str(obj.pk))}" '
            f'class="action-select" aria-label="{label}">'
        )
