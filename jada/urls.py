from django.contrib import admin
from django.urls import include, path

from bookings.calendar_api import router as calendar_router
from crew.api import router as scc_router
from guestpages.api import router as guest_router
from jada import views
from jada.api import api_build

# Every JSON API on one django-ninja instance (jada/api.py); /api/docs is for staff only.
api = api_build([("calendar", calendar_router), ("scc", scc_router), ("guest", guest_router)])

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("api/", api.urls),
    path("", include("bookings.urls")),
    path("", include("guestpages.urls")),
    path("", include("crew.urls")),
]

handler400 = "jada.views.bad_request"
handler403 = "jada.views.permission_denied"
handler404 = "jada.views.page_not_found"
handler500 = "jada.views.server_error"
