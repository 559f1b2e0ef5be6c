"""``hash_service_key`` prints a hash that survives .env and Compose, and the server accepts it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import bcrypt
import pytest
from django.core.management import CommandError, call_command
from dotenv import dotenv_values

from jada.env import BCRYPT_HASH_RE


def _run(key: str, *args: str) -> list[str]:
    out = io.StringIO()
    call_command("hash_service_key", *args, stdin=io.StringIO(key + "\n"), stdout=out)
    return out.getvalue().splitlines()


def test_prints_hash_env_line_and_compose_line(tmp_path: Path) -> None:
    lines = _run("scc-key-0123456789")
    hashed = lines[0]
    assert BCRYPT_HASH_RE.fullmatch(hashed) and hashed.startswith("$2b$12$")
    assert bcrypt.checkpw(b"scc-key-0123456789", hashed.encode())
    env_line = f"SERVICE_KEY_HASH='{hashed}'"
    assert env_line in lines
    compose_line = next(line for line in lines if line.strip().startswith("SERVICE_KEY_HASH: "))
    assert compose_line.strip() == "SERVICE_KEY_HASH: '" + hashed.replace("$", "$$") + "'"
    # The .env line read the way settings read it (python-dotenv, no interpolation) is the hash.
    (tmp_path / ".env").write_text(env_line + "\n")
    assert dotenv_values(tmp_path / ".env", interpolate=False)["SERVICE_KEY_HASH"] == hashed
    assert dotenv_values(tmp_path / ".env")["SERVICE_KEY_HASH"] == hashed  # single quotes: even with expansion


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "No key"), ("k" * 73, "73 bytes"), ("clé-secrète", "ASCII"), (" padded", "whitespace")],
)
def test_refuses_keys_the_server_could_never_accept(key: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run(key, "--rounds", "4")


def test_key_is_never_echoed() -> None:
    assert not any("secret-key-value" in line for line in _run("secret-key-value", "--rounds", "4"))
    assert re.match(r"^\$2b\$04\$", _run("k", "--rounds", "4")[0])
