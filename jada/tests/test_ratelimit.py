from __future__ import annotations

from django.test import RequestFactory, override_settings

from jada.ratelimit import attempt_count, attempts_so_far, client_address


def test_attempts_are_counted_per_scope_and_subject() -> None:
    counts = [attempt_count(scope="s", subject="a@example.com", window_seconds=60) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert attempt_count(scope="s", subject="b@example.com", window_seconds=60) == 1
    assert attempt_count(scope="other", subject="a@example.com", window_seconds=60) == 1
    assert attempts_so_far(scope="s", subject="a@example.com") == 3
    assert attempts_so_far(scope="s", subject="never") == 0


def test_odd_subjects_are_hashed_not_used_as_cache_keys() -> None:
    subject = "\udcff" + "x" * 10_000 + " spaces and\nnewlines"
    assert attempt_count(scope="s", subject=subject, window_seconds=60) == 1
    assert attempt_count(scope="s", subject=subject, window_seconds=60) == 2


def test_client_address_trusts_forwarded_for_only_behind_our_proxy() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "10.0.0.1"
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert client_address(request) == "203.0.113.9"
