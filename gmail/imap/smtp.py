"""Sending one message over SMTP submission (smtplib), for the IMAP account.

``send`` opens a connection (implicit TLS, STARTTLS or plain), authenticates (PLAIN/LOGIN with
the app password, or XOAUTH2 with a token), and transmits the bytes to the given recipients.
What goes wrong becomes relance's error family, with one distinction that matters for
"at most once": a failure *before* the message data was handed over means it was not sent
(retry is safe); a connection lost *while* the data went out leaves the outcome unknown
(RFC 5321 §4.1.1.4 — the server may have accepted it), and is raised as ``SendOutcomeUnknown``
so the caller never sends it again.

``envelope_recipients`` and ``outgoing_bytes`` are pure and decide who receives what.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from datetime import datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import format_datetime, getaddresses

from ...daemon.core.errors import PermanentMailboxError, TransientMailboxError
from .settings import Security, SmtpSettings, tls_context

# Fields mail programs add to a draft for their own bookkeeping and strip when they send it:
# Thunderbird's draft state and identity, Apple Mail's draft marker.
DRAFT_ONLY_FIELDS = ("X-Mozilla-Draft-Info", "X-Identity-Key", "X-Account-Key",
                     "X-Uniform-Type-Identifier")


class SendOutcomeUnknown(PermanentMailboxError):
    """The connection broke while the message data was being transmitted: it may have been
    sent. Treated as sent, never retried."""


def envelope_recipients(message: Message) -> tuple[str, ...]:
    """Return the addresses in To and Cc, in order, each once (compared case-insensitively).

    Bcc is deliberately not read: a follow-up goes only to addresses visible on it.
    """
    seen: set[str] = set()
    out: list[str] = []
    fields = [str(v) for v in message.get_all("To", []) + message.get_all("Cc", [])]
    for _, address in getaddresses(fields):
        if "@" in address and address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return tuple(out)


def outgoing_bytes(raw: bytes, now: datetime) -> bytes:
    """Return the message as it should leave: Date set to ``now`` (RFC 5322 §3.6.1: the moment
    it is sent, not when the draft was written), any Bcc and the mail programs' draft-only
    fields dropped, CRLF line ends (RFC 5321 §2.3.8). Everything else — the body the user may
    have edited, Message-ID, the threading headers — is kept as it is."""
    message = message_from_bytes(raw, policy=policy.compat32)
    for name in ("Date", "Bcc", *DRAFT_ONLY_FIELDS):
        del message[name]
    message["Date"] = format_datetime(now)
    return message.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))


def send(settings: SmtpSettings, sender: str, recipients: Sequence[str], data: bytes) -> None:
    """Transmit ``data`` from ``sender`` to ``recipients``; return when the server accepted it.

    Raises TransientMailboxError (unreachable, 4xx), PermanentMailboxError (login refused,
    5xx, every recipient refused) or SendOutcomeUnknown (see the module's docstring).
    """
    where = f"{settings.host}:{settings.port}"
    if not recipients:
        raise PermanentMailboxError("The message has no recipient in To or Cc; nothing was sent.")
    client = _open(settings, where)
    try:
        _envelope(client, where, sender, recipients)
        try:
            code, reply = client.data(data)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise SendOutcomeUnknown(
                f"The connection to the SMTP server {where} broke while the message was being "
                f"transmitted ({exc}); it may have been sent. relance counts it as sent and will "
                f"not send it again: check your Sent folder and the recipient.") from None
        if code != 250:
            raise _reply_error(where, "refused the message", code, reply)
    except smtplib.SMTPResponseException as exc:
        raise _reply_error(where, "refused the message", exc.smtp_code, exc.smtp_error) from None
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise TransientMailboxError(
            f"The connection to the SMTP server {where} broke before the message was sent "
            f"({exc}); will retry.") from None
    finally:
        _quit_quietly(client)


def check_login(settings: SmtpSettings) -> None:
    """Connect and authenticate (RFC 4954 AUTH), then QUIT without a MAIL command: nothing is
    sent. Raises Permanent/TransientMailboxError with what to fix, as ``send`` does."""
    _quit_quietly(_open(settings, f"{settings.host}:{settings.port}"))


def _open(settings: SmtpSettings, where: str) -> smtplib.SMTP:
    """Connect and authenticate; raise the right relance error when that fails."""
    try:
        if settings.security is Security.TLS:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_s,
                context=tls_context(settings.ssl_context))
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        if client.sock is not None:
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.ehlo()
        if settings.security is Security.STARTTLS:
            client.starttls(context=tls_context(settings.ssl_context))
            client.ehlo()
        _authenticate(client, settings)
        return client
    except smtplib.SMTPAuthenticationError as exc:
        fix = ("Authorise relance again: the OAuth token was refused" if settings.oauth2_token
               else "Check the user name and the app password (most providers want an app "
                    "password here)")
        raise PermanentMailboxError(
            f"The SMTP server {where} refused the login of {settings.username!r} "
            f"({exc.smtp_code} {_text(exc.smtp_error)}). {fix}.") from None
    except ssl.SSLCertVerificationError as exc:
        raise PermanentMailboxError(
            f"The SMTP server {where} presented a certificate that cannot be trusted "
            f"({exc.verify_message}). Check account.smtp.host.") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentMailboxError(
            f"The SMTP server {where} does not offer what relance needs ({exc}). Check "
            f"account.smtp.tls (implicit, starttls or none) and account.smtp.port.") from None
    except smtplib.SMTPResponseException as exc:
        raise _reply_error(where, "refused the session", exc.smtp_code, exc.smtp_error) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientMailboxError(
            f"Cannot reach the SMTP server {where} ({exc or type(exc).__name__}); will retry. "
            f"If it persists, check account.smtp.host, account.smtp.port and the "
            f"network.") from None


def _authenticate(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    """AUTH (RFC 4954): XOAUTH2 with a token when configured, else the password (smtplib
    picks PLAIN or LOGIN from what the server offers)."""
    if settings.oauth2_token is not None:
        token = settings.oauth2_token()
        initial = f"user={settings.username}\x01auth=Bearer {token}\x01\x01"
        # On failure the server sends a JSON challenge and expects an empty answer.
        client.auth("XOAUTH2", lambda challenge=None: "" if challenge else initial)
    else:
        client.login(settings.username, settings.password)


def _envelope(client: smtplib.SMTP, where: str, sender: str, recipients: Sequence[str]) -> None:
    """MAIL FROM and RCPT TO (RFC 5321 §3.3); raise when the server takes no recipient."""
    code, reply = client.mail(sender)
    if code != 250:
        raise _reply_error(where, f"refused the sender {sender}", code, reply)
    refused: list[str] = []
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused.append(f"{recipient} ({code} {_text(reply)})")
    if len(refused) == len(recipients):
        raise PermanentMailboxError(
            f"The SMTP server {where} refused every recipient: {', '.join(refused)}. "
            f"Nothing was sent; check the addresses on the invoice.")


def _text(reply: bytes | str) -> str:
    """A server's reply as text (smtplib keeps it as bytes, or as str for its own errors)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _reply_error(where: str, what: str, code: int,
                 reply: bytes | str) -> PermanentMailboxError | TransientMailboxError:
    text = f"The SMTP server {where} {what}: {code} {_text(reply)}"
    if 400 <= code < 500:  # RFC 5321 §4.2.1: transient negative completion
        return TransientMailboxError(text + "; will retry.")
    return PermanentMailboxError(text)


def _quit_quietly(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
