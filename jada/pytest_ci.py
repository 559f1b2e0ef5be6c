"""A pytest plugin: under CI, a skipped test fails the run (``conftest.py`` loads it).

A skip on a developer's laptop is information ("no Chromium here"); on CI it is a hole — a test
that silently did not run looks exactly like one that passed. So when ``CI`` holds any true value
(``true``, ``1``, ``yes``, ``on``; any case), every skip is reported as a failure naming its reason.
``xfail`` is not a skip and is left alone. No Django here, so the plugin can be tested on its own.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in TRUE_VALUES


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not (report.skipped and on_ci()) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"Skipped under CI ({reason}). On CI nothing may be skipped silently: "
        "install or start what the test needs (.ci/run does), or fix the test."
    )
