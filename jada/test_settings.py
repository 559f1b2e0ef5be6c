"""Settings for the test suite: the real settings module, with services found on loopback.

Where PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) answer, the suite uses
them; elsewhere SQLite and no Redis. On CI (``CI=true``) both must be there: a missing service
fails the run instead of silently skipping what needs it.
"""

from __future__ import annotations

import os
import socket

import bcrypt

os.environ["JADA_IGNORE_DOTENV"] = "true"
for _name in ("DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL", "AWS_ENDPOINT_URL", "SCC_API_URL", "CALENDAR_API_URL"):
    os.environ.pop(_name, None)
for _name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
    os.environ.pop(_name)  # a per-service endpoint would bypass the tests' moto
os.environ["DJANGO_SECRET_KEY"] = "test-secret-key-that-is-long-enough-for-the-settings-check"
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.pop("AWS_SESSION_TOKEN", None)
os.environ.pop("AWS_PROFILE", None)

from jada.settings import *  # noqa: E402,F403
from jada.settings import DATABASES  # noqa: E402


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


_ON_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}  # as jada/pytest_ci.py
_FORCE_SQLITE = os.environ.get("JADA_TEST_SQLITE", "") == "1"

if not _FORCE_SQLITE and _answers("127.0.0.1", 5432):
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "test",
        "USER": os.environ.get("JADA_TEST_PG_USER", "postgres"),
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "TEST": {"NAME": os.environ.get("JADA_TEST_DB_NAME", "test_jada")},
    }
elif _ON_CI and not _FORCE_SQLITE:
    raise RuntimeError("CI=true but PostgreSQL does not answer on 127.0.0.1:5432; start it before the tests.")
else:
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

# Redis for tests that run a real Celery worker; None where it is not running (tests then skip,
# except on CI where its absence is an error).
TEST_REDIS_URL: str | None = None
if _answers("127.0.0.1", 6379):
    TEST_REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('JADA_TEST_REDIS_DB', '15')}"
elif _ON_CI:
    raise RuntimeError("CI=true but Redis does not answer on 127.0.0.1:6379; start it before the tests.")
TESTS_REQUIRE_SERVICES = _ON_CI

DEBUG = False
# The test client speaks plain HTTP; production redirects to HTTPS (test_deploy_check covers it).
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# Admin tests sign staff in directly; the second factor's own tests (jada/tests/test_mfa*.py) turn it on.
JADA_REQUIRE_2FA = False
AXES_ENABLED = True
ALLOWED_HOSTS = ["testserver", "localhost", ".localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AWS_ENDPOINT_URL = None
AWS_DEFAULT_REGION = "us-east-1"
CREW_EVENTS_TABLE = "scc-events-test"
DASHBOARD_TOKEN = "test-dashboard-token"
TEST_SERVICE_KEY = "test-service-key-0123456789abcdef"
SERVICE_KEY_HASH = bcrypt.hashpw(TEST_SERVICE_KEY.encode(), bcrypt.gensalt(rounds=4)).decode()
SCC_SERVICE_KEY = TEST_SERVICE_KEY
SITE_URL = "http://testserver"
PUBLIC_API_URL = "http://testserver"
SCC_API_URL = "http://testserver/api/scc"
CALENDAR_API_URL = "http://testserver/api/calendar"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
