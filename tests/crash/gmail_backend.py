"""The crash harness's Gmail backend: the freelancer's account on the Gmail-compatible server of
``tests/gmailfake``, which also hosts every client's account and delivers between them.

The server runs in the test process on a free loopback port; the daemon, in-process or as a
killed subprocess, reaches it at ``gmail_endpoint`` (``launch.py`` opens Gmail there), with a
token file that names the server's ``/token``. What the clients received is what landed in
their Inboxes from the freelancer: Gmail files each ``drafts.send`` as one new message, so a
follow-up sent twice is two messages there. The server's clock follows the walk, so Gmail's
dates and its ``newer_than:``/``after:`` searches agree with the daemon's time.
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from relance.gmail.api.quota import scopes
from tests.clock import wait_until
from tests.gmailfake.server import GmailFake
from tests.gmailfake.store import Account

_serial = itertools.count(1)
STAGE_HEADER = "X-Relance-Stage"  # on every follow-up relance writes, never on a client's mail


class WalkClock:
    """The Gmail server's clock: the walk's current moment (epoch seconds)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> float:
        return self.now.timestamp()


class GmailBackend:
    """Fresh accounts on a running fake Gmail for one walk."""

    name = "gmail"

    def __init__(self, root: Path, fake: GmailFake, clock: WalkClock) -> None:
        self.fake, self.clock = fake, clock
        self.tag = f"{os.getpid()}-{next(_serial)}"
        self.address = f"claire-{self.tag}@atelier-martin.example"
        self.account = fake.add_account(self.address)
        self.clients: list[Account] = []
        root.mkdir(parents=True, exist_ok=True)
        self.token_file = root / "gmail-token.json"
        # What `relance setup` keeps after the consent: JSON, readable by the user alone.
        self.token_file.write_text(json.dumps(
            {**fake.credentials(self.address), "scopes": list(scopes(False))}))
        self.token_file.chmod(0o600)
        self.client_secrets = root / "client_secret.json"
        self.taken: set[str] = set()

    def account_config(self) -> str:
        return (f'[account]\nprovider = "gmail"\naddress = "{self.address}"\n\n'
                f'[account.gmail]\ntoken_file = "{self.token_file}"\n'
                f'client_secrets_file = "{self.client_secrets}"\n\n')

    @property
    def gmail_endpoint(self) -> str:
        """Where the daemon finds this Gmail (``launch.py`` opens the account there)."""
        return str(self.fake.url)

    def at(self, now: datetime) -> None:
        """The walk moved on: Gmail's clock follows."""
        self.clock.now = now

    def client(self, name: str) -> str:
        account = self.fake.add_account(f"accounts-{self.tag}@{name}.test")
        self.clients.append(account)
        return account.address

    def file_sent(self, name: str, message: EmailMessage) -> None:
        """Claire sent the invoice from Gmail: her copy in Sent, the client's in their Inbox."""
        sent = self.fake.seed(self.address, message.as_bytes(), {"SENT"}, _date_ms(message))
        self.fake.deliver(self.account, sent)

    def file_inbox(self, name: str, message: EmailMessage) -> None:
        """Mail arrives in Claire's Inbox; Gmail files it in the thread it answers when the
        subject matches (a reply), apart otherwise (a delivery report)."""
        refs = str(message.get("References", "")).split()
        threads = [m.thread_id for m in list(self.account.messages.values())
                   if m.message_id in refs]
        self.fake.seed(self.address, message.as_bytes(), {"INBOX", "UNREAD"},
                       _date_ms(message), threads[0] if threads else None)

    def take_deliveries(self) -> list[bytes]:
        """The follow-ups that reached the clients' Inboxes since the last call, in order."""
        # a killed child's last request may still be read and carried out by the server: what
        # reached the clients is known once it has closed every connection
        wait_until(lambda: self.fake.open_connections == 0, 10,
                   what="the Gmail fake to close the run's connections")
        fresh = []
        for account in self.clients:
            for msg in list(account.messages.values()):
                if msg.id in self.taken or "INBOX" not in msg.labels \
                        or not msg.parsed.get(STAGE_HEADER):
                    continue
                self.taken.add(msg.id)
                fresh.append((msg.id, msg.raw))
        return [raw for _, raw in sorted(fresh)]

    def leftover_drafts(self) -> int:
        return len(self.account.drafts)


def _date_ms(message: EmailMessage) -> int:
    return int(parsedate_to_datetime(str(message["Date"])).timestamp() * 1000)
