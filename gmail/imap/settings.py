"""Settings of an IMAP account and of the SMTP server that sends for it.

Frozen dataclasses, built once from the configuration by the CLI's wiring module. Whatever the
configuration supplies has no default here (the configuration's default is the only one); what
it does not supply (certificates, OAuth tokens, timeouts) keeps one. Secrets are excluded from
``repr`` so a settings object can be logged without leaking the app password.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class Security(enum.StrEnum):
    """How the connection is protected."""

    TLS = "implicit"  # implicit TLS from the first byte (IMAP 993, SMTP 465; RFC 8314 §3)
    STARTTLS = "starttls"  # plain, then upgraded (RFC 2595 §3.1, RFC 3207)
    NONE = "none"  # plain text; only sensible on loopback


TokenSource = Callable[[], str]  # returns a fresh OAuth2 access token (XOAUTH2)


@dataclass(frozen=True, kw_only=True)
class ImapSettings:
    """Where and how to log in over IMAP.

    ``folders`` overrides the folder of a role ("sent", "drafts", "inbox", "junk", "trash");
    the config's ``account.imap.sent`` etc. land here; empty, every folder is found by its
    special-use flag.
    ``scan_since_days`` limits the first scan to messages younger than that (None: all).
    ``oauth2_token``, when set, is used instead of the password (SASL XOAUTH2).
    """

    host: str
    username: str
    password: str = field(repr=False)
    port: int
    security: Security
    scan_since_days: int | None
    folders: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    oauth2_token: TokenSource | None = field(default=None, repr=False)
    timeout_s: float = 60.0
    poll_interval_s: float = 60.0  # Inbox polling period on servers without IDLE


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    """Where and how to hand outgoing mail over (RFC 5321 submission, RFC 6409)."""

    host: str
    username: str
    password: str = field(repr=False)
    port: int
    security: Security
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    oauth2_token: TokenSource | None = field(default=None, repr=False)
    timeout_s: float = 60.0


def tls_context(settings_context: ssl.SSLContext | None) -> ssl.SSLContext:
    """Return the context to use: the configured one, else the system's verifying default."""
    return settings_context if settings_context is not None else ssl.create_default_context()
