"""An SMTP server for tests that delivers what it accepts into Dovecot mailboxes over LMTP.

``DeliveringSmtpServer`` runs aiosmtpd's ``Controller`` on 127.0.0.1. It requires AUTH (PLAIN or
LOGIN, over the plain connection: this is loopback) against the accounts it was given, and hands
each accepted message to Dovecot's LMTP listener so the recipient's Inbox really receives it and
IDLE fires there, like real mail. Every accepted transaction is also kept in ``received`` so a
test can look at the envelope, and ``open_connections`` counts the clients still connected (once
it is 0 after a client died, nothing it sent can still be delivered).

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
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers import free_port


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
            if self.accounts.get(login) == auth_data.password.decode():
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)


class _LmtpHandler:
    """Delivers each accepted message to every recipient through Dovecot's LMTP, and offers
    XOAUTH2 (Google's SASL mechanism: ``user=<login>^Aauth=Bearer <token>^A^A``, base64) for
    the bearer tokens in ``tokens`` (token → login)."""

    def __init__(self, lmtp_host: str, lmtp_port: int, received: list[Accepted]) -> None:
        self.lmtp_host, self.lmtp_port = lmtp_host, lmtp_port
        self.received = received
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
        return AuthResult(success=True, auth_data=login)

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
        with self.lock:
            self.received.append(Accepted(
                login=str(session.auth_data or ""),
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
    used: "implicit" (TLS from the first byte, RFC 8314 §3) or "starttls" (RFC 3207).
    """

    host = "127.0.0.1"

    def __init__(self, lmtp_host: str, lmtp_port: int,
                 accounts: dict[str, str] | None = None, *,
                 tls_context: ssl.SSLContext | None = None, tls: str = "starttls") -> None:
        self.port = free_port()
        options: dict[str, Any] = {}
        if tls_context is not None and tls == "implicit":
            options["ssl_context"] = tls_context
        elif tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=True)
        self.received: list[Accepted] = []
        self._auth = _Authenticator(dict(accounts or {}))
        self._handler = _LmtpHandler(lmtp_host, lmtp_port, self.received)
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
