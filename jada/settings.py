"""Django settings for JADA Ops, read from the environment (see README "Configuration").

A local ``.env`` file (written by ``make run``) is loaded first without ``$`` interpolation;
real environment variables win over it. Bad values stop start-up with a sentence saying how
to fix them (``jada/env.py``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from jada.env import env_bcrypt_hash, env_bool, env_int, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

if not env_bool("JADA_IGNORE_DOTENV", False):
    load_dotenv(BASE_DIR / ".env", override=False, interpolate=False)

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set DJANGO_DEBUG=true "
            "for local development (`make run` does this for you)."
        )
    SECRET_KEY = "django-insecure-local-development-only"
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is shorter than 32 characters. Use a long random string, for example "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

_hosts = env_str("DJANGO_ALLOWED_HOSTS")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()] if _hosts else []
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", ".localhost", "127.0.0.1", "[::1]", "testserver"]

# Base URL of this server as other parts of the system reach it (clients of our own APIs).
SITE_URL = env_url("JADA_SITE_URL", "http://127.0.0.1:8000")
PUBLIC_API_URL = env_url("PUBLIC_API_URL", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "jada",
    "bookings",
    "guestpages",
    "crew",
    "intake",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jada.urls"
WSGI_APPLICATION = "jada.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except Exception as exc:  # dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(
            f"DATABASE_URL could not be understood ({exc}). Use a URL such as "
            "postgres://user:password@127.0.0.1:5432/jada or sqlite:////absolute/path/db.sqlite3."
        ) from None
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True
FORMS_URLFIELD_ASSUME_HTTPS = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Deliberately no AWS_STORAGE_BUCKET_NAME: each brand's storage is built from its own row
# (guestpages/storage.py), so a brand without a bucket fails loudly instead of writing elsewhere.

# --- AWS -----------------------------------------------------------------------------------
AWS_ENDPOINT_URL = env_url("AWS_ENDPOINT_URL")
AWS_DEFAULT_REGION = env_str("AWS_DEFAULT_REGION", "us-west-2")
CREW_EVENTS_TABLE = env_str("CREW_EVENTS_TABLE", "scc-events-dev")

# --- Internal APIs ---------------------------------------------------------------------------
DASHBOARD_TOKEN = env_str("DASHBOARD_TOKEN")
SERVICE_KEY_HASH = env_bcrypt_hash("SERVICE_KEY_HASH")
SCC_API_URL = env_url("SCC_API_URL", f"{SITE_URL}/api/scc")
CALENDAR_API_URL = env_url("CALENDAR_API_URL", f"{SITE_URL}/api/calendar")
# The SCC client's key: from the environment, or AWS Secrets Manager when only the secret id is set.
SCC_SERVICE_KEY = env_str("SCC_SERVICE_KEY")
SCC_SERVICE_KEY_SECRET_ID = env_str("SCC_SERVICE_KEY_SECRET_ID")
DEV_SERVICE_KEY = "jada-dev-service-key"
if SCC_SERVICE_KEY is None and SCC_SERVICE_KEY_SECRET_ID is None and DEBUG:
    SCC_SERVICE_KEY = DEV_SERVICE_KEY
# Marketplace intake (docs/intake.md): the e-mail forwarder's token, the SES inbound SNS topics we accept.
INTAKE_TOKEN = env_str("INTAKE_TOKEN")
INTAKE_SES_TOPIC_ARNS = [a.strip() for a in (env_str("INTAKE_SES_TOPIC_ARNS") or "").split(",") if a.strip()]
HTTP_CLIENT_TIMEOUT_SECONDS = env_int("HTTP_CLIENT_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")  # for the file-based backend (tests count a worker's mail)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "JADA Crew <crew@sailjada.com>")
ANYMAIL = {
    "AMAZON_SES_CLIENT_PARAMS": {"region_name": AWS_DEFAULT_REGION},
    # user:password in the webhook URL SNS posts to (https://user:password@host/anymail/amazon_ses/inbound/)
    "WEBHOOK_SECRET": env_str("ANYMAIL_WEBHOOK_SECRET"),
}

# --- Magic links (django-sesame) -----------------------------------------------------------------
SESAME_MAX_AGE = timedelta(minutes=env_int("CREW_LINK_MAX_AGE_MINUTES", 30, minimum=1, maximum=24 * 60))
SESAME_TOKEN_NAME = "sesame"
LOGIN_URL = "/crew/login/"
CREW_PORTAL_SCOPE = "crew-portal"

# --- Celery ----------------------------------------------------------------------------------
# Without REDIS_URL tasks run in-process right after the transaction commits (eager mode), so
# `make run` needs no broker. With Redis: JSON only, late acks, re-queue on worker loss.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Longer than any countdown or back-off (retry_backoff_max is 600 s), so a waiting retry is never
# redelivered to a second worker while the first still holds it.
CELERY_VISIBILITY_TIMEOUT = 2 * 60 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat jobs (django-celery-beat copies these into its tables at start; edit intervals in the admin).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "targets-redrive": {"task": "bookings.tasks.targets_redrive", "schedule": 120.0},
    "drift-report": {"task": "bookings.tasks.drift_report", "schedule": 900.0},
    "crew-events-sweep": {"task": "crew.tasks.crew_events_sweep", "schedule": 3600.0},
    "intake-feeds-poll": {"task": "intake.tasks.feeds_poll", "schedule": 600.0},  # each feed jittered 0–2 min
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {name: {"level": "WARNING"} for name in ("botocore", "urllib3", "werkzeug", "moto", "httpx", "kombu")},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# A request header larger than this is refused by the web server; Django itself never 500s on it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
