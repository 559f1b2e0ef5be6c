"""Routes of the guest pages app: the public photo-upload API, the local `/g/` preview, and the
guest-message endpoints (unsubscribe link, SES delivery events)."""

from django.urls import URLPattern, URLResolver, path, re_path

from guestpages import api, message_views, views

app_name = "guestpages"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/guest/<str:code>/photo-upload", api.photo_upload, name="photo-upload"),
    path("api/guest/<str:code>/photo-uploaded", api.photo_uploaded, name="photo-uploaded"),
    re_path(r"^g/(?P<rest>.*)$", views.guest_page_preview, name="preview"),
    path("mail/unsubscribe/<str:token>/", message_views.unsubscribe, name="unsubscribe"),
    path("anymail/amazon_ses/tracking/", message_views.ses_tracking, name="ses-tracking"),
]
