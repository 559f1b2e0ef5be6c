"""The crew portal under ``/crew/`` (mounted by crew/urls.py); URL names live in the ``crew`` namespace."""

from django.urls import URLPattern, URLResolver, path, re_path

from crew import feed
from crew.portal import auth, views

app_name = "crew"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("login/", auth.login_request, name="login"),
    # crew/links.py builds links to this path: keep them in step.
    path("login/confirm/", auth.login_confirm, name="login-confirm"),
    path("logout/", auth.logout_view, name="logout"),
    path("events/<str:event_id>/", views.event_detail, name="event"),
    path("feed/rotate/", views.feed_rotate, name="feed-rotate"),
    re_path(r"^feed/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", feed.feed, name="feed"),
]
