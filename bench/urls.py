"""The product's URLs unchanged, plus the benchmark-only baseline views under ``/bench/``."""

from django.urls import include, path

from bench import views, views_tables

urlpatterns = [
    path("bench/portal-bare", views.portal_bare, name="bench-portal-bare"),
    path("bench/scc-events-unauthenticated", views.scc_events_unauthenticated, name="bench-scc-unauthenticated"),
    path("bench/tables/changelist", views_tables.changelist_bare, name="bench-tables-changelist"),
    path("bench/tables/change/<int:pk>", views_tables.change_bare, name="bench-tables-change"),
    path("bench/tables/calendar-month", views_tables.calendar_month_bare, name="bench-tables-calendar-month"),
    path("bench/tables/index", views_tables.index_bare, name="bench-tables-index"),
    path("bench/tables/calendar-api", views_tables.calendar_api_bare, name="bench-tables-calendar-api"),
    path("", include("jada.urls")),
]

handler400 = "jada.views.bad_request"
handler403 = "jada.views.permission_denied"
handler404 = "jada.views.page_not_found"
handler500 = "jada.views.server_error"
