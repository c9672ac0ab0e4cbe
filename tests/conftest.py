"""Fixtures shared by every test: the fake clock; a fresh copy of the built-in sample mailbox;
one real Dovecot and one delivering SMTP server per session, started on loopback when a test
first asks for them, and fresh users (a freelancer and a client) for every test that does. The
Gmail-compatible fake's ``gmail_fake`` is registered by the conftest of the tests that use it."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from relance.daemon.cli.wiring import sample_mailbox as built_in_sample
from relance.gmail.imap.mailbox import ImapMailbox
from relance.gmail.imap.settings import ImapSettings, Security, SmtpSettings
from tests.clock import Clock
from tests.servers.dovecot import DovecotServer, MailUser, dovecot_binary
from tests.servers.smtp import DeliveringSmtpServer

_serial = itertools.count(1)

# A Tuesday morning (10:00 in Paris), a month before the invoices of the cycle tests fall due.
CLOCK_START = datetime(2026, 2, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> Clock:
    """A fake clock at ``CLOCK_START``, for the product's ``clock=`` parameters; set or advance
    it (``clock.now = ...``, ``clock.advance(timedelta(days=1))``) to walk time forward."""
    return Clock(CLOCK_START)


@pytest.fixture
def sample_mailbox(tmp_path: Path) -> Path:
    """A fresh copy of the built-in sample mailbox (``sent/``, ``inbox/``, ``config.toml``), found
    the way the product finds it, so a test may change it freely."""
    dest = tmp_path / "sample"
    with built_in_sample() as source:
        shutil.copytree(source, dest)
    return dest


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    """A Dovecot serving every *@example.test; skipped only where dovecot is not installed
    (never in CI, which installs it)."""
    if dovecot_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed but CI must run the IMAP tests: "
                        "apt-get install -y dovecot-imapd dovecot-lmtpd")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
    with DovecotServer(tmp_path_factory.mktemp("dovecot")) as server:
        yield server


@pytest.fixture(scope="session")
def smtp_server(dovecot: DovecotServer) -> Iterator[DeliveringSmtpServer]:
    server = DeliveringSmtpServer(dovecot.host, dovecot.lmtp_port)
    server.start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Parties:
    freelancer: MailUser
    client: MailUser
    bystander: MailUser  # someone who must never receive anything


@pytest.fixture
def parties(dovecot: DovecotServer, smtp_server: DeliveringSmtpServer) -> Parties:
    """Fresh, empty accounts for this test only."""
    n = f"{os.getpid()}-{next(_serial)}"
    found = Parties(dovecot.add_user(f"freelancer-{n}"), dovecot.add_user(f"client-{n}"),
                    dovecot.add_user(f"bystander-{n}"))
    for user in (found.freelancer, found.client):
        smtp_server.add_account(user.address, user.password)
    return found


def imap_settings(dovecot: DovecotServer, user: MailUser, **changes: object) -> ImapSettings:
    base = dict(host=dovecot.host, port=dovecot.imap_port, security=Security.NONE,
                username=user.address, password=user.password, scan_since_days=None,
                timeout_s=10.0)
    base.update(changes)
    return ImapSettings(**base)  # type: ignore[arg-type]


def smtp_settings(server: DeliveringSmtpServer, user: MailUser, **changes: object) -> SmtpSettings:
    base = dict(host=server.host, port=server.port, security=Security.NONE,
                username=user.address, password=user.password, timeout_s=10.0)
    base.update(changes)
    return SmtpSettings(**base)  # type: ignore[arg-type]


MailboxFactory = Callable[..., ImapMailbox]


@pytest.fixture
def make_mailbox(dovecot: DovecotServer,
                 smtp_server: DeliveringSmtpServer) -> Iterator[MailboxFactory]:
    """Return ``make(user, imap=..., smtp=..., **plugin_options)``: the plugin on ``user``'s
    account, the settings' fields replaced by the ``imap`` / ``smtp`` dicts. Closed after."""
    made: list[ImapMailbox] = []

    def make(user: MailUser, *, imap: dict[str, Any] | None = None,
             smtp: dict[str, Any] | None = None, **options: Any) -> ImapMailbox:
        box = ImapMailbox(imap_settings(dovecot, user, **(imap or {})),
                          smtp_settings(smtp_server, user, **(smtp or {})),
                          address=user.address, **options)
        made.append(box)
        return box

    yield make
    for box in made:
        box.close()


@pytest.fixture
def mailbox(make_mailbox: MailboxFactory, parties: Parties) -> ImapMailbox:
    """The freelancer's mailbox through the plugin under test."""
    return make_mailbox(parties.freelancer)


@pytest.fixture
def other_client(dovecot: DovecotServer) -> Iterator[OtherClients]:
    """Plain imapclient connections: the user's own mail program, or the client's."""
    clients = OtherClients(dovecot)
    yield clients
    clients.close()


class OtherClients:
    def __init__(self, dovecot: DovecotServer) -> None:
        self.dovecot = dovecot
        self.open: list[IMAPClient] = []

    def login(self, user: MailUser) -> IMAPClient:
        client = IMAPClient(self.dovecot.host, self.dovecot.imap_port, ssl=False, timeout=10)
        client.login(user.address, user.password)
        self.open.append(client)
        return client

    def close(self) -> None:
        for client in self.open:
            try:
                client.logout()
            except Exception:  # a test may have broken the connection on purpose
                pass
