"""Bad settings stop start-up with a sentence that says how to fix them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "JADA_IGNORE_DOTENV": "true",
    "DJANGO_SETTINGS_MODULE": "jada.settings",
    "DJANGO_DEBUG": "true",
}


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**BASE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a boolean. Set DJANGO_DEBUG to one of: true, false"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY is not set. Set it to a long random string"),
        ({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY is shorter than 32 characters"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL could not be understood"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL='http://127.0.0.1:6379' is not a valid URL"),
        ({"AWS_ENDPOINT_URL": "localhost:5000"}, "AWS_ENDPOINT_URL='localhost:5000' is not a valid URL"),
        ({"SCC_API_URL": "ftp://scc"}, "SCC_API_URL='ftp://scc' is not a valid URL"),
        ({"HTTP_CLIENT_TIMEOUT_SECONDS": "soon"}, "HTTP_CLIENT_TIMEOUT_SECONDS='soon' is not a whole number"),
        ({"CREW_LINK_MAX_AGE_MINUTES": "0"}, "CREW_LINK_MAX_AGE_MINUTES=0 is out of range"),
        (
            {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50, "JADA_REQUIRE_2FA": "false"},
            "JADA_REQUIRE_2FA=false is only allowed for local development. Remove JADA_REQUIRE_2FA",
        ),
        # What bash does to an unquoted hash: `$2b`, `$12` expanded away.
        (
            {"SERVICE_KEY_HASH": "b2/cIPzAbcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"},
            "SERVICE_KEY_HASH is not a bcrypt hash",
        ),
    ],
)
def test_bad_setting_is_refused_with_how_to_fix(env: dict[str, str], message: str) -> None:
    result = run_check(**env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_service_key_hash_with_dollars_is_read_verbatim() -> None:
    hash_ = "$2b$12$" + "R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"[:53]
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SERVICE_KEY_HASH)"],
        cwd=ROOT,
        env={**BASE_ENV, "SERVICE_KEY_HASH": hash_},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == hash_, result.stderr


def test_good_settings_pass_check() -> None:
    result = run_check(DATABASE_URL="sqlite:////tmp/jada-settings-check.sqlite3")
    assert result.returncode == 0, result.stderr
