"""Routes of the guest pages app: the local `/g/` preview and the guest-message endpoints (unsubscribe
link, SES delivery events). The public photo-upload API is a router of the project's one API
(``guestpages.api.router``, mounted at ``/api/guest/`` by jada/urls.py)."""

from django.urls import URLPattern, URLResolver, path, re_path

from guestpages import message_views, views

app_name = "guestpages"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^g/(?P<rest>.*)$", views.guest_page_preview, name="preview"),
    path("mail/unsubscribe/<str:token>/", message_views.unsubscribe, name="unsubscribe"),
    path("anymail/amazon_ses/tracking/", message_views.ses_tracking, name="ses-tracking"),
]
