"""The Celery application. Configuration lives in settings under the ``CELERY_`` prefix.

Database connections live across tasks the way Django keeps them across requests: with
``CELERY_DB_REUSE_MAX`` set, Celery's Django fix-up no longer closes every connection around
each task, and the handlers below do what Django does around a request (``close_old_connections``:
a connection past ``CONN_MAX_AGE``, left in a transaction or broken by an error is dropped), and
with ``CONN_HEALTH_CHECKS`` (settings) Django checks a kept connection before a task's first query,
so one the server dropped between tasks (a restart, an idle timeout) is replaced instead of
failing that query.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jada.settings")

app = Celery("jada")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _eager(task: Any) -> bool:
    # An eager task runs inside its caller's request or test transaction: not ours to close.
    return bool(getattr(getattr(task, "request", None), "is_eager", False))


@task_prerun.connect
def db_connections_ready(sender: Any = None, **_: Any) -> None:
    """Before a task, as before a request: drop obsolete connections and arm the health check."""
    if _eager(sender):
        return
    from django.db import close_old_connections

    close_old_connections()


@task_postrun.connect
def db_connections_settle(sender: Any = None, **_: Any) -> None:
    """After a task: what Django does when a request finishes."""
    if _eager(sender):
        return
    from django.db import close_old_connections

    close_old_connections()
