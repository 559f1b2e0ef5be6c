"""Django settings for JADA Ops, read from the environment (see README "Configuration").

A local ``.env`` file (written by ``make run``) is loaded first without ``$`` interpolation;
real environment variables win over it. Bad values stop start-up with a sentence saying how
to fix them (``jada/env.py``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv
from kombu import Queue

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
    "jada.admin_site.OfficeAdminConfig",  # django.contrib.admin, its site jada.admin_site.OfficeAdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "ninja",  # its Swagger page's static files (served to staff at /api/docs)
    "health_check",
    "django_prometheus",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "jada",
    "bookings",
    "guestpages",
    "crew",
    "chaos",  # the fault drill (`manage.py chaos`); no models, inert unless run
    "intake",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jada.mfa.OfficeSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "guestpages.cors.GuestApiCorsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
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
# Sessions are read from Redis, with the database behind it (written through, read on a cache
# miss); sign-out deletes both. Only with a cache every worker shares: a per-process LocMemCache
# would let another worker keep serving a signed-out session, so without Redis (`make run`)
# sessions stay in the database alone.
SESSION_ENGINE = "jada.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"  # cached_db, Redis-tolerant

AUTHENTICATION_BACKENDS = [
    "jada.mfa.PasswordLockoutBackend",  # first: django-axes refuses locked-out password attempts
    "django.contrib.auth.backends.ModelBackend",
    "crew.portal.backends.CrewLinkBackend",  # crew magic links; loads the crew member with the user
    "sesame.backends.ModelBackend",  # crew sessions signed in before CrewLinkBackend name this one
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
# botocore's per-service override, e.g. AWS_ENDPOINT_URL_DYNAMODB: that service alone points there
# (jada/aws.py), keyed by the <SERVICE> suffix. The benchmarks send DynamoDB to dynalite this way.
AWS_SERVICE_ENDPOINT_URLS = {
    name.removeprefix("AWS_ENDPOINT_URL_"): env_url(name)
    for name in sorted(os.environ)
    if name.startswith("AWS_ENDPOINT_URL_") and env_str(name)
}
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
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")  # for the SMTP backend
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
# Without a timeout a hung mail server holds a notification's row lock forever (crew/notifications.py).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "JADA Crew <crew@sailjada.com>")
ANYMAIL: dict[str, object] = {"AMAZON_SES_CLIENT_PARAMS": {"region_name": AWS_DEFAULT_REGION}}
# "user:password" the SES → SNS subscription URL carries (basic auth) for /anymail/…/tracking/;
# unset, that endpoint answers 503.
if env_str("ANYMAIL_WEBHOOK_SECRET"):
    ANYMAIL["WEBHOOK_SECRET"] = env_str("ANYMAIL_WEBHOOK_SECRET")

# --- Magic links (django-sesame) -----------------------------------------------------------------
SESAME_MAX_AGE = timedelta(minutes=env_int("CREW_LINK_MAX_AGE_MINUTES", 30, minimum=1, maximum=24 * 60))
SESAME_TOKEN_NAME = "sesame"
# Office sign-in (allauth); crew sign in at /crew/login/ with magic links.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/admin/"
CREW_PORTAL_SCOPE = "crew-portal"

# --- Office sign-in: second factor and lockout (jada/mfa.py) ---------------------------------------
JADA_REQUIRE_2FA = env_bool("JADA_REQUIRE_2FA", True)
if not JADA_REQUIRE_2FA and not DEBUG:
    raise ImproperlyConfigured(
        "JADA_REQUIRE_2FA=false is only allowed for local development. Remove JADA_REQUIRE_2FA (office "
        "staff then sign in with a passkey or an authenticator app), or set DJANGO_DEBUG=true on a "
        "development machine."
    )
ACCOUNT_ADAPTER = "jada.mfa.OfficeAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Failed sign-ins are django-axes' job (below); allauth's own counter would say "too many attempts".
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False  # a passkey is the second factor, after the password
MFA_TOTP_ISSUER = "JADA Ops"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # passkeys on http://127.0.0.1 for the demo only
AXES_FAILURE_LIMIT = env_int("JADA_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("JADA_LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: per account and per address
AXES_USERNAME_FORM_FIELD = "login"  # allauth's login form
AXES_LOCKOUT_CALLABLE = "jada.mfa.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "jada.mfa.client_ip"

# --- Metrics (jada/metrics.py) -----------------------------------------------------------------
METRICS_TOKEN = env_str("METRICS_TOKEN")

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
# Celery's Django fix-up closes every database connection before and after each task unless this
# is set, ignoring CONN_MAX_AGE: a new PostgreSQL session (and its cold catalog caches) per task.
# Set, it only closes them all every this many tasks (a backstop); ``jada.celery`` gives tasks
# Django's own request life cycle instead: CONN_MAX_AGE honoured, a broken or mid-transaction
# connection dropped, and one found dead between tasks replaced before the task runs.
CELERY_DB_REUSE_MAX = 1000
# Longer than any countdown or back-off (retry_backoff_max is 600 s), so a waiting retry is never
# redelivered to a second worker while the first still holds it.
CELERY_VISIBILITY_TIMEOUT = 2 * 60 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues split by job, so one slow kind never starves another (docker-compose.yml runs one worker
# per queue; a worker started without -Q consumes them all, as `make run` and the tests do).
# Routing is by task name here, not in the task modules. Correctness never depends on which
# worker or host runs a task: every state lives in PostgreSQL, Redis or the targets themselves.
CELERY_TASK_QUEUES = tuple(Queue(name) for name in ("default", "targets", "mail", "intake", "maintenance"))
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "bookings.tasks.push_*": {"queue": "targets"},
    "bookings.beat.*": {"queue": "maintenance"},
    "crew.tasks.crew_event_deliver": {"queue": "mail"},
    "crew.tasks.crew_event_scrub": {"queue": "mail"},
    "crew.tasks.crew_event_notify": {"queue": "mail"},
    "crew.tasks.crew_events_sweep": {"queue": "maintenance"},
    "guestpages.tasks.*": {"queue": "mail"},
    "intake.tasks.*": {"queue": "intake"},
}
CELERY_TIMEZONE = TIME_ZONE
# Task modules outside the autodiscovered ``<app>.tasks`` (the beat jobs that call ``bookings.reconcile``).
CELERY_IMPORTS = ("bookings.beat",)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat jobs (django-celery-beat copies these into its tables at start; edit intervals in the admin).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # bookings.beat re-drives every ledger (targets, crew notifications, guest messages) and reports drift.
    "redrive": {"task": "bookings.beat.redrive", "schedule": 120.0},
    "drift-report": {"task": "bookings.beat.drift_report", "schedule": 900.0},
    "crew-events-sweep": {"task": "crew.tasks.crew_events_sweep", "schedule": 3600.0},
    "guest-messages-send": {"task": "guestpages.tasks.guest_messages_send_due", "schedule": 120.0},
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

# --- Security -------------------------------------------------------------------------------
# Production defaults pass `manage.py check --deploy` (a test runs it). Behind a TLS-terminating
# proxy or load balancer set DJANGO_BEHIND_PROXY=true so the forwarded scheme is trusted; the
# probes (/healthz, /readyz) are never redirected, as load balancers call them over plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
_csrf_origins = env_str("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in _csrf_origins.split(",") if o.strip()] if _csrf_origins else []

# A request header larger than this is refused by the web server; Django itself never 500s on it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
