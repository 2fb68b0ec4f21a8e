"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it accepts.

``Controller(port=0)`` does not work (it connects to the port to check itself), so a free
port is found by binding a socket to port 0 first. The sink can answer chosen recipients (or
the sender, at MAIL) with a code (``refuse={"a@x": "451 4.2.1 try later"}``) or refuse their
message once read (``refuse_data``), sleep before accepting each message (``delay``) so a
test can act mid-batch, and be stopped and started again on the same port.
A message counts as delivered once the sink has recorded it: after the delay, just before it
answers 250 (a connection lost meanwhile loses the message, as with a real server), or with
``record_first`` before the delay (the server kept it but the client may never hear so: the
case where a sender that dies may send it again). With ``pipelining`` it offers PIPELINING
(RFC 2920) as Postfix does; aiosmtpd reads commands from a buffered stream, so pipelined
commands are answered in order, and ``commands`` keeps each command with what was already
waiting behind it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    mail_options: list[str]

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    @property
    def subject(self) -> str:
        return self.message["Subject"]


class _Handler:
    def __init__(self, sink: SMTPSink):
        self.sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.sink.lock:
            self.sink.sessions += 1
        session.host_name = hostname
        if self.sink.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # The bytes already read past this command: the RCPT and DATA of a pipelined sender.
        with self.sink.lock:
            self.sink.commands.append(("MAIL", bytes(server._reader._buffer)))
        answer = self.sink.refuse.get(address.lower())
        if answer:  # our own sender address refused
            with self.sink.lock:
                self.sink.refused.append((address, answer))
            return answer
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.sink.refuse.get(address.lower())
        if answer:
            with self.sink.lock:
                self.sink.refused.append((address, answer))
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = next((self.sink.refuse_data[a.lower()] for a in envelope.rcpt_tos
                       if a.lower() in self.sink.refuse_data), None)
        if answer:  # the message read, then refused
            with self.sink.lock:
                self.sink.refused.append((envelope.rcpt_tos[0], answer))
            return answer
        received = Received(envelope.mail_from, list(envelope.rcpt_tos),
                            bytes(envelope.original_content or envelope.content),
                            list(envelope.mail_options))
        if self.sink.record_first:  # accepted for good, then slow to say so
            self.sink.record(received)
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        if not self.sink.record_first:
            self.sink.record(received)
        return "250 Message accepted for delivery"


class SMTPSink:
    """``with SMTPSink() as sink: settings.EMAIL_PORT = sink.port ...``"""

    def __init__(self, *, delay: float = 0.0, refuse: dict[str, str] | None = None,
                 port: int | None = None, record_first: bool = False,
                 pipelining: bool = False):
        self.delay = delay
        self.pipelining = pipelining
        self.commands: list[tuple[str, bytes]] = []
        self.record_first = record_first
        self.refuse = {k.lower(): v for k, v in (refuse or {}).items()}
        self.refuse_data: dict[str, str] = {}  # address -> the answer to its message's data
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.refused: list[tuple[str, str]] = []
        self.sessions = 0
        self.controller: Controller | None = None

    def start(self) -> SMTPSink:
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                     ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SMTPSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def environment(self) -> dict:
        """The same, as environment variables for a worker process."""
        return {**{k: str(v) for k, v in self.settings().items()}, "EMAIL_TIMEOUT": "5"}

    def settings(self) -> dict:
        """Django settings (or worker environment) that send to this sink."""
        return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": self.host, "EMAIL_PORT": self.port, "EMAIL_USE_TLS": False,
                "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""}

    def record(self, received: Received) -> None:
        with self.lock:
            self.received.append(received)

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages() if address in m.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.messages()
            time.sleep(0.02)
        raise TimeoutError(f"the sink got {len(self.received)} messages, not {count}")
