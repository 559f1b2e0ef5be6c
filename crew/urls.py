"""The crew app serves two things: the SCC API (service key) and the crew portal (magic links)."""

from django.urls import include, path

urlpatterns = [
    path("api/scc/", include("crew.api_urls")),
    path("crew/", include("crew.portal.urls")),
]
