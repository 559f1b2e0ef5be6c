"""Fixtures every crew test module may use: the two demo crew members and the crew-events table."""

from crew.tests.portal_support import ana, ben, crew_table  # noqa: F401  (pytest fixtures)
