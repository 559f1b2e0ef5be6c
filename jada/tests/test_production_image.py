"""The production image runs the runtime requirements only, and its settings pass `check --deploy`."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Only the AWS stand-in and the tests need these; none may reach the production image.
LOCAL_ONLY = {
    "moto",
    "flask",
    "flask-cors",
    "werkzeug",
    "cfn-lint",
    "sympy",
    "docker",
    "responses",
    "py-partiql-parser",
    "graphql-core",
    "aws-xray-sdk",
    "jsonschema",
    "openapi-spec-validator",
    "networkx",
    "pytest",
    "pytest-django",
    "pytest-timeout",
    "playwright",
    "hypothesis",
    "factory-boy",
    "faker",
    "mypy",
    "ruff",
    "django-stubs",
    "pyinstrument",
}


def _requirement_names(path: Path) -> set[str]:
    """Every distribution a requirements file installs, following its `-r` includes."""
    names: set[str] = set()
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            names |= _requirement_names(path.parent / line[2:].strip())
            continue
        assert "==" in line, f"{path.name}: {line!r} is not pinned with =="
        names.add(re.split(r"[=<>\[;\s]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_runtime_requirements_hold_no_stand_in_or_test_tooling() -> None:
    runtime = _requirement_names(ROOT / "requirements.txt")
    assert {"django", "boto3", "celery", "gunicorn", "django-allauth", "django-health-check"} <= runtime
    assert runtime & LOCAL_ONLY == set()


def test_the_stand_in_and_tests_get_moto_from_the_local_file() -> None:
    local = _requirement_names(ROOT / "requirements-local.txt")
    assert {"moto", "flask", "flask-cors"} <= local
    assert "moto" in _requirement_names(ROOT / "requirements-dev.txt")
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements-local.txt" in makefile


def _dockerfile_stages() -> dict[str, str]:
    stages: dict[str, str] = {}
    current = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        match = re.match(r"FROM \S+ AS (\S+)", line)
        if match:
            current = match.group(1)
        if line.lstrip().startswith("#"):
            continue
        stages[current] = stages.get(current, "") + line + "\n"
    return stages


def test_production_image_installs_runtime_requirements_only_and_runs_unprivileged() -> None:
    stages = _dockerfile_stages()
    assert list(stages)[-1] == "app", "the production stage must be the default (last) one"
    production = stages["base"] + stages["app"]
    assert "pip install -r requirements.txt" in production
    assert "requirements-local" not in production and "requirements-dev" not in production
    assert "USER jada" in stages["app"]
    assert "requirements-local.txt" in stages["standin"]


def test_compose_builds_the_app_image_and_a_separate_stand_in() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = [name for name in services if name.startswith("worker")]
    assert workers, "no Celery worker service"
    for name in ("web", "beat", "setup", *workers):
        assert services[name]["build"]["target"] == "app"
    assert services["moto"]["build"]["target"] == "standin"
    assert services["moto"]["image"] != services["web"]["image"]
    assert "health_check" in services["web"]["healthcheck"]["test"]
    assert all("health_check" in services[name]["healthcheck"]["test"] for name in workers)


def test_product_code_never_imports_moto() -> None:
    # The fault drill (chaos/) starts its own moto server: local tooling, like bench/ and scripts/.
    local_only = {"tests", "bench", "scripts", "chaos", ".venv", "migrations"}
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not local_only & set(path.relative_to(ROOT).parts)
        and path.name != "conftest.py"
        and re.search(r"^\s*(import moto|from moto)", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []


def production_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "JADA_IGNORE_DOTENV": "true",
        "DJANGO_SETTINGS_MODULE": "jada.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "ops.sailjada.com",
        "DJANGO_BEHIND_PROXY": "true",
        "DASHBOARD_TOKEN": secrets.token_urlsafe(32),
        "SERVICE_KEY_HASH": "$2b$12$X/gRfr7OflwcrwxdLjIXPuVE7.ncXvfxe/a7KDm6kP25cBieaR4d2",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        **extra,
    }


def test_deploy_check_is_clean_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_names_what_a_weakened_setting_breaks() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(DJANGO_HSTS_SECONDS="0", DJANGO_SSL_REDIRECT="false"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "security.W004" in result.stderr and "security.W008" in result.stderr
