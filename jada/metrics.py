"""``/metrics``: Prometheus text for operators — HTTP traffic plus our own backlog, computed at scrape time.

HTTP requests and latencies come from django-prometheus' middleware (per process). Our gauges
(targets by state, oldest pending age, out-of-date rows, drift, scrub-sweep findings) are read
from the database on every scrape, so every web process reports the same numbers and nothing is
kept in memory that a restart could lose.

Several processes (gunicorn workers): set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
writable by every worker (cleared at deploy); the view then merges every process's HTTP metrics
with prometheus-client's multiprocess collector. Without it, each scrape sees the one process it
reached (fine for a single process such as ``make run``).

Who may read it: a staff session that passed the second factor, or ``Authorization: Bearer
$METRICS_TOKEN``. Anyone else gets a 401 JSON error; a bearer token when the server has none
configured gets 503, saying so.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from jada.models import SyncState

TARGET_MODELS = {
    "guest_page": ("guestpages", "GuestPage"),
    "calendar_entry": ("bookings", "CalendarEntry"),
    "crew_event": ("crew", "CrewEvent"),
}


def _target_models() -> Iterator[tuple[str, type]]:
    from django.apps import apps

    for target, (app_label, model_name) in TARGET_MODELS.items():
        yield target, apps.get_model(app_label, model_name)


def targets_out_of_date(model: type) -> int:
    """Rows of a target that hold an older version than their charter's current content
    (``bookings.targets.out_of_date_q``: delivered fingerprint ≠ wanted fingerprint)."""
    from bookings.targets import out_of_date_q

    return int(model._default_manager.filter(out_of_date_q()).count())  # type: ignore[attr-defined]


class JadaCollector(Collector):
    """Our own gauges, computed from the database when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        by_state = GaugeMetricFamily("jada_targets", "Target rows by sync state.", labels=["target", "state"])
        oldest = GaugeMetricFamily(
            "jada_target_oldest_pending_age_seconds",
            "Age of the oldest target row still pending or syncing (0 when none).",
            labels=["target"],
        )
        stale = GaugeMetricFamily(
            "jada_targets_out_of_date", "Target rows not holding their charter's current content.", labels=["target"]
        )
        for target, model in _target_models():
            manager = model._default_manager  # type: ignore[attr-defined]
            counts = dict(manager.values_list("sync_state").annotate(n=Count("id")).order_by())
            for state in SyncState.values:
                by_state.add_metric([target, state], counts.get(state, 0))
            first = manager.filter(sync_state__in=[SyncState.PENDING, SyncState.SYNCING]).aggregate(
                first=Min("updated_at")
            )["first"]
            oldest.add_metric([target], (now - first).total_seconds() if first else 0.0)
            stale.add_metric([target], targets_out_of_date(model))
        yield by_state
        yield oldest
        yield stale
        yield from self._drift()
        yield from self._sweep()
        yield from self._beat()

    def _drift(self) -> Iterator[Metric]:
        from bookings.models import DriftReport

        report = DriftReport.objects.order_by("-created_at", "-id").first()
        yield GaugeMetricFamily(
            "jada_drift_findings", "Findings of the latest drift report.", value=report.finding_count if report else 0
        )
        if report:
            yield GaugeMetricFamily(
                "jada_drift_report_timestamp_seconds",
                "When the latest drift report ran (Unix time).",
                value=report.created_at.timestamp(),
            )

    def _sweep(self) -> Iterator[Metric]:
        from jada.models import BeatHeartbeat

        beat = BeatHeartbeat.objects.filter(task="crew.tasks.crew_events_sweep").first()
        result = (beat.last_result or {}) if beat else {}
        yield GaugeMetricFamily(
            "jada_scrub_sweep_dirty_items",
            "Crew-facing items the last scrub sweep found holding financial data (it scrubbed them).",
            value=result.get("dirty", 0),
        )

    def _beat(self) -> Iterator[Metric]:
        from jada.models import BeatHeartbeat

        family = GaugeMetricFamily(
            "jada_beat_last_run_timestamp_seconds", "When each beat job last started (Unix time).", labels=["task"]
        )
        for task, at in BeatHeartbeat.objects.values_list("task", "last_beat_at"):
            family.add_metric([task], at.timestamp())
        yield family


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics_text() -> bytes:
    """The whole exposition: this process's (or every process's) HTTP metrics, then our gauges."""
    ours = CollectorRegistry(auto_describe=False)
    ours.register(JadaCollector())
    return generate_latest(_process_registry()) + generate_latest(ours)


def _allowed(request: HttpRequest) -> HttpResponse | None:
    """None when the caller may read metrics, else the refusal to send."""
    from jada.mfa import office_session_verified

    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = settings.METRICS_TOKEN
        if not token:
            return JsonResponse(
                {"error": "Metrics token auth is not configured on this server (METRICS_TOKEN is unset)."}, status=503
            )
        if hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode()):
            return None
        return JsonResponse({"error": "Invalid metrics token."}, status=401)
    if office_session_verified(request):
        return None
    return JsonResponse(
        {"error": "Sign in as office staff, or send Authorization: Bearer <METRICS_TOKEN>."}, status=401
    )


def metrics_view(request: HttpRequest) -> HttpResponse:
    refusal = _allowed(request)
    if refusal is not None:
        return refusal
    return HttpResponse(metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8")
