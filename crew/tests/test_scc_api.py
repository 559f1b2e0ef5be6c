"""The SCC API through the real client (in-process WSGI) with DynamoDB in moto."""

from __future__ import annotations

import re
from typing import Any

import bcrypt
import httpx
import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings

from crew import dynamo, service_key
from crew.client import SccClient
from crew.crew_facing import CREW_FACING_FIELDS
from crew.tests import scc_support
from crew.tests.factories import CrewMemberFactory
from crew.tests.scc_support import MONEY_NOTES, event_payload
from jada.errors import RemoteError

pytestmark = pytest.mark.django_db
# Fixtures shared by the SCC tests (bound here so pytest finds them).
_forget_verified_keys = scc_support._forget_verified_keys
table, wsgi, scc, raw = scc_support.table, scc_support.wsgi, scc_support.scc, scc_support.raw

KEY = settings.TEST_SERVICE_KEY


def _post(raw: httpx.Client, key: str | bytes | None, **kwargs: Any) -> httpx.Response:
    headers: dict[str, Any] = {} if key is None else {"X-Service-Key": key}
    return raw.post("/events", headers=headers, json=kwargs.get("json", event_payload()))


# --- auth -------------------------------------------------------------------------------------
@override_settings(SERVICE_KEY_HASH=None)
def test_unset_hash_answers_503_saying_so(raw: httpx.Client) -> None:
    for response in (_post(raw, KEY), raw.get("/events/evt_x", headers={"X-Service-Key": KEY})):
        assert response.status_code == 503
        assert "service key is not configured" in response.json()["error"]


@override_settings(SERVICE_KEY_HASH="$2b$12$mangled")
def test_malformed_hash_at_runtime_is_503_not_500(raw: httpx.Client) -> None:
    assert _post(raw, KEY).status_code == 503


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "wrong-key",
        KEY + "x",
        "k" * 73,  # over bcrypt's 72 bytes: bcrypt 5 would raise
        "k" * 10_240,  # a 10 kB header
        KEY + "\t",
    ],
    ids=["missing", "empty", "wrong", "longer", "73-bytes", "10kB", "control-char"],
)
def test_bad_keys_answer_401_json(raw: httpx.Client, key: str | bytes | None) -> None:
    response = _post(raw, key)
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or wrong X-Service-Key."}
    assert dynamo.crew_event_get(dynamo.crew_event_id("XHQGMDH")) is None


@pytest.mark.parametrize(
    "key", [KEY[:-1] + "é", "\xff\xfe" + KEY, "é" * 40], ids=["non-ascii", "non-utf8", "multibyte"]
)
def test_non_ascii_keys_answer_401(client: Any, table: Any, key: str) -> None:
    # httpx refuses to send these, so Django's test client (WSGI decodes headers as latin-1) does.
    response = client.post("/api/scc/events", event_payload(), content_type="application/json", HTTP_X_SERVICE_KEY=key)
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or wrong X-Service-Key."}


def test_right_key_creates(raw: httpx.Client) -> None:
    response = _post(raw, KEY)
    assert response.status_code == 201
    assert response.json()["charter_ref"] == "XHQGMDH"


def test_client_with_wrong_key_gets_permanent_error(wsgi: httpx.WSGITransport, table: Any) -> None:
    with SccClient(key="wrong", transport=wsgi) as client, pytest.raises(RemoteError) as caught:
        client.event_upsert(event_payload())
    assert caught.value.transient is False
    assert "401" in caught.value.message and "wrong" not in caught.value.message.replace("wrong X-", "")


def test_verified_key_does_not_pay_bcrypt_again(raw: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        calls.append(password)
        return real(password, hashed)

    monkeypatch.setattr(service_key.bcrypt, "checkpw", spy)
    for _ in range(3):
        assert _post(raw, KEY).status_code in (200, 201)
    assert len(calls) == 1
    with override_settings(SERVICE_KEY_HASH=bcrypt.hashpw(b"rotated-key", bcrypt.gensalt(4)).decode()):
        assert _post(raw, KEY).status_code == 401  # a rotated hash is not satisfied by the cache


def test_repeated_failures_get_429_without_bcrypt(raw: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _post(raw, KEY).status_code == 201  # a known-good caller from the same address
    statuses = [_post(raw, f"guess-{i}").status_code for i in range(service_key.FAILURE_LIMIT + 2)]
    assert statuses[: service_key.FAILURE_LIMIT] == [401] * service_key.FAILURE_LIMIT
    assert statuses[service_key.FAILURE_LIMIT :] == [429, 429]
    monkeypatch.setattr(service_key.bcrypt, "checkpw", lambda *a: pytest.fail("bcrypt ran while locked out"))
    locked = _post(raw, "another-guess")
    assert locked.status_code == 429 and locked.headers["Retry-After"]
    assert "Too many" in locked.json()["error"]
    assert _post(raw, KEY).status_code == 200  # the verified key still works, at no bcrypt cost


# --- the API ----------------------------------------------------------------------------------
def test_upsert_is_idempotent(scc: SccClient) -> None:
    first = scc.event_upsert(event_payload())
    again = scc.event_upsert(event_payload())
    assert again == first
    assert first["id"] == dynamo.crew_event_id("XHQGMDH") and first["version"] == 1
    changed = scc.event_upsert(event_payload(meeting_point="Dock 9"))
    assert (changed["id"], changed["version"], changed["meeting_point"]) == (first["id"], 2, "Dock 9")


def test_post_answers_201_then_200(raw: httpx.Client) -> None:
    assert _post(raw, KEY).status_code == 201
    assert _post(raw, KEY).status_code == 200
    assert _post(raw, KEY, json=event_payload(notes="changed")).status_code == 200


def test_stale_version_refused(scc: SccClient, raw: httpx.Client) -> None:
    assert scc.event_upsert(event_payload(version=5))["version"] == 5
    with pytest.raises(RemoteError) as caught:
        scc.event_upsert(event_payload(version=3, notes="older"))
    assert caught.value.transient is False and "409" in caught.value.message
    response = _post(raw, KEY, json=event_payload(version=5, notes="same version, other content"))
    assert response.status_code == 409
    assert response.json()["stored_version"] == 5 and "Stale version" in response.json()["error"]
    assert scc.event_upsert(event_payload(version=5))["version"] == 5  # exact repeat: fine
    event_id = dynamo.crew_event_id("XHQGMDH")
    with pytest.raises(RemoteError):
        scc.event_patch(event_id, {"notes": "late", "version": 4})
    assert scc.event_get(event_id)["notes"] == "Meet at dock 7 at 14:00."  # type: ignore[index]
    assert scc.event_patch(event_id, {"notes": "newer", "version": 6})["version"] == 6


def test_read_by_id_and_by_charter_ref(scc: SccClient, raw: httpx.Client) -> None:
    created = scc.event_upsert(event_payload())
    assert scc.event_get(created["id"]) == created
    assert scc.event_find("xhqgmdh") == created
    assert scc.event_find("NOSUCH") is None
    assert scc.event_get("evt_00000000000000000000") is None
    missing = raw.get("/events/evt_00000000000000000000", headers={"X-Service-Key": KEY})
    assert missing.status_code == 404 and "error" in missing.json()
    no_filter = raw.get("/events", headers={"X-Service-Key": KEY})
    assert no_filter.status_code == 400 and no_filter.json()["field"] == "charter_ref"


def test_many_events_are_read_by_charter_ref_a_hundred_at_a_time(scc: SccClient, raw: httpx.Client) -> None:
    created = {ref: scc.event_upsert(event_payload(charter_ref=ref)) for ref in ("ALPHA1", "BRAVO2", "CHARLIE3")}
    refs = ["alpha1", "BRAVO2", "NOSUCH", "CHARLIE3"] + [f"MISSING{n}" for n in range(120)]
    found = scc.events_find(refs)
    assert found == {ref: created[ref] for ref in ("ALPHA1", "BRAVO2", "CHARLIE3")}
    too_many = raw.get("/events", params={"charter_ref": [f"R{n}" for n in range(101)]}, headers={"X-Service-Key": KEY})
    assert too_many.status_code == 400 and too_many.json()["field"] == "charter_ref"


def test_many_requests_in_flight_find_the_same_events_each_asked_once(
    scc: SccClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = {ref: scc.event_upsert(event_payload(charter_ref=ref)) for ref in ("ALPHA1", "BRAVO2", "CHARLIE3")}
    refs = (
        ["ALPHA1"] + [f"MISSING{n}" for n in range(250)] + ["BRAVO2"] + [f"GONE{n}" for n in range(60)] + ["CHARLIE3"]
    )
    asked: list[tuple[str, ...]] = []
    real = SccClient._request

    def counted(self: SccClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        asked.append(tuple(kwargs["params"]["charter_ref"]))
        return real(self, method, url, **kwargs)

    monkeypatch.setattr(SccClient, "_request", counted)
    assert scc.events_find(refs, in_flight=3) == created == scc.events_find(refs)
    chunks = [tuple(refs[i : i + 100]) for i in range(0, len(refs), 100)]
    assert len(chunks) == 4 and sorted(asked) == sorted(chunks * 2)


def test_a_server_that_reads_one_ref_per_request_is_told_apart(scc: SccClient, monkeypatch: pytest.MonkeyPatch) -> None:
    scc.event_upsert(event_payload(charter_ref="ALPHA1"))
    legacy = {"events": [scc.event_find("ALPHA1")]}  # what a legacy SCC answers: one event, no count
    monkeypatch.setattr(SccClient, "_json", lambda self, response: legacy)
    assert scc.events_find(["ALPHA1", "BRAVO2"]) is None
    asked: list[str] = []
    real = SccClient._request

    def counted(self: SccClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        asked.append(method)
        return real(self, method, url, **kwargs)

    monkeypatch.setattr(SccClient, "_request", counted)
    assert scc.events_find([f"R{n}" for n in range(500)], in_flight=4) is None
    assert asked == ["GET"]  # told apart by the first request: the other four hundred are not asked


def test_unknown_fields_are_ignored_and_never_stored(scc: SccClient, table: Any) -> None:
    created = scc.event_upsert(
        event_payload(revenue=1450, captain_fee=300, price="$1,450", id="evt_forged", updated_at="1999", payout=9)
    )
    assert set(created) == set(CREW_FACING_FIELDS)
    assert created["id"] == dynamo.crew_event_id("XHQGMDH")
    for item in dynamo.crew_event_items(created["id"]):
        assert set(item) <= dynamo.ITEM_ATTRIBUTES
        assert not {"revenue", "captain_fee", "price", "payout"} & set(item)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"charter_ref": None}, "charter_ref"),
        ({"charter_ref": "bad ref!"}, "charter_ref"),
        ({"title": ""}, "title"),
        ({"title": 7}, "title"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": "2024-05-30T14:00:00"}, "starts_at"),  # no offset
        ({"ends_at": "2024-05-30T13:00:00-07:00"}, "ends_at"),
        ({"guest_count": "six"}, "guest_count"),
        ({"guest_count": True}, "guest_count"),
        ({"crew": "captain"}, "crew"),
        ({"crew": [{"email": "not-an-email", "name": "X", "role": "mate"}]}, "crew[0].email"),
        ({"crew": [{"email": "a@example.com", "name": ["x"], "role": "mate"}]}, "crew[0].name"),
        ({"status": "maybe"}, "status"),
        ({"notes": "x" * 5000}, "notes"),
        ({"version": 0}, "version"),
        ({"version": "2"}, "version"),
    ],
)
def test_validation_names_the_field(raw: httpx.Client, changes: dict[str, Any], field: str) -> None:
    response = _post(raw, KEY, json=event_payload(**changes))
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert field.split(".")[-1].split("[")[0] in response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe{}", b"[1, 2]", b"", b"[" * 100_000 + b"]" * 100_000, b'{"title": NaN'],
    ids=["not-json", "not-utf8", "array", "empty", "deep-nesting", "broken"],
)
def test_odd_bodies_are_400_never_500(raw: httpx.Client, body: bytes) -> None:
    response = raw.post("/events", headers={"X-Service-Key": KEY, "Content-Type": "application/json"}, content=body)
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_other_methods_are_405(raw: httpx.Client) -> None:
    response = raw.put("/events", headers={"X-Service-Key": KEY}, json={})
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST"


def test_patch_and_cancel(scc: SccClient, raw: httpx.Client) -> None:
    created = scc.event_upsert(event_payload())
    patched = scc.event_patch(created["id"], {"guest_count": 8, "unknown": "ignored"})
    assert (patched["guest_count"], patched["version"]) == (8, 2)
    bad = raw.patch(f"/events/{created['id']}", headers={"X-Service-Key": KEY}, json={"charter_ref": "OTHER"})
    assert bad.status_code == 400 and bad.json()["field"] == "charter_ref"
    cancelled = scc.event_cancel(created["id"])
    assert cancelled is not None and (cancelled["status"], cancelled["version"]) == ("cancelled", 3)
    assert scc.event_cancel(created["id"]) == cancelled  # cancelling twice changes nothing
    assert scc.event_cancel("evt_00000000000000000000") is None


def test_money_in_notes_never_reaches_item_response_or_email(
    scc: SccClient, table: Any, django_capture_on_commit_callbacks: Any
) -> None:
    captain = CrewMemberFactory(email="captain@example.com", name="Cass Captain")
    deck = CrewMemberFactory(email="deck@example.com", name="Dee Deck")
    crew = [
        {"email": captain.email, "name": captain.name, "role": "captain", "fee": 300},
        {"email": deck.email, "name": deck.name, "role": "deckhand"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = scc.event_upsert(event_payload(notes=MONEY_NOTES, crew=crew, revenue=1450))
    item = dynamo.crew_event_item(response["id"])
    assert item is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["captain@example.com", "deck@example.com"]
    outputs = {
        "item": repr(item),
        "response": repr(response),
        **{f"mail to {m.to[0]}": f"{m.subject} {m.body} {getattr(m, 'alternatives', '')}" for m in mail.outbox},
    }
    for name, text in outputs.items():
        text = re.sub(r"sesame=[\w-]+", "sesame=TOKEN", text)  # a random token may contain "300"
        for amount in ("1,450", "1450", "$", "300"):
            assert amount not in text, f"{amount} leaked into the {name}"
        for operational in ("dock 7", "14:00", "party of 6"):
            assert operational in text, f"{operational} lost from the {name}"
    # the financial phrase goes whole: nothing tells crew that there was a captain fee
    assert item["notes"] == "Meet at dock 7 at 14:00, party of 6"
    assert item["delivery_state"] == "notified"
