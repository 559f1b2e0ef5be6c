"""Routes of the guest pages app: the local `/g/` preview. The public photo-upload API is a router of
the project's one API (``guestpages.api.router``, mounted at ``/api/guest/`` by jada/urls.py)."""

from django.urls import URLPattern, URLResolver, re_path

from guestpages import views

app_name = "guestpages"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^g/(?P<rest>.*)$", views.guest_page_preview, name="preview"),
]
