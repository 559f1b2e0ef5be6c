"""Routes of the bookings app: the internal calendar API."""

from django.urls import path

from bookings import calendar_api

urlpatterns = [
    path("api/calendar", calendar_api.calendar_collection, name="calendar-api"),
    path("api/calendar/<str:charter_id>", calendar_api.calendar_item, name="calendar-api-item"),
]
