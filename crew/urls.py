"""The crew app serves two things: the SCC API (service key; ``crew.api.router``, mounted at
``/api/scc/`` by jada/urls.py) and the crew portal (magic links), here."""

from django.urls import include, path

urlpatterns = [
    path("crew/", include("crew.portal.urls")),
]
