"""Crew portal sign-in: no enumeration, rate limits, links that work once asked for and fail politely."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
import sesame.tokens_v2
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from crew.links import crew_login_link
from crew.models import CrewMember
from crew.tests.portal_support import confirm_path, member_make, sign_in, token_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("crew_table")]

CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _ask(client: Client, email: str, addr: str = "198.51.100.7") -> Any:
    return client.post("/crew/login/", {"email": email}, REMOTE_ADDR=addr)


def _link_from_mail(index: int = -1) -> str:
    match = re.search(r"https?://\S+/crew/login/confirm/\?sesame=\S+", str(mail.outbox[index].body))
    assert match, mail.outbox[index].body
    return match.group(0)


def _signed_in(client: Client) -> bool:
    return client.get("/crew/").status_code == 200


def test_login_page_is_a_labelled_form(client: Client) -> None:
    response = client.get("/crew/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_email">' in html and 'id="id_email"' in html and 'type="email"' in html
    assert 'name="viewport"' in html and "<script" not in html


def test_a_known_address_gets_a_magic_link_by_mail(client: Client, ana: CrewMember) -> None:
    response = _ask(client, "ANA@example.com ")
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    assert mail.outbox[0].subject == "Your JADA crew sign-in link"
    assert _link_from_mail().startswith(f"{settings.SITE_URL}/crew/login/confirm/?sesame=")


def test_identical_answers_for_known_unknown_and_inactive_addresses(client: Client, ana: CrewMember) -> None:
    gone = member_make(email="gone@example.com")
    gone.user.is_active = False
    gone.user.save()
    answers = [_ask(client, email) for email in ("ana@example.com", "nobody@example.com", "gone@example.com")]
    assert {a.status_code for a in answers} == {200}
    bodies = {CSRF_RE.sub(b"CSRF", a.content) for a in answers}
    assert len(bodies) == 1
    assert len({tuple(sorted(k for k in a.headers if k != "Set-Cookie")) for a in answers}) == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_rate_limited_per_address_known_or_not(client: Client, ana: CrewMember) -> None:
    for email in ("ana@example.com", "nobody@example.com"):
        codes = [_ask(client, email, addr=f"203.0.113.{i}").status_code for i in range(4)]
        assert codes == [200, 200, 200, 429], email
    assert len(mail.outbox) == 3
    limited_known = _ask(client, "ana@example.com", addr="203.0.113.50")
    limited_unknown = _ask(client, "nobody@example.com", addr="203.0.113.51")
    assert limited_known.content == limited_unknown.content
    assert limited_known["Retry-After"] == "900"
    assert len(mail.outbox) == 3


def test_rate_limited_per_client(client: Client, settings: Any) -> None:
    settings.CREW_LOGIN_RATE_PER_CLIENT = 5
    codes = [_ask(client, f"someone{i}@example.com", addr="192.0.2.1").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]
    assert _ask(client, "someone-else@example.com", addr="192.0.2.2").status_code == 200


@pytest.mark.parametrize(
    "data",
    [{"email": "not-an-address"}, {"email": "a" * 10_000 + "@example.com"}, {}, {"email": "ünï cödé@@x"}],
    ids=["malformed", "huge", "missing", "odd"],
)
def test_bad_input_is_a_form_error_never_a_500(client: Client, data: dict[str, str]) -> None:
    response = client.post("/crew/login/", data)
    assert response.status_code == 400
    assert b'class="errorlist"' in response.content
    assert mail.outbox == []


def test_non_utf8_body_is_not_a_500(client: Client) -> None:
    response = client.post(
        "/crew/login/", b"email=\xff\xfe%ff@example.com", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 400)


def test_the_link_opens_a_confirm_page_that_does_not_sign_in(client: Client, ana: CrewMember) -> None:
    path = confirm_path(ana)
    for _ in range(2):  # a mail scanner fetching it first uses nothing up
        response = client.get(path)
        assert response.status_code == 200
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        assert "<script" not in html and '<button type="submit" class="primary">Sign in</button>' in html
        assert not _signed_in(client)
    assert client.head(path).status_code == 200
    assert not _signed_in(client)


def test_posting_the_link_signs_in(client: Client, ana: CrewMember) -> None:
    response = client.post("/crew/login/confirm/", {"sesame": token_of(ana)})
    assert response.status_code == 303
    assert response["Location"] == "/crew/"
    assert response["Referrer-Policy"] == "no-referrer"
    assert _signed_in(client)


def test_end_to_end_from_the_mail(client: Client, ana: CrewMember) -> None:
    _ask(client, "ana@example.com")
    link = _link_from_mail().removeprefix(str(settings.SITE_URL))
    page = client.get(link)
    token = re.search(r'name="sesame" value="([^"]+)"', page.content.decode())
    assert token is not None
    assert client.post("/crew/login/confirm/", {"sesame": token.group(1)}).status_code == 303
    assert _signed_in(client)


def _assert_refused(client: Client, token: str) -> None:
    for response in (
        client.get("/crew/login/confirm/", {"sesame": token}),
        client.post("/crew/login/confirm/", {"sesame": token}),
    ):
        assert response.status_code == 400
        html = response.content.decode()
        assert "This sign-in link doesn't work any more" in html
        assert 'action="/crew/login/"' in html  # offers a new link
        assert response["Referrer-Policy"] == "no-referrer"
    assert not _signed_in(client)


def test_expired_link_fails(client: Client, ana: CrewMember, monkeypatch: pytest.MonkeyPatch) -> None:
    made_at = time.time() - settings.SESAME_MAX_AGE.total_seconds() - 5

    class Earlier:
        @staticmethod
        def time() -> float:
            return made_at

    monkeypatch.setattr(sesame.tokens_v2, "time", Earlier)
    token = token_of(ana)
    monkeypatch.undo()
    _assert_refused(client, token)


def test_tampered_link_fails(client: Client, ana: CrewMember) -> None:
    token = token_of(ana)
    last = "A" if token[-1] != "A" else "B"
    _assert_refused(client, token[:-1] + last)
    other = member_make(email="other@example.com")
    # ana's timestamp and signature on someone else's user id (the first four bytes)
    raw = base64.urlsafe_b64decode(token + "==")
    forged = base64.urlsafe_b64encode(base64.urlsafe_b64decode(token_of(other) + "==")[:4] + raw[4:])
    _assert_refused(client, forged.decode().rstrip("="))


@pytest.mark.parametrize("scope", ["", "guest-upload"])
def test_link_made_for_another_scope_fails(client: Client, ana: CrewMember, scope: str) -> None:
    _assert_refused(client, token_of(ana, scope=scope))


def test_link_fails_after_sign_out(client: Client, ana: CrewMember) -> None:
    token = token_of(ana)
    other_link_token = crew_login_link(ana).split("sesame=")[1]  # e.g. one from an earlier e-mail
    client.post("/crew/login/confirm/", {"sesame": token})
    assert _signed_in(client)
    response = client.post("/crew/logout/")
    assert response.status_code == 200 and b"signed out" in response.content
    assert not _signed_in(client)
    _assert_refused(client, token)
    _assert_refused(client, other_link_token)
    ana.refresh_from_db()
    sign_in(client, ana)  # a new link works
    assert _signed_in(client)


def test_logout_get_does_not_sign_out(client: Client, ana: CrewMember) -> None:
    sign_in(client, ana)
    assert client.get("/crew/logout/").status_code == 302
    assert _signed_in(client)


def test_deactivated_member_cannot_sign_in(client: Client, ana: CrewMember) -> None:
    token = token_of(ana)
    ana.user.is_active = False
    ana.user.save()
    _assert_refused(client, token)
    _ask(client, "ana@example.com")
    assert mail.outbox == []


def test_deactivating_ends_an_open_session(client: Client, ana: CrewMember) -> None:
    sign_in(client, ana)
    ana.user.is_active = False
    ana.user.save()
    assert client.get("/crew/")["Location"] == "/crew/login/"


def test_staff_cannot_sign_in_with_a_crew_link(client: Client) -> None:
    office = member_make(email="office@example.com")
    office.user.is_staff = True
    office.user.save()
    _assert_refused(client, token_of(office))
    _ask(client, "office@example.com")
    assert mail.outbox == []


def test_a_crew_session_cannot_open_the_admin(client: Client, ana: CrewMember) -> None:
    sign_in(client, ana)
    response = client.get("/admin/")
    # Refused outright (jada/mfa.py): a signed-in non-staff session is never offered the admin.
    assert response.status_code == 403
    assert client.get("/admin/crew/crewexposure/").status_code == 403


@pytest.mark.parametrize(
    "token", ["", "x", "A" * 10_000, "ÿÿÿÿ", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "../../etc"], ids=repr
)
def test_garbage_links_get_the_friendly_page(client: Client, token: str) -> None:
    response = client.get("/crew/login/confirm/", {"sesame": token})
    assert response.status_code == 400
    assert b"Get a new link" in response.content


def test_anonymous_portal_visit_goes_to_sign_in(client: Client) -> None:
    assert client.get("/crew/")["Location"] == "/crew/login/"


def test_links_point_at_the_confirm_route(ana: CrewMember) -> None:
    assert crew_login_link(ana).startswith(f"{settings.SITE_URL}{reverse('crew:login-confirm')}?sesame=")


def test_signed_in_crew_skip_the_login_form(client: Client, ana: CrewMember) -> None:
    sign_in(client, ana)
    assert client.get("/crew/login/")["Location"] == "/crew/"
