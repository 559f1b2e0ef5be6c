"""Intake fixtures: the demo's brands, vessel, crew and marketplace sources, and the samples."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from bookings.demo import demo_seed
from intake.demo import intake_seed_demo
from intake.models import IntakeSource
from intake.parsing import listings_forget

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture(autouse=True)
def _fresh_listings() -> Iterator[None]:
    """Each test's listings are its own (rolled-back rows may reuse a source's id)."""
    listings_forget()
    yield
    listings_forget()


@pytest.fixture
def demo(db: Any) -> dict[str, IntakeSource]:
    demo_seed()
    return {s.name: s for s in intake_seed_demo()}


@pytest.fixture
def intake_email(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> Callable[..., str]:
    """Run ``manage.py intake_email`` on raw bytes (as stdin) and return what it printed."""

    def run(raw: bytes, *args: str) -> str:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("intake_email", *args, stdout=out)
        return out.getvalue().strip()

    return run
