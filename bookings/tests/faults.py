"""Test-only fault injection inside a worker process, enabled by environment variables.

The integration tests start ``celery -A jada worker --include bookings.tests.faults``. With
``JADA_FAULT_DYNAMODB_THROTTLE=<share>`` set, that share of DynamoDB calls made in the process
fail with ``ProvisionedThroughputExceededException`` — the error real DynamoDB returns once its
own retries are exhausted, and one moto never produces. It hooks botocore's event system (the
same mechanism moto uses), so our code runs unchanged. Without the variable this module does
nothing; production never imports it.
"""

from __future__ import annotations

import os
import random
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.handlers import BUILTIN_HANDLERS

THROTTLE_SHARE = float(os.environ.get("JADA_FAULT_DYNAMODB_THROTTLE", "0") or 0)
FAULT_LOG = os.environ.get("JADA_FAULT_LOG", "")
_random = random.Random(int(os.environ.get("JADA_FAULT_SEED", "11")))
throttled = 0


def _throttle(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    global throttled
    if _random.random() >= THROTTLE_SHARE:
        return None
    throttled += 1
    if FAULT_LOG:
        with open(FAULT_LOG, "a") as log:  # the test reads how often this fired, across processes
            model = kwargs.get("model")
            log.write(f"dynamodb-throttle {model.name if model is not None else '?'}\n")
    error = {
        "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected throttling"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return AWSResponse(url="", status_code=400, headers=HTTPHeaders(), raw=None), error


if THROTTLE_SHARE > 0:
    # Every botocore session registers BUILTIN_HANDLERS when it is created; clients made after
    # this import (jada.aws builds them lazily) see the hook.
    BUILTIN_HANDLERS.append(("before-call.dynamodb", _throttle))
