"""The crash harness's IMAP backend: the freelancer's account on a real Dovecot, sending through
an SMTP server that delivers into the clients' Dovecot inboxes over LMTP.

What the clients received is what the SMTP server accepted from the freelancer's login: one
entry per transaction, so a follow-up sent twice is two entries.
"""

from __future__ import annotations

import itertools
import os
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from imapclient import IMAPClient

from tests.clock import wait_until
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import DeliveringSmtpServer

_serial = itertools.count(1)


class ImapBackend:
    """Fresh users on a running Dovecot for one walk."""

    name = "imap"

    def __init__(self, root: Path, dovecot: DovecotServer, smtp: DeliveringSmtpServer) -> None:
        self.dovecot, self.smtp = dovecot, smtp
        self.tag = f"{os.getpid()}-{next(_serial)}"
        user = dovecot.add_user(f"freelancer-{self.tag}")
        self.address, self.password = user.address, user.password
        smtp.add_account(user.address, user.password)
        self.password_file = root / "imap-password"
        root.mkdir(parents=True, exist_ok=True)
        self.password_file.write_text(user.password + "\n")
        self.password_file.chmod(0o600)
        self.taken = 0

    def account_config(self) -> str:
        host = self.dovecot.host
        return (f'[account]\nprovider = "imap"\naddress = "{self.address}"\n\n'
                f'[account.imap]\nhost = "{host}"\nport = {self.dovecot.imap_port}\n'
                f'tls = "none"\npassword_file = "{self.password_file}"\n'
                'scan_since_days = 3650\n\n'
                f'[account.smtp]\nhost = "{self.smtp.host}"\nport = {self.smtp.port}\n'
                'tls = "none"\n\n')

    def client(self, name: str) -> str:
        return self.dovecot.add_user(f"{name}-{self.tag}").address

    def _append(self, folder: str, message: EmailMessage) -> None:
        with IMAPClient(self.dovecot.host, self.dovecot.imap_port, ssl=False,
                        timeout=10) as imap:
            imap.login(self.address, self.password)
            when = parsedate_to_datetime(str(message["Date"]))
            imap.append(folder, message.as_bytes(), flags=[b"\\Seen"], msg_time=when)

    def file_sent(self, name: str, message: EmailMessage) -> None:
        self._append("Sent", message)

    def file_inbox(self, name: str, message: EmailMessage) -> None:
        self._append("INBOX", message)

    def take_deliveries(self) -> list[bytes]:
        """The messages the SMTP server accepted from this freelancer since the last call.

        Called once the run has ended. A completed send was recorded before its 250 reply; a
        run killed mid-send may have left bytes the server has yet to read and deliver, which
        it does before it sees the connection close."""
        wait_until(lambda: self.smtp.open_connections == 0, 10,
                   what="the SMTP server to close the run's connections")
        mine = [a.content for a in list(self.smtp.received) if a.login == self.address]
        fresh, self.taken = mine[self.taken:], len(mine)
        return fresh

    def leftover_drafts(self) -> int:
        with IMAPClient(self.dovecot.host, self.dovecot.imap_port, ssl=False,
                        timeout=10) as imap:
            imap.login(self.address, self.password)
            imap.select_folder("Drafts", readonly=True)
            return len(imap.search(["NOT", "DELETED"]))
