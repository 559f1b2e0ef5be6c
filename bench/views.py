"""Baseline views, served only by the bench URL conf (bench/urls.py) on the benchmark's server.

* ``portal_bare``: what the crew portal cannot avoid — one DynamoDB Query of the ``by_crew``
  index for one member — in a bare Django view: no session, no template, no allow-list.
* ``scc_events_unauthenticated``: the real ``POST /api/scc/events`` view with the service-key
  check switched off for the duration of the request. gunicorn's sync workers serve one request
  at a time per process, so the swap cannot leak into another request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


def portal_bare(request: HttpRequest) -> HttpResponse:
    from jada.aws import aws_client

    email = request.GET.get("email", "").strip().lower()
    answer = aws_client("dynamodb").query(
        TableName=settings.CREW_EVENTS_TABLE,
        IndexName="by_crew",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CREW#{email}"}},
    )
    titles = [item.get("title", {}).get("S", "") for item in answer.get("Items", [])]
    return HttpResponse("\n".join(titles), content_type="text/plain; charset=utf-8")


def _no_refusal(request: HttpRequest) -> None:
    return None


@csrf_exempt  # as the real view is: API callers carry a key, not a CSRF cookie
def scc_events_unauthenticated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    from django.urls import resolve

    from crew import api

    view = resolve("/api/scc/events").func  # the real ninja view: schema, parser, error handler
    checked = api._auth_refusal
    api._auth_refusal = _no_refusal
    try:
        return view(request, *args, **kwargs)
    finally:
        api._auth_refusal = checked
