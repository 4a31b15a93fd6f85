"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd): it records every message it accepts.

It can refuse chosen recipients (``refuse``) and hold one dialogue still at its n-th
MAIL FROM (``pause_at_mail``) until released, so that a test can kill the sender mid-send.
"""

import asyncio
import contextlib
import email
import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import policy

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    connection: int  # which SMTP connection carried it: 1, 2, ...
    raw: bytes  # as it came over the wire

    @property
    def text(self):
        """The plain-text body, with the wire's CRLF line ends read as newlines."""
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self):
        return self.message.get_body(("html",)).get_content().replace("\r\n", "\n")


@dataclass
class SMTPServer:
    messages: list[Received] = field(default_factory=list)
    # Lower-cased address -> the answer to its RCPT TO, e.g. "550 5.1.1 No such user".
    refuse: dict[str, str] = field(default_factory=dict)
    # Hold the dialogue at this MAIL FROM (1 for the first of all connections) until ``release()``.
    pause_at_mail: int | None = None
    paused: threading.Event = field(default_factory=threading.Event)
    mail_commands: int = 0

    def __post_init__(self):
        self._released = threading.Event()
        self._sessions = []
        self._lock = threading.Lock()
        self.controller = None
        self.port = None

    def start(self):
        # aiosmtpd logs every command at INFO: a failing test's output would drown in it.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        self.release()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def release(self):
        self._released.set()

    def recipients(self):
        """How many messages each address received."""
        return Counter(address.lower() for received in self.messages for address in received.rcpt_tos)

    @property
    def connections(self):
        return len({received.connection for received in self.messages})

    def wait_for_messages(self, count, seconds=10):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.messages) >= count

    # aiosmtpd's handler hooks, run in the server's own thread and event loop.

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self._lock:
            self.mail_commands += 1
            pause = self.mail_commands == self.pause_at_mail
        if pause:
            self.paused.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            if session not in self._sessions:
                self._sessions.append(session)
            number = self._sessions.index(session) + 1
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message, number, envelope.original_content)
            )
        return "250 Message accepted"


def _free_port():
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port():
    """A port on 127.0.0.1 where nothing listens: a mail server that is down."""
    return _free_port()
