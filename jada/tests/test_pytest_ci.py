"""Under CI a skipped test fails the run; elsewhere it stays a skip (jada/pytest_ci.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = """
import pytest

def test_runs():
    assert True

def test_needs_something_missing():
    pytest.skip("no widget on this machine")

@pytest.mark.xfail(reason="known", strict=True)
def test_known_bug():
    assert False
"""


def _pytest(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_tiny.py").write_text(TINY)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-m", "pytest", "-p", "jada.pytest_ci", "-p", "no:django", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*argv, "--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("value", ["yes", "1"])
def test_a_skip_fails_a_ci_run(tmp_path: Path, value: str) -> None:
    run = _pytest(tmp_path, value)
    assert run.returncode == 1, run.stdout
    assert "1 failed, 1 passed, 1 xfailed" in run.stdout
    assert "Skipped under CI (Skipped: no widget on this machine)" in run.stdout


@pytest.mark.parametrize("value", [None, "false"])
def test_a_skip_is_only_a_skip_elsewhere(tmp_path: Path, value: str | None) -> None:
    run = _pytest(tmp_path, value)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 1 skipped, 1 xfailed" in run.stdout
