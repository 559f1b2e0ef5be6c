"""Fault injection for the drill, installed only by it: AWS errors at botocore's event hooks.

Workers get it with ``celery worker --include chaos.faults`` and ``JADA_CHAOS`` set; the drill's
own web server calls ``install()`` and marks request threads with ``web_request()`` so that only
the SCC/calendar/upload requests it serves are faulted, never the drill's own counting. Product
code is unchanged: these hooks sit where moto's sit. Every injected fault is appended to
``JADA_CHAOS_LOG`` as one line (``<kind> <detail> <pid>``), so the drill counts them across
processes. Faults fire only while the file ``JADA_CHAOS_SWITCH`` exists (the drill removes it to
let the system converge).

``JADA_CHAOS`` is ``kind=share,…`` with kinds ``dynamodb`` (ProvisionedThroughputExceeded on
any DynamoDB call), ``s3_put`` (SlowDown on PutObject) and ``cloudfront`` (ServiceUnavailable on
CreateInvalidation); the first such call in each process while faults are on always fails, so a
short drill cannot miss a kind by chance. ``JADA_CHAOS_HOLD`` names tasks (``name=seconds,…``) to hold at start once
``JADA_CHAOS_SWITCH``'s sibling ``<switch>.hold`` exists, so the drill can SIGKILL a worker while a
chosen task is observably running; task starts are logged as ``task-start <name> <pid>``.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.handlers import BUILTIN_HANDLERS

ERRORS = {
    "dynamodb": ("ProvisionedThroughputExceededException", 400),
    "s3_put": ("SlowDown", 503),
    "cloudfront": ("ServiceUnavailable", 503),
}
EVENTS = {
    "dynamodb": "before-call.dynamodb",
    "s3_put": "before-call.s3.PutObject",
    "cloudfront": "before-call.cloudfront.CreateInvalidation",
}
_random = random.Random(int(os.environ.get("JADA_CHAOS_SEED", "11")) + os.getpid())
_web = threading.local()
_installed: set[str] = set()


def _config(value: str) -> dict[str, float]:
    shares = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, _, share = part.partition("=")
        shares[name] = float(share or 0)
    return shares


def active() -> bool:
    switch = os.environ.get("JADA_CHAOS_SWITCH", "")
    return bool(switch) and os.path.exists(switch)


def record(kind: str, detail: str = "-") -> None:
    path = os.environ.get("JADA_CHAOS_LOG", "")
    if path:
        with open(path, "a") as log:  # one short write per line: O_APPEND keeps lines whole
            log.write(f"{kind} {detail} {os.getpid()}\n")


@contextlib.contextmanager
def web_request() -> Iterator[None]:
    """Mark this thread as serving a web request (the only place web-side faults fire)."""
    _web.on = True
    try:
        yield
    finally:
        _web.on = False


def _hook(kind: str, share: float, *, web_only: bool) -> Any:
    code, status = ERRORS[kind]
    first = [True]  # the first such call in this process while faults are on always fails

    def fail(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if web_only and not getattr(_web, "on", False):
            return None
        if not active():
            return None
        if not first[0] and _random.random() >= share:
            return None
        first[0] = False
        model = kwargs.get("model")
        record(f"{kind}{'-web' if web_only else ''}", model.name if model is not None else "?")
        error: dict[str, Any] = {
            "Error": {"Code": code, "Message": "injected by the chaos drill"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return AWSResponse(url="", status_code=status, headers=HTTPHeaders(), raw=None), error

    return fail


def install(*, web_only: bool = False, spec: str | None = None) -> None:
    """Register the hooks; clients built afterwards (jada.aws builds them lazily) carry them."""
    for kind, share in _config(spec if spec is not None else os.environ.get("JADA_CHAOS", "")).items():
        if kind in EVENTS and share > 0 and kind not in _installed:
            BUILTIN_HANDLERS.append((EVENTS[kind], _hook(kind, share, web_only=web_only)))
            _installed.add(kind)


def _task_started(sender: Any = None, **_kwargs: Any) -> None:
    name = getattr(sender, "name", "?")
    record("task-start", name)
    holds = _config(os.environ.get("JADA_CHAOS_HOLD", ""))
    switch = os.environ.get("JADA_CHAOS_SWITCH", "")
    if name in holds and switch and os.path.exists(switch + ".hold"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(switch + ".hold")  # hold one task only
            record("task-held", name)
            time.sleep(holds[name])


if os.environ.get("JADA_CHAOS") is not None:
    from celery.signals import task_prerun

    install()
    task_prerun.connect(_task_started, weak=False)
