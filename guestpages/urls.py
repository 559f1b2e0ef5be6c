"""Routes of the guest pages app: the public photo-upload API and the local `/g/` preview."""

from django.urls import URLPattern, URLResolver, path, re_path

from guestpages import api, views

app_name = "guestpages"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/guest/<str:code>/photo-upload", api.photo_upload, name="photo-upload"),
    path("api/guest/<str:code>/photo-uploaded", api.photo_uploaded, name="photo-uploaded"),
    re_path(r"^g/(?P<rest>.*)$", views.guest_page_preview, name="preview"),
]
