"""``manage.py hash_service_key``: turn the SCC service key into the value of SERVICE_KEY_HASH.

Why it prints three lines: a bcrypt hash is full of ``$``, which shells, ``.env`` loaders and
Docker Compose each try to expand. The hash alone comes first (for scripts); then the exact
``.env`` line (single quotes keep every ``$``) and the exact ``docker-compose.yml`` line (Compose
needs every ``$`` written as ``$$``). The key is read from stdin so it never lands in shell
history or the process list, and it is never echoed.
"""

from __future__ import annotations

import sys
from typing import Any

import bcrypt
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crew.service_key import MAX_KEY_BYTES


class Command(BaseCommand):
    help = "Read the SCC service key on stdin and print the bcrypt hash to put in SERVICE_KEY_HASH."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost (default 12; 10–12 is sensible).")

    def handle(self, *args: Any, **options: Any) -> None:
        stream = options.get("stdin") or sys.stdin
        if getattr(stream, "isatty", lambda: False)():
            self.stderr.write("Type or paste the service key, then press Enter:")
        key = stream.readline().rstrip("\r\n")
        if not key.strip():
            raise CommandError(
                'No key on stdin. Pipe it in, e.g.: printf %s "$KEY" | python manage.py hash_service_key'
            )
        if key != key.strip():
            raise CommandError("The key starts or ends with whitespace; remove it (the header would not carry it).")
        if not key.isascii() or not key.isprintable():
            raise CommandError("The key must be printable ASCII: HTTP headers cannot carry anything else reliably.")
        if len(key) > MAX_KEY_BYTES:
            raise CommandError(f"The key is {len(key)} bytes; bcrypt uses at most {MAX_KEY_BYTES}. Use a shorter key.")
        if not 4 <= options["rounds"] <= 31:
            raise CommandError("--rounds must be between 4 and 31.")
        hashed = bcrypt.hashpw(key.encode("ascii"), bcrypt.gensalt(rounds=options["rounds"])).decode("ascii")
        doubled = hashed.replace("$", "$$")
        self.stdout.write(hashed)
        self.stdout.write("# .env file (single quotes keep every $ as it is):")
        self.stdout.write(f"SERVICE_KEY_HASH='{hashed}'")
        self.stdout.write("# docker-compose.yml, under environment: (Compose needs every $ written as $$):")
        self.stdout.write(f"      SERVICE_KEY_HASH: '{doubled}'")
