"""`manage.py drift_report [--repair]`: compare every live charter with what each target really holds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bookings.reconcile import drift_repair, drift_report_create


class Command(BaseCommand):
    help = (
        "Compare every live charter with what its guest page, calendar entry and crew event really hold; "
        "print each finding; exit 1 when there is drift. --repair re-pushes what drifted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Re-push every target that drifted.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = drift_report_create()
        for finding in report.findings:
            self.stdout.write(
                f"{finding['charter'] or '-':<10} {finding['target']:<15} {finding['kind']:<16} {finding['detail']}"
            )
        if not report.findings:
            self.stdout.write(self.style.SUCCESS("No drift: every target holds what its charter says."))
            return
        self.stdout.write(f"{report.finding_count} finding(s); recorded as drift report {report.pk}.")
        if options["repair"]:
            count = drift_repair(findings=report.findings)
            self.stdout.write(f"Re-pushing {count} target(s); run drift_report again to check.")
            return
        raise SystemExit(1)
