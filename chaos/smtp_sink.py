"""A real SMTP server on loopback (aiosmtpd) that keeps every message and fails on request.

It is the drill's "mail provider": workers talk SMTP to it through Django's SMTP backend, so a
refusal or a timeout here is what production sees from a relay. Faults, each counted:

* ``refused``: ``451`` to DATA — the server answered, the message was not accepted;
* ``timeout``: the EHLO answer comes later than the client waits — nothing was handed over;
* ``hold``: the next EHLO answer waits ``hold_seconds`` (shorter than the client timeout), so
  the drill can kill the worker while it holds a notification's row lock (``held`` is set).
"""

from __future__ import annotations

import asyncio
import email
import random
import re
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    to: str
    headers: dict[str, str]
    order: int


@dataclass
class SinkFaults:
    refused_share: float = 0.0
    timeout_share: float = 0.0
    timeout_seconds: float = 6.0
    hold_seconds: float = 0.0


@dataclass
class SmtpSink:
    """``with SmtpSink() as sink:`` — ``sink.host``, ``sink.port``, ``sink.messages``, ``sink.injected``."""

    seed: int = 3
    faults: SinkFaults = field(default_factory=SinkFaults)

    def __post_init__(self) -> None:
        self.messages: list[Received] = []
        self.injected: Counter[str] = Counter()
        self.held = threading.Event()
        self.lock = threading.Lock()
        self.faulty = True
        self._random = random.Random(self.seed)
        self.host = "127.0.0.1"
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def hold_next(self, seconds: float) -> None:
        self.held.clear()
        self.faults.hold_seconds = seconds

    def _roll(self, share: float) -> bool:
        with self.lock:
            return self.faulty and self._random.random() < share

    def by_key(self) -> Counter[tuple[str, str, str, str]]:
        """Crew notifications: (recipient, charter, version, kind) → how many messages arrived."""
        with self.lock:
            return Counter(
                (
                    m.to,
                    m.headers.get("x-jada-charter", ""),
                    m.headers.get("x-jada-version", ""),
                    m.headers.get("x-jada-kind", ""),
                )
                for m in self.messages
                if not _guest_message_id(m.headers.get("message-id", ""))
            )

    def guest_message_ids(self) -> Counter[str]:
        """Guest messages (Message-ID ``<…gm<row>v<version>@…>``, guestpages.message_send) → arrivals."""
        with self.lock:
            ids = (_guest_message_id(m.headers.get("message-id", "")) for m in self.messages)
            return Counter(i for i in ids if i)


def _guest_message_id(message_id: str) -> str:
    """The guest-message ledger id (``gm<row>v<version>``) in a Message-ID; "" for anything else."""
    local = message_id.strip().lstrip("<").split("@")[0]
    last = local.rsplit(".", 1)[-1]
    return last if re.fullmatch(r"gm\d+v\d+", last) else ""


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        sink = self.sink
        if sink.faults.hold_seconds:
            seconds, sink.faults.hold_seconds = sink.faults.hold_seconds, 0.0
            sink.injected["smtp-hold"] += 1
            sink.held.set()
            await asyncio.sleep(seconds)
        elif sink._roll(sink.faults.timeout_share):
            sink.injected["smtp-timeout"] += 1
            await asyncio.sleep(sink.faults.timeout_seconds)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        sink = self.sink
        if sink._roll(sink.faults.refused_share):
            sink.injected["smtp-refused"] += 1
            return "451 4.3.0 injected: try again later"
        message: Message = email.message_from_bytes(envelope.content)
        headers = {k.lower(): str(v) for k, v in message.items()}
        with sink.lock:
            for rcpt in envelope.rcpt_tos:
                sink.messages.append(Received(rcpt.lower(), headers, len(sink.messages)))
        return "250 OK"
