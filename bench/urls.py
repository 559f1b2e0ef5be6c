"""The product's URLs unchanged, plus the benchmark-only baseline views under ``/bench/``."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/portal-bare", views.portal_bare, name="bench-portal-bare"),
    path("bench/scc-events-unauthenticated", views.scc_events_unauthenticated, name="bench-scc-unauthenticated"),
    path("", include("jada.urls")),
]

handler400 = "jada.views.bad_request"
handler403 = "jada.views.permission_denied"
handler404 = "jada.views.page_not_found"
handler500 = "jada.views.server_error"
