"""The SCC API (``/api/scc/events``, ``X-Service-Key``): a router of ``jada.api``, thin over ``crew.services``.

Auth comes first (``crew.service_key``): 503 when the server has no key hash, 429 after repeated
failures from one client, 401 for a missing or wrong key. Then the body, through the shared
parser and the schemas below: UTF-8 JSON holding an object, typed field by field, or 400 naming
what is wrong. The schemas only shape the input (types, lengths); ``crew.validation`` — which the
services run whoever calls them — keeps the rules. Unknown fields are dropped by the schema, and
responses carry only the crew-facing allow-list, so nothing a caller sends beyond it comes back.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import StrictInt, StrictStr

from crew import services
from crew.dynamo import crew_event_id
from crew.dynamo_sweep import READ_BATCH_SIZE, crew_events_get
from crew.service_key import FAILURE_WINDOW_SECONDS, KeyCheck, service_key_check
from crew.validation import MAX_CREW, TEXT_LIMITS, FieldError, charter_ref_clean
from jada.api import not_allowed
from jada.errors import ConfigurationError, CredentialsRefused, JadaError, RateLimited
from jada.ratelimit import client_address


def _auth_refusal(request: HttpRequest) -> JadaError | None:
    """Why this request may not use the API, or None. (The benchmark swaps it for its baseline.)"""
    check = service_key_check(request.META.get("HTTP_X_SERVICE_KEY"), client=client_address(request) or "-")
    if check is KeyCheck.OK:
        return None
    if check is KeyCheck.UNCONFIGURED:
        return ConfigurationError(
            "The SCC API is not configured: the service key is not configured on the server (SERVICE_KEY_HASH)."
        )
    if check is KeyCheck.LOCKED_OUT:
        return RateLimited(
            "Too many failed service-key attempts from this client; wait and try again.",
            retry_after=FAILURE_WINDOW_SECONDS,
        )
    return CredentialsRefused("Missing or wrong X-Service-Key.")


class ServiceKey(APIKeyHeader):
    param_name = "X-Service-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> bool:
        refusal = _auth_refusal(request)
        if refusal is not None:
            raise refusal
        return True


def _text(name: str, description: str = "") -> Any:
    return Field(None, max_length=TEXT_LIMITS[name], description=description)


class CrewEntryIn(Schema):
    email: StrictStr | None = Field(None, description="the crew member's e-mail (their identity)")
    name: StrictStr | None = Field(None, max_length=150)
    role: StrictStr | None = Field(None, max_length=32, description="captain, deckhand, …")


class CrewEventIn(Schema):
    """An SCC event as a caller writes it: every field optional here (POST requires charter_ref,
    title, starts_at, ends_at — ``crew.validation`` says so, naming the field); others ignored."""

    charter_ref: StrictStr | None = Field(None, description="the charter's code; the event's identity")
    title: StrictStr | None = _text("title")
    starts_at: StrictStr | None = Field(None, description="ISO 8601 with an offset")
    ends_at: StrictStr | None = Field(None, description="ISO 8601 with an offset, after starts_at")
    vessel: StrictStr | None = _text("vessel")
    meeting_point: StrictStr | None = _text("meeting_point")
    guest_count: StrictInt | None = None
    crew: list[CrewEntryIn] | None = Field(None, max_length=MAX_CREW)
    notes: StrictStr | None = _text("notes", "scrubbed of money before it is stored")
    status: StrictStr | None = Field(None, description="confirmed or cancelled")
    version: StrictInt | None = Field(None, description="the version this write is; an older one is refused (409)")

    def given(self) -> dict[str, Any]:
        """The fields the caller sent (PATCH changes only those)."""
        return self.model_dump(exclude_unset=True)


router = Router(auth=ServiceKey(), tags=["scc"])


@router.post(
    "/events",
    url_name="scc-events",
    response={200: dict[str, Any], 201: dict[str, Any]},
    summary="Upsert the event of charter_ref (201 created, 200 updated)",
)
def crew_event_write(request: HttpRequest, payload: CrewEventIn) -> Status:
    event, created = services.crew_event_upsert(data=payload.given())
    return Status(201 if created else 200, event)


@router.get("/events", summary="The events of ?charter_ref= (repeat it for up to 100 charters)")
def crew_events_find(request: HttpRequest, charter_ref: Query[list[str] | None] = None) -> dict[str, Any]:
    """At most one event per ``charter_ref`` given, in no particular order. ``looked_up`` says how
    many references were read, so a client can tell this server from one that reads only one."""
    if not charter_ref:
        raise FieldError("charter_ref", "Give ?charter_ref=<reference>; the whole table is not listed.")
    if len(charter_ref) > READ_BATCH_SIZE:
        raise FieldError("charter_ref", f"Give at most {READ_BATCH_SIZE} charter_ref values per request.")
    found = crew_events_get(crew_event_id(charter_ref_clean(ref)) for ref in charter_ref)
    return {"events": list(found.values()), "looked_up": len(charter_ref)}


@router.get("/events/{event_id}", url_name="scc-event", summary="Read one event")
def crew_event_show(request: HttpRequest, event_id: str) -> dict[str, Any]:
    return services.crew_event_read(event_id=event_id)


@router.patch("/events/{event_id}", summary="Change some fields of one event")
def crew_event_change(request: HttpRequest, event_id: str, payload: CrewEventIn) -> dict[str, Any]:
    return services.crew_event_patch(event_id=event_id, changes=payload.given())


@router.delete("/events/{event_id}", summary="Cancel one event (crew are told); it stays readable")
def crew_event_withdraw(request: HttpRequest, event_id: str) -> dict[str, Any]:
    return services.crew_event_cancel(event_id=event_id)


not_allowed(router, "/events", ("GET", "POST"))
not_allowed(router, "/events/{event_id}", ("GET", "PATCH", "DELETE"))
