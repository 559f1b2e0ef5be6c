from django.contrib import admin
from django.urls import include, path

from bookings.calendar_api import router as calendar_router
from crew.api import router as scc_router
from guestpages.api import router as guest_router
from jada import health, metrics
from jada.api import api_build

# Every JSON API on one django-ninja instance (jada/api.py); /api/docs is for staff only.
api = api_build([("calendar", calendar_router), ("scc", scc_router), ("guest", guest_router)])

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("readyz", health.ReadinessView.as_view(), name="readyz"),
    # Not routed for callers that matter: the name lets `health_check readyz_worker --no-http` run
    # the worker container's checks (broker, ping) in-process.
    path("readyz/worker", health.ReadinessView.as_view(worker_only=True), name="readyz_worker"),
    path("api/", api.urls),
    path("", include("bookings.urls")),
    path("", include("guestpages.urls")),
    path("", include("crew.urls")),
    path("", include("intake.urls")),
]

handler400 = "jada.views.bad_request"
handler403 = "jada.views.permission_denied"
handler404 = "jada.views.page_not_found"
handler500 = "jada.views.server_error"
