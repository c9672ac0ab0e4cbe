"""Opening an IMAP connection, and turning what goes wrong into relance's error family.

Everything that touches imapclient's exceptions lives here, so the mailbox class reads as the
protocol steps only; the other modules take ``IMAPClient`` and ``IMAPClientError`` from here.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

# imapclient ships no type information (no py.typed); its names are typed Any here, and every
# other module of the plugin takes them from this one.
from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import (  # type: ignore[import-untyped]
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from ...daemon.core.errors import PermanentMailboxError, TransientMailboxError
from .settings import ImapSettings, Security, tls_context

__all__ = ["IMAPClient", "IMAPClientAbortError", "IMAPClientError", "LoginError", "close_quietly",
           "connect", "is_no_such_folder", "translated"]

# RFC 5530 response codes that say "try again later" rather than "you asked wrongly".
_TRANSIENT_CODES = ("UNAVAILABLE", "INUSE", "SERVERBUG", "LIMIT", "CONTACTADMIN")
_CODE = re.compile(rb"\[([A-Z-]+)")


def connect(settings: ImapSettings) -> IMAPClient:
    """Return a logged-in client, with CONDSTORE enabled where offered (RFC 7162 §3.1).

    Raises PermanentMailboxError for a refused login or an untrusted certificate, and
    TransientMailboxError when the server cannot be reached.
    """
    where = f"{settings.host}:{settings.port}"
    try:
        client = IMAPClient(settings.host, settings.port,
                            ssl=settings.security is Security.TLS,
                            ssl_context=tls_context(settings.ssl_context),
                            timeout=settings.timeout_s)
        _no_delay(client)
        if settings.security is Security.STARTTLS:
            client.starttls(tls_context(settings.ssl_context))
        if settings.oauth2_token is not None:
            client.oauth2_login(settings.username, settings.oauth2_token())
        else:
            client.login(settings.username, settings.password)
    except LoginError as exc:
        raise PermanentMailboxError(
            f"The IMAP server {where} refused the login of {settings.username!r} "
            f"({_server_text(exc)}). Check the user name and the app password: many providers "
            f"(Gmail, Fastmail, iCloud, Outlook) want an app password, not the account's "
            f"normal one.") from None
    except ssl.SSLCertVerificationError as exc:
        raise PermanentMailboxError(
            f"The IMAP server {where} presented a certificate that cannot be trusted "
            f"({exc.verify_message}). Check account.imap.host; do not turn verification "
            f"off.") from None
    except (OSError, IMAPClientAbortError) as exc:
        raise TransientMailboxError(
            f"Cannot reach the IMAP server {where} ({exc or type(exc).__name__}); "
            f"will retry. If it persists, check account.imap.host, account.imap.port and the "
            f"network.") from None
    except IMAPClientError as exc:
        raise PermanentMailboxError(
            f"The IMAP server {where} would not start the session ({_server_text(exc)}). "
            f"Check account.imap.tls (implicit, starttls or none) and account.imap.port.") from None
    client.normalise_times = False  # keep INTERNALDATE aware, with the server's offset
    if client.has_capability("CONDSTORE") and client.has_capability("ENABLE"):
        with translated(settings, "enabling CONDSTORE"):
            client.enable("CONDSTORE")
    return client


def _no_delay(client: IMAPClient) -> None:
    """Disable Nagle: imaplib writes an APPEND literal and its CRLF separately, and with
    delayed ACKs on the server side each such command then waits about 40 ms."""
    client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@contextmanager
def translated(settings: ImapSettings, action: str) -> Iterator[None]:
    """Run a block of IMAP commands, raising relance errors for what goes wrong.

    A lost connection or a "try later" code is transient; any other refusal is permanent and
    quotes the server's words.
    """
    where = f"{settings.host}:{settings.port}"
    try:
        yield
    except (OSError, IMAPClientAbortError) as exc:
        raise TransientMailboxError(
            f"The connection to the IMAP server {where} broke while {action} "
            f"({exc or type(exc).__name__}); will retry.") from None
    except IMAPClientError as exc:
        text = _server_text(exc)
        code = _CODE.search(text.encode())
        if code is not None and code.group(1).decode() in _TRANSIENT_CODES:
            raise TransientMailboxError(
                f"The IMAP server {where} is busy while {action} ({text}); will retry.") from None
        raise PermanentMailboxError(
            f"The IMAP server {where} refused {action}: {text}") from None


def is_no_such_folder(exc: IMAPClientError) -> bool:
    """True when a SELECT/EXAMINE failed because the folder does not exist (RFC 5530
    ``[NONEXISTENT]``; older servers say it in words)."""
    text = _server_text(exc).lower()
    return "nonexistent" in text or "doesn't exist" in text or "does not exist" in text \
        or "unknown mailbox" in text


def _server_text(exc: Exception) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')) and text.endswith(("'", '"')):
        text = text[2:-1]
    return text.strip() or type(exc).__name__


def close_quietly(client: IMAPClient) -> None:
    """Log out, ignoring a connection that is already gone (RFC 3501 §6.1.3)."""
    try:
        client.logout()
    except (OSError, IMAPClientError):
        try:
            client.shutdown()
        except OSError:
            pass
