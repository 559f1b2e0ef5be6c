"""docker-compose.yml: no Docker engine runs here, so check what Compose would do with the file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import yaml
from django.conf import settings

from jada.env import BCRYPT_HASH_RE

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _unescape(value: str) -> str:
    """What Compose's interpolation makes of a value: `$$` is a literal `$`, `${X:-d}` its default."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return value.replace("$$", "$")


def _workers(services: dict[str, Any]) -> dict[str, list[str]]:
    """Worker service → the queues it consumes (its -Q)."""
    found = {}
    for name, service in services.items():
        command = service.get("command") or []
        if "worker" in command and "celery" in command:
            found[name] = command[command.index("-Q") + 1].split(",") if "-Q" in command else []
    return found


def test_web_workers_and_beat_share_one_image_definition() -> None:
    services = _compose()["services"]
    apps = ["web", "beat", "setup", *_workers(services)]
    builds = {name: (str(services[name]["build"]), services[name]["image"]) for name in apps}
    assert len(set(builds.values())) == 1, builds
    assert {"postgres", "redis", "moto"} <= set(services)


def test_one_worker_per_queue_covering_every_routed_queue() -> None:
    workers = _workers(_compose()["services"])
    consumed = [queue for queues in workers.values() for queue in queues]
    assert all(workers.values()), f"a worker without -Q would consume every queue: {workers}"
    assert len(consumed) == len(set(consumed)), f"a queue consumed by two worker services: {workers}"
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert {"targets", "mail", "intake", "maintenance"} <= routed
    assert (
        set(consumed) == {q.name for q in settings.CELERY_TASK_QUEUES} >= routed | {settings.CELERY_TASK_DEFAULT_QUEUE}
    )


def test_exactly_one_beat() -> None:
    services = _compose()["services"]
    beats = [name for name, s in services.items() if "beat" in (s.get("command") or [])]
    assert beats == ["beat"]
    assert "deploy" not in services["beat"] and "--beat" not in str(_workers(services))


def test_redis_persists_its_queues() -> None:
    redis = _compose()["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert any(str(v).endswith(":/data") for v in redis["volumes"])


def test_docker_compose_accepts_the_file() -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (apt-get install -y docker-compose)")
    run = subprocess.run([tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_service_key_hash_survives_compose_interpolation() -> None:
    raw = _compose()["services"]["web"]["environment"]["SERVICE_KEY_HASH"]
    value = _unescape(raw)
    assert BCRYPT_HASH_RE.match(value), value
    assert bcrypt.checkpw(b"jada-dev-service-key", value.encode())


def test_app_services_point_at_the_stack_not_real_aws() -> None:
    env = {k: _unescape(str(v)) for k, v in _compose()["services"]["worker-mail"]["environment"].items()}
    assert env["AWS_ENDPOINT_URL"] == "http://moto:5000"
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["SCC_API_URL"] == "http://web:8000/api/scc"
