"""Settings for `make bench`: the real settings module, plus a URL conf with baseline views.

``bench/__main__.py`` fills the environment (database, Redis DB 10, the moto endpoint, a
bcrypt hash of a fresh service key) before Django reads it, so the web server and the worker it
starts in other processes read exactly the same configuration.
"""

from __future__ import annotations

from jada.settings import *  # noqa: F403
from jada.settings import STORAGES

# The product's URLs plus the baseline views (bench/urls.py); jada/urls.py stays untouched.
ROOT_URLCONF = "bench.urls"
# No collectstatic for a benchmark: plain static storage keeps templates renderable.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
