"""docker-compose.yml: no Docker engine runs here, so check what Compose would do with the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from jada.env import BCRYPT_HASH_RE

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _unescape(value: str) -> str:
    """What Compose's interpolation makes of a value: `$$` is a literal `$`, `${X:-d}` its default."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return value.replace("$$", "$")


def test_web_worker_and_beat_share_one_image_definition() -> None:
    services = _compose()["services"]
    builds = {
        name: (str(services[name]["build"]), services[name]["image"]) for name in ("web", "worker", "beat", "setup")
    }
    assert len(set(builds.values())) == 1, builds
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    assert {"postgres", "redis", "moto"} <= set(services)


def test_service_key_hash_survives_compose_interpolation() -> None:
    raw = _compose()["services"]["web"]["environment"]["SERVICE_KEY_HASH"]
    value = _unescape(raw)
    assert BCRYPT_HASH_RE.match(value), value
    assert bcrypt.checkpw(b"jada-dev-service-key", value.encode())


def test_app_services_point_at_the_stack_not_real_aws() -> None:
    env = {k: _unescape(str(v)) for k, v in _compose()["services"]["worker"]["environment"].items()}
    assert env["AWS_ENDPOINT_URL"] == "http://moto:5000"
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["SCC_API_URL"] == "http://web:8000/api/scc"
