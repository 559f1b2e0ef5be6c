"""Reading settings from the environment, refusing bad values with a sentence that says how to fix them.

Every helper raises ``ImproperlyConfigured`` naming the variable, what was wrong and what to do,
so that a misconfigured deployment stops at start-up instead of failing later in a request.
Values are read with ``os.environ`` verbatim: no ``$`` interpolation (a bcrypt hash contains ``$``).
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
BCRYPT_HASH_RE = re.compile(r"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value stripped of surrounding whitespace, or ``default`` when unset or empty."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean. Set {name} to one of: true, false, 1, 0, yes, no.")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a whole number. Set {name} to a number such as {default}."
        ) from None
    if number < minimum or (maximum is not None and number > maximum):
        upper = f" and {maximum}" if maximum is not None else " or more"
        raise ImproperlyConfigured(f"{name}={number} is out of range. Use a value between {minimum}{upper}.")
    return number


def env_url(name: str, default: str | None = None, *, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """An absolute URL with one of ``schemes`` and a host, without a trailing slash."""
    value = env_str(name)
    if value is None:
        return default
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid URL. Set {name} to an absolute URL starting with "
            f"{' or '.join(s + '://' for s in schemes)}, for example {schemes[0]}://127.0.0.1:8000."
        )
    return value.rstrip("/")


def env_bcrypt_hash(name: str) -> str | None:
    """A bcrypt hash read verbatim. ``$`` is kept as is; a mangled hash is refused with a hint."""
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    if not BCRYPT_HASH_RE.match(value):
        raise ImproperlyConfigured(
            f"{name} is not a bcrypt hash (expected 60 characters like $2b$12$...). "
            "Generate it with `python manage.py hash_service_key` and paste the printed line; "
            "in a shell or .env file wrap it in single quotes, in docker-compose.yml write every $ as $$."
        )
    return value
