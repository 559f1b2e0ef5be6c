"""Fixtures of the booking-flow tests."""

from bookings.tests.live import confirmed  # noqa: F401  (a pytest fixture)
