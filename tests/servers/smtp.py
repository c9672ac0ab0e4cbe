"""An SMTP server for tests that delivers what it accepts into Dovecot mailboxes over LMTP.

``DeliveringSmtpServer`` runs aiosmtpd's ``Controller`` on 127.0.0.1. It requires AUTH (PLAIN or
LOGIN, over the plain connection: this is loopback) against the accounts it was given, and hands
each accepted message to Dovecot's LMTP listener so the recipient's Inbox really receives it and
IDLE fires there, like real mail. Every accepted transaction is also kept in ``received`` so a
test can look at the envelope, and ``open_connections`` counts the clients still connected (once
it is 0 after a client died, nothing it sent can still be delivered).

With ``files_sent`` it also files a copy of each message it accepts in the sender's own Sent
folder, before it answers 250, as some submission servers do: Gmail's ("If your client is
sending mail through Gmail's SMTP server, your sent messages will be automatically copied to the
[Gmail]/Sent Mail folder", Gmail Help, "Recommended IMAP client settings", answer 78892; Gmail
shows it in All Mail as well), and by reports Microsoft 365's SMTP AUTH submission and some
cPanel hosts. The copy is an IMAP APPEND to Dovecot as the sender, with the password or the
XOAUTH2 token the sender logged in with, and carries a ``Received:`` trace field of this server
on top (RFC 5321 §4.4), as Gmail's copy does: a test can tell it from the client's own copy.

Two details of the libraries shape this:
- smtplib does not read LMTP's one-reply-per-recipient answer (RFC 2033 §4.2), so each recipient
  gets a transaction of its own;
- aiosmtpd closes the connection on a failed login unless the authenticator says it did not
  handle the failure (``AuthResult(success=False, handled=False)``); then the client gets the
  535 reply it expects (RFC 4954 §6).
"""

from __future__ import annotations

import asyncio
import base64
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tests.servers import free_port


@dataclass(frozen=True)
class Login:
    """Who authenticated on a session, and with what: a password, or an XOAUTH2 token."""

    login: str
    password: str = ""
    token: str = ""


@dataclass(frozen=True)
class FilesSent:
    """Where the server files its copy of each message: Dovecot's IMAP at ``(imap_host,
    imap_port)``, in each of ``folders`` of the sender's account."""

    imap_host: str
    imap_port: int
    folders: tuple[str, ...] = ("Sent",)

    def file(self, who: Login, content: bytes, trace: bytes) -> None:
        """APPEND ``trace + content`` flagged \\Seen to each folder, logged in as ``who``."""
        with IMAPClient(self.imap_host, self.imap_port, ssl=False, timeout=10) as imap:
            if who.token:
                imap.oauth2_login(who.login, who.token)
            else:
                imap.login(who.login, who.password)
            for folder in self.folders:
                imap.append(folder, trace + content, flags=(b"\\Seen",))


@dataclass(frozen=True)
class Accepted:
    """One transaction the server accepted: who logged in, the envelope and the bytes."""

    login: str
    mail_from: str
    recipients: tuple[str, ...]
    content: bytes


class _Authenticator:
    """Accepts the logins in ``accounts`` (login → password) and nothing else."""

    def __init__(self, accounts: dict[str, str]) -> None:
        self.accounts = accounts

    def __call__(self, server: SMTP, session: Session, envelope: Envelope,
                 mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode()
            password = auth_data.password.decode()
            if self.accounts.get(login) == password:
                return AuthResult(success=True, auth_data=Login(login, password=password))
        return AuthResult(success=False, handled=False)


class _LmtpHandler:
    """Delivers each accepted message to every recipient through Dovecot's LMTP, and offers
    XOAUTH2 (Google's SASL mechanism: ``user=<login>^Aauth=Bearer <token>^A^A``, base64) for
    the bearer tokens in ``tokens`` (token → login)."""

    def __init__(self, lmtp_host: str, lmtp_port: int, received: list[Accepted],
                 files_sent: FilesSent | None = None) -> None:
        self.lmtp_host, self.lmtp_port = lmtp_host, lmtp_port
        self.received = received
        self.files_sent = files_sent
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()
        self.release: threading.Event | None = None  # set: hold each reply until it is set
        self.delivered = threading.Event()

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) < 2:  # no initial response: smtplib always sends one
            return AuthResult(success=False, handled=False)
        try:
            fields = dict(part.split("=", 1) for part in
                          base64.b64decode(args[1]).decode().split("\x01") if part)
        except (ValueError, UnicodeDecodeError):
            return AuthResult(success=False, handled=False)
        token = fields.get("auth", "").removeprefix("Bearer ")
        login = self.tokens.get(token)
        if login is None or login != fields.get("user"):
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=Login(login, token=token))

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        mail_from = envelope.mail_from or ""  # DATA comes after MAIL FROM; "" is the null sender
        for recipient in envelope.rcpt_tos:
            lmtp = smtplib.LMTP(self.lmtp_host, self.lmtp_port, timeout=10)
            try:
                lmtp.sendmail(mail_from, [recipient], content)
            except smtplib.SMTPException as exc:
                return f"451 4.3.0 local delivery to {recipient} failed: {exc}"
            finally:
                lmtp.quit()
        who = session.auth_data if isinstance(session.auth_data, Login) else Login("")
        if self.files_sent is not None:
            trace = (f"Received: from {session.host_name} ({session.peer[0]}) by {server.hostname}"
                     f" with ESMTPSA; {format_datetime(datetime.now(timezone.utc))}\r\n")
            try:
                self.files_sent.file(who, content, trace.encode())
            except (IMAPClientError, OSError) as exc:
                return f"451 4.3.0 filing the sent copy of {who.login} failed: {exc}"
        with self.lock:
            self.received.append(Accepted(
                login=who.login,
                mail_from=mail_from,
                recipients=tuple(envelope.rcpt_tos),
                content=content,
            ))
        if self.release is not None:
            self.delivered.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return "250 2.0.0 delivered"


class _CountedSMTP(SMTP):
    """aiosmtpd's session, entered in ``sessions`` from its connection until it is lost."""

    def __init__(self, sessions: set[int], lock: threading.Lock, *args: Any,
                 **kwargs: Any) -> None:
        self._sessions, self._sessions_lock = sessions, lock
        super().__init__(*args, **kwargs)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        with self._sessions_lock:  # called again after STARTTLS: a set counts it once
            self._sessions.add(id(self))
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        with self._sessions_lock:
            self._sessions.discard(id(self))


class _Controller(Controller):
    """aiosmtpd's controller, its sessions counted (``sessions``: those connected)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sessions: set[int] = set()
        self.sessions_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def factory(self) -> SMTP:
        return _CountedSMTP(self.sessions, self.sessions_lock, self.handler, **self.SMTP_kwargs)


class DeliveringSmtpServer:
    """aiosmtpd on 127.0.0.1 with AUTH, delivering into Dovecot's LMTP at (lmtp_host, lmtp_port).

    ``accounts`` maps login → password; ``add_account`` adds more while it runs. With a
    ``tls_context`` (a server-side SSLContext holding a certificate), ``tls`` says how it is
    used: "implicit" (TLS from the first byte, RFC 8314 §3) or "starttls" (RFC 3207). With
    ``files_sent`` each accepted message is also filed in the sender's Sent (see the module).
    """

    host = "127.0.0.1"

    def __init__(self, lmtp_host: str, lmtp_port: int,
                 accounts: dict[str, str] | None = None, *,
                 tls_context: ssl.SSLContext | None = None, tls: str = "starttls",
                 files_sent: FilesSent | None = None) -> None:
        self.port = free_port()
        options: dict[str, Any] = {}
        if tls_context is not None and tls == "implicit":
            options["ssl_context"] = tls_context
        elif tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=True)
        self.received: list[Accepted] = []
        self._auth = _Authenticator(dict(accounts or {}))
        self._handler = _LmtpHandler(lmtp_host, lmtp_port, self.received, files_sent)
        self._controller = _Controller(
            self._handler,
            hostname=self.host,
            port=self.port,
            authenticator=self._auth,
            auth_required=True,
            auth_require_tls=False,  # loopback: plain AUTH is fine in most tests
            **options,
        )

    @property
    def open_connections(self) -> int:
        """How many clients are connected now. A killed client's connection counts until the
        server has read what it had sent (and delivered a message it had finished)."""
        with self._controller.sessions_lock:
            return len(self._controller.sessions)

    def add_account(self, login: str, password: str) -> None:
        """Let ``login`` / ``password`` authenticate from now on."""
        self._auth.accounts[login] = password

    def hold_replies(self) -> threading.Event:
        """From now on, deliver each message but hold the final 250 reply until
        ``release_replies()``: the window in which a sending process may be killed after the
        server took the message. Returns an event set once a message waits so."""
        self._handler.delivered.clear()
        self._handler.release = threading.Event()
        return self._handler.delivered

    def release_replies(self) -> None:
        """Answer the held messages and stop holding."""
        release, self._handler.release = self._handler.release, None
        if release is not None:
            release.set()

    def add_token(self, login: str, token: str) -> None:
        """Let ``login`` authenticate with XOAUTH2 and the bearer ``token`` from now on."""
        self._handler.tokens[token] = login

    def start(self) -> None:
        """Start listening; returns once the server answers."""
        self._controller.start()

    def stop(self) -> None:
        """Stop listening; stopping twice is harmless."""
        self.release_replies()
        try:
            self._controller.stop()
        except AssertionError:  # aiosmtpd asserts when it was never started or already stopped
            pass

    def __enter__(self) -> DeliveringSmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
