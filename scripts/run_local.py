"""`make run`: the whole product on embedded defaults, in one process.

SQLite (unless DATABASE_URL is set), an in-process moto server on loopback (unless
AWS_ENDPOINT_URL is set), tasks without Redis (unless REDIS_URL is set). Writes ``.env`` once
with local secrets so that ``manage.py`` commands in another terminal reach the same setup.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENV_FILE = ROOT / ".env"
DEV_SERVICE_KEY = "jada-dev-service-key"
HOST = os.environ.get("JADA_HOST", "127.0.0.1")
PORT = int(os.environ.get("JADA_PORT", "8000"))
MOTO_PORT = int(os.environ.get("JADA_MOTO_PORT", "5055"))


def env_file_write() -> None:
    """Create .env once; keep an existing one (its secret key keeps sessions valid across runs)."""
    if ENV_FILE.exists():
        return
    import bcrypt

    service_key_hash = bcrypt.hashpw(DEV_SERVICE_KEY.encode(), bcrypt.gensalt(rounds=12)).decode()
    lines = [
        "# Written by `make run` for local development only. Not committed.",
        "DJANGO_DEBUG=true",
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}",
        f"DASHBOARD_TOKEN={secrets.token_urlsafe(32)}",
        f"SERVICE_KEY_HASH='{service_key_hash}'",
        f"SCC_SERVICE_KEY={DEV_SERVICE_KEY}",
        f"JADA_SITE_URL=http://{HOST}:{PORT}",
        f"AWS_ENDPOINT_URL=http://127.0.0.1:{MOTO_PORT}",
        "AWS_ACCESS_KEY_ID=testing",
        "AWS_SECRET_ACCESS_KEY=testing",
        "AWS_DEFAULT_REGION=us-west-2",
    ]
    ENV_FILE.write_text("\n".join(lines) + "\n")
    print(f"Wrote {ENV_FILE.name} with local development settings.")


def _second_factor_lines(required: bool) -> list[str]:
    if required:
        return ["                (second factor ON: enrol a passkey or an authenticator app at first sign-in)"]
    return [
        "                WITHOUT the second factor (JADA_REQUIRE_2FA=false, allowed in this debug demo only).",
        "                To try it: JADA_REQUIRE_2FA=true make run, then enrol a passkey or authenticator app.",
    ]


def main() -> None:
    env_file_write()
    from dotenv import load_dotenv

    load_dotenv(ENV_FILE, override=False, interpolate=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jada.settings")
    # The demo signs in with a password only; production always asks for a second factor.
    os.environ.setdefault("JADA_REQUIRE_2FA", "false")

    moto = None
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    if endpoint == f"http://127.0.0.1:{MOTO_PORT}":
        os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")
        from moto.server import ThreadedMotoServer

        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=MOTO_PORT, verbose=False)
        try:
            moto.start()
        except OSError as exc:
            sys.exit(
                f"Cannot start the AWS stand-in on 127.0.0.1:{MOTO_PORT} ({exc}). Set JADA_MOTO_PORT to a free port."
            )
        print(f"AWS stand-in (moto) listening on {endpoint}")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo")
    call_command("bootstrap_aws")
    from django.conf import settings

    site = settings.SITE_URL
    print(
        "\n".join(
            [
                "",
                "JADA Ops is running:",
                f"  Admin:        {site}/admin/   (user admin, password jada-demo)",
                *_second_factor_lines(settings.JADA_REQUIRE_2FA),
                f"  Guest page:   http://queenofsandiego.localhost:{PORT}/g/XHQGMDH",
                f"  Crew portal:  {site}/crew/login/   (magic links are printed to this console)",
                f"  Calendar API: {site}/api/calendar   SCC API: {site}/api/scc/events",
                f"  API docs:     {site}/api/docs   (OpenAPI, for staff signed in to the admin)",
                "",
            ]
        )
    )
    worker = None
    if settings.REDIS_URL:
        # With a broker, tasks leave this process: run a worker (with beat) beside the web server.
        import subprocess

        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "jada", "worker", "--beat", "-l", "warning", "--concurrency", "2"],
            cwd=ROOT,
        )
        print(f"Celery worker and beat started (broker {settings.REDIS_URL}).")
    try:
        call_command("runserver", f"{HOST}:{PORT}", use_reloader=False, skip_checks=False)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        if moto is not None:
            moto.stop()


if __name__ == "__main__":
    main()
