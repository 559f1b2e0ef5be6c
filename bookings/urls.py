"""Routes of the bookings app. The internal calendar API is a router of the project's one API
(``bookings.calendar_api.router``, mounted at ``/api/calendar`` by jada/urls.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
