from django.urls import path

from intake import inbound, views

urlpatterns = [
    path("api/intake/email", views.intake_email, name="intake_email"),
    path("feeds/vessels/<slug:slug>/<str:token>.ics", views.busy_feed, name="intake_busy_feed"),
    # Ours, ahead of anymail's own route of the same path: it checks the SNS topic first.
    path("anymail/amazon_ses/inbound/", inbound.SesInboundView.as_view(), name="amazon_ses_inbound_webhook"),
]
