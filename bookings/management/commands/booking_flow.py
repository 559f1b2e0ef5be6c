"""`manage.py booking_flow CODE [--cancel]`: run one charter's booking flow and show where it is live.

Without a broker (``make run``) the three target tasks run in-process right after the commit;
with one, the command waits for the worker to finish them. Either way it prints each target's
final state, and exits non-zero when a target did not reach ``synced``.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings import flow
from bookings.admin_targets import target_live_as
from bookings.models import Charter
from bookings.payloads import TARGET_LABELS
from bookings.targets import STATUS_LABELS, TARGET_MODELS, target_status
from jada.errors import JadaError
from jada.models import SyncState

ACTOR = "manage.py booking_flow"


class Command(BaseCommand):
    help = "Confirm one charter and run (or re-run) its booking flow; --cancel withdraws it everywhere."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Charter code, any case, e.g. XHQGMDH")
        parser.add_argument("--cancel", action="store_true", help="Cancel the charter and withdraw it everywhere.")
        parser.add_argument("--wait", type=float, default=120.0, help="Seconds to wait for a worker (default 120).")

    def handle(self, *args: Any, **options: Any) -> None:
        charter = Charter.objects.filter(code=options["code"]).first()
        if charter is None:
            raise CommandError(f"No charter with code {options['code'].upper()!r}.")
        step = flow.charter_cancel if options["cancel"] else flow.charter_confirm
        try:
            charter = step(charter=charter, actor=ACTOR)
        except JadaError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{charter.code} {charter.get_status_display().lower()} ({charter.brand.domain}).")
        rows = self._wait(charter, options["wait"])
        charter.refresh_from_db()
        unsynced = 0
        for kind, row in rows:
            status = target_status(row)
            state = STATUS_LABELS[status] if row else "missing"
            where = target_live_as(kind, charter, row)
            line = f"  {TARGET_LABELS[kind]:<15} {state:<8} {where}".rstrip()
            if status == SyncState.SYNCED:
                self.stdout.write(self.style.SUCCESS(line))
            else:
                unsynced += 1
                self.stdout.write(self.style.ERROR(line))
                if row and row.last_error:
                    self.stdout.write(f"      last error: {row.last_error}")
        if unsynced:
            raise CommandError(f"{unsynced} target(s) did not sync; fix the cause and run the command again.")

    def _wait(self, charter: Charter, seconds: float) -> list[tuple[str, Any]]:
        """Poll until every target is synced or failed (at once when tasks ran in-process)."""
        deadline = time.monotonic() + (0 if settings.CELERY_TASK_ALWAYS_EAGER else seconds)
        while True:
            managers: dict[str, Any] = {kind: m._default_manager for kind, m in TARGET_MODELS.items()}
            rows = [(kind, manager.filter(charter=charter).first()) for kind, manager in managers.items()]
            done = all(target_status(row) in (SyncState.SYNCED, SyncState.FAILED) for _, row in rows)
            if done or time.monotonic() >= deadline:
                return rows
            time.sleep(0.5)
