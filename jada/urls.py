from django.contrib import admin
from django.urls import include, path

from jada import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("bookings.urls")),
    path("", include("guestpages.urls")),
    path("", include("crew.urls")),
    path("", include("intake.urls")),
]

handler400 = "jada.views.bad_request"
handler403 = "jada.views.permission_denied"
handler404 = "jada.views.page_not_found"
handler500 = "jada.views.server_error"
