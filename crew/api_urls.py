"""The SCC API under ``/api/scc/`` (mounted by crew/urls.py)."""

from django.urls import path

from crew import api

urlpatterns = [
    path("events", api.events, name="scc-events"),
    path("events/<str:event_id>", api.event_detail, name="scc-event"),
]
