"""The SCC API (``/api/scc/events``, ``X-Service-Key``): thin views over ``crew.services``.

Every answer is JSON. Auth comes first (``crew.service_key``): 503 when the server has no key
hash, 429 after repeated failures from one client, 401 for a missing or wrong key. Then the
body: it must be UTF-8 JSON holding an object, or the answer is 400 naming what is wrong; no
input — a 10 kB header, a body that is not UTF-8, deeply nested JSON — reaches a 500. Responses
carry only the crew-facing allow-list, so nothing a caller sends beyond it ever comes back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from crew import services
from crew.dynamo import crew_event_get, crew_event_id
from crew.service_key import FAILURE_WINDOW_SECONDS, KeyCheck, service_key_check
from crew.validation import FieldError, charter_ref_clean
from jada.errors import JadaError
from jada.ratelimit import client_address

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _auth_refusal(request: HttpRequest) -> JsonResponse | None:
    check = service_key_check(request.META.get("HTTP_X_SERVICE_KEY"), client=client_address(request) or "-")
    if check is KeyCheck.OK:
        return None
    if check is KeyCheck.UNCONFIGURED:
        return _error(
            503,
            "The SCC API is not configured: the service key is not configured on the server (SERVICE_KEY_HASH).",
        )
    if check is KeyCheck.LOCKED_OUT:
        response = _error(429, "Too many failed service-key attempts from this client; wait and try again.")
        response["Retry-After"] = str(FAILURE_WINDOW_SECONDS)
        return response
    return _error(401, "Missing or wrong X-Service-Key.")


def _body(request: HttpRequest) -> Any:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise FieldError("body", "The body is too large.") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise FieldError("body", "The body must be UTF-8 encoded JSON.") from None
    except (ValueError, RecursionError):
        raise FieldError("body", "The body must be valid JSON.") from None


def _guarded(methods: tuple[str, ...]) -> Callable[[View], View]:
    """Auth, method check and the mapping of expected errors to JSON answers, for every view."""

    def decorate(view: View) -> View:
        @csrf_exempt
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refusal = _auth_refusal(request)
            if refusal is not None:
                return refusal
            if request.method not in methods:
                response = _error(405, f"Method {request.method} is not allowed here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except FieldError as exc:
                return _error(400, exc.message, field=exc.field)
            except services.EventNotFoundError as exc:
                return _error(404, exc.message)
            except services.StaleVersionError as exc:
                return _error(409, exc.message, stored_version=exc.stored)
            except JadaError as exc:
                logger.warning("SCC API refused %s %s: %s", request.method, request.path, exc.message)
                return _error(409 if exc.code == "conflict" else 400, exc.message)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


@_guarded(("GET", "POST"))
def events(request: HttpRequest) -> HttpResponse:
    """POST: upsert by charter_ref (201 created, 200 updated). GET ?charter_ref=: the matching events."""
    if request.method == "POST":
        event, created = services.crew_event_upsert(data=_body(request))
        return JsonResponse(event, status=201 if created else 200)
    if "charter_ref" not in request.GET:
        raise FieldError("charter_ref", "Give ?charter_ref=<reference>; the whole table is not listed.")
    ref = charter_ref_clean(request.GET["charter_ref"])
    found = crew_event_get(crew_event_id(ref))
    return JsonResponse({"events": [found] if found else []})


@_guarded(("GET", "PATCH", "DELETE"))
def event_detail(request: HttpRequest, event_id: str) -> HttpResponse:
    """GET: read. PATCH: change some fields. DELETE: cancel (crew are told); the event stays readable."""
    if request.method == "GET":
        return JsonResponse(services.crew_event_read(event_id=event_id))
    if request.method == "PATCH":
        changes = _body(request)
        if not isinstance(changes, dict):
            raise FieldError("body", "The body must be a JSON object.")
        return JsonResponse(services.crew_event_patch(event_id=event_id, changes=changes))
    return JsonResponse(services.crew_event_cancel(event_id=event_id))
