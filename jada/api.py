"""The plumbing every JSON API of the project shares (calendar, SCC, guest photo upload).

One django-ninja ``NinjaAPI`` serves them all under ``/api/``; each app owns a ``Router`` and
only says what differs (its routes, its credentials check, its schemas). What is shared:

* **one body cap** (``API_BODY_MAX_BYTES``) and one parser: the body must be UTF-8 JSON holding
  an object, or the answer is 400 (413 when too large) naming ``body`` — never a 500, whatever
  the bytes (deep nesting, NaN, 5 000-digit numbers);
* **one exception handler**: every ``JadaError`` answers with its own status and ``as_json()``;
  pydantic/ninja validation errors become our ``{"error", "field"}`` 400, naming the field as
  callers write it (``crew[0].email``); throttled AWS answers 503 with ``Retry-After``; anything
  else is a bug and reaches Django's 500 handler (logged);
* ``not_allowed``: a JSON 405 with an exact ``Allow`` header (ninja's own is plain text with the
  methods in set order);
* ``ClientThrottle``: a per-client rate limit in Django's cache (``jada.ratelimit``);
* the OpenAPI schema and its Swagger page at ``/api/openapi.json`` and ``/api/docs``, for
  whoever may use the admin only: anyone else is sent to the admin's sign-in and never sees them.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Router
from ninja.errors import HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.throttling import BaseThrottle

from jada.aws import aws_is_transient
from jada.errors import BodyTooLarge, FieldError, JadaError, RateLimited
from jada.ratelimit import attempt_count, client_address

logger = logging.getLogger(__name__)

API_BODY_MAX_BYTES = 256 * 1024  # the largest legitimate body (an SCC event, 50 crew) is ~20 kB
AWS_BUSY_RETRY_AFTER = 5
EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class JsonObjectParser(Parser):
    """UTF-8 JSON holding an object, within the one cap; anything else is a ``FieldError("body")``."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        raw = request.body  # RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE: 413 too
        if len(raw) > API_BODY_MAX_BYTES:
            raise BodyTooLarge(API_BODY_MAX_BYTES)
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
        except UnicodeDecodeError:
            raise FieldError("body", "The body must be UTF-8 encoded JSON.") from None
        except (ValueError, RecursionError):
            raise FieldError("body", "The body must be a JSON object.") from None
        if not isinstance(data, dict):
            raise FieldError("body", "The body must be a JSON object.")
        return data


class JsonApi(NinjaAPI):
    def get_content_type(self) -> str:
        # JSON is UTF-8 by definition (RFC 8259); callers already rely on the bare media type.
        return "application/json"


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The admin's own test (staff, and whatever else the admin site requires), else its sign-in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if admin.site.has_permission(request):
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))

    return wrapper


# --- the one exception handler ------------------------------------------------------------------
def _field_name(loc: Iterable[Any]) -> str:
    """ninja's ``("body", "payload", "crew", 0, "email")`` as a caller writes it: ``crew[0].email``."""
    parts = list(loc)
    source, rest = (parts[0] if parts else "body"), parts[1:]
    if source == "body":
        rest = rest[1:]  # the view's parameter name is ours, not the caller's
    name = ""
    for part in rest:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def validation_error_json(errors: list[dict[str, Any]]) -> dict[str, str]:
    """The first problem as ``{"error", "field"}``; the message always names the field."""
    first = errors[0] if errors else {}
    field = _field_name(first.get("loc", ()))
    kind, message = str(first.get("type", "")), str(first.get("msg", "is invalid"))
    if field == "body":
        return {"error": "The body must be a JSON object.", "field": field}
    if kind == "missing":
        return {"error": f"{field} is required.", "field": field}
    if kind == "value_error":  # our own validators' messages already name the field
        return {"error": message.removeprefix("Value error, "), "field": field}
    return {"error": f"{field}: {message}.", "field": field}


def api_error_response(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The one mapping from an exception to the JSON answer every API caller gets."""
    if isinstance(exc, HttpError) and isinstance(exc.__cause__, (JadaError, RequestDataTooBig)):
        exc = exc.__cause__  # the parser's own refusal, wrapped by ninja
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge(int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or API_BODY_MAX_BYTES))
    if isinstance(exc, JadaError):
        response = JsonResponse(exc.as_json(), status=exc.http_status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, ValidationError):
        return JsonResponse(validation_error_json(exc.errors), status=400)
    if isinstance(exc, Throttled):
        return JsonResponse(
            {"error": "Too many requests from this client; wait a few minutes and try again."}, status=429
        )
    if isinstance(exc, Http404):
        return JsonResponse({"error": "Not found."}, status=404)
    if isinstance(exc, HttpError):
        return JsonResponse({"error": exc.message}, status=exc.status_code)
    if isinstance(exc, (ClientError, BotoCoreError)) and aws_is_transient(exc):
        logger.warning("%s %s: AWS is busy or unreachable: %s", request.method, request.path, exc)
        response = JsonResponse({"error": "The store is busy; try again in a few seconds."}, status=503)
        response["Retry-After"] = str(AWS_BUSY_RETRY_AFTER)
        return response
    raise exc  # a bug: Django logs it and answers 500


# --- shared pieces for the apps' routers --------------------------------------------------------
def not_allowed(router: Router, path: str, allowed: tuple[str, ...]) -> None:
    """Answer every other method on ``path`` with a JSON 405 and ``Allow: <allowed>`` in that order."""
    others = [m for m in EVERY_METHOD if m not in allowed]

    def refuse(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = JsonResponse({"error": f"Method {request.method} is not allowed here."}, status=405)
        response["Allow"] = ", ".join(allowed)
        return response

    refuse.__name__ = f"not_allowed_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"
    with warnings.catch_warnings():  # ninja warns that the path's parameters are not named: on purpose
        warnings.simplefilter("ignore", UserWarning)
        router.api_operation(others, path, include_in_schema=False)(refuse)


class ClientThrottle(BaseThrottle):
    """At most ``limit()`` requests per client address per window, in Django's cache."""

    def __init__(self, *, scope: str, limit: Callable[[], int], window_seconds: int) -> None:
        self.scope, self.limit, self.window_seconds = scope, limit, window_seconds

    def allow_request(self, request: HttpRequest) -> bool:
        count = attempt_count(scope=self.scope, subject=client_address(request), window_seconds=self.window_seconds)
        return count <= self.limit()

    def wait(self) -> float:
        return float(self.window_seconds)  # ninja sends it as Retry-After


def api_build(routers: Iterable[tuple[str, Router]]) -> NinjaAPI:
    """The project's API: ``routers`` mounted under their prefixes, docs for staff only."""
    api = JsonApi(
        title="JADA Ops APIs",
        version="1",
        description="The calendar API (X-Dashboard-Token), the SCC API (X-Service-Key) and the guest photo upload.",
        urls_namespace="api",
        docs_decorator=staff_only,
        parser=JsonObjectParser(),
    )
    # ninja registers its own handlers for these three; ours replaces each (and covers the rest).
    handler: Any = api_error_response  # ninja's stub wants Exception | type[Exception]; it passes instances
    for exc_class in (Exception, Http404, HttpError, ValidationError):
        api.add_exception_handler(exc_class, handler)
    for prefix, router in routers:
        api.add_router(prefix, router)
    return api
