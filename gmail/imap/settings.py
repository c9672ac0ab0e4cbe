"""Settings of an IMAP account and of the SMTP server that sends for it.

Frozen dataclasses, built once by the config loader. Secrets are excluded from ``repr`` so a
settings object can be logged without leaking the app password.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


class Security(enum.StrEnum):
    """How the connection is protected."""

    TLS = "implicit"  # implicit TLS from the first byte (IMAP 993, SMTP 465; RFC 8314 §3)
    STARTTLS = "starttls"  # plain, then upgraded (RFC 2595 §3.1, RFC 3207)
    NONE = "none"  # plain text; only sensible on loopback


TokenSource = Callable[[], str]  # returns a fresh OAuth2 access token (XOAUTH2)


@dataclass(frozen=True)
class ImapSettings:
    """Where and how to log in over IMAP.

    ``folders`` overrides the folder of a role ("sent", "drafts", "inbox", "junk", "trash");
    the config's ``account.imap.sent`` etc. land here.
    ``scan_since_days`` limits the first scan to messages younger than that (None: all).
    ``oauth2_token``, when set, is used instead of the password (SASL XOAUTH2).
    """

    host: str
    username: str
    password: str = field(default="", repr=False)
    port: int = 993
    security: Security = Security.TLS
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    oauth2_token: TokenSource | None = field(default=None, repr=False)
    folders: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    scan_since_days: int | None = 365
    timeout_s: float = 60.0
    poll_interval_s: float = 60.0  # Inbox polling period on servers without IDLE


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand outgoing mail over (RFC 5321 submission, RFC 6409)."""

    host: str
    username: str
    password: str = field(default="", repr=False)
    port: int = 465
    security: Security = Security.TLS
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    oauth2_token: TokenSource | None = field(default=None, repr=False)
    timeout_s: float = 60.0


def tls_context(settings_context: ssl.SSLContext | None) -> ssl.SSLContext:
    """Return the context to use: the configured one, else the system's verifying default."""
    return settings_context if settings_context is not None else ssl.create_default_context()


def from_config(imap: Any, smtp: Any, address: str, imap_password: str,
                smtp_password: str) -> tuple[ImapSettings, SmtpSettings | None]:
    """Build the plugin's settings from the config's ``account.imap`` / ``account.smtp``
    sections (``relance.daemon.config``) and the passwords read from their files.

    The SMTP settings are None when no SMTP host is configured (reading and drafting only).
    """
    folders = {role: getattr(imap, role) for role in ("sent", "drafts", "inbox")
               if getattr(imap, role, None)}
    imap_settings = ImapSettings(
        host=imap.host, port=imap.port, security=Security(imap.tls),
        username=imap.username or address, password=imap_password,
        folders=MappingProxyType(folders), scan_since_days=imap.scan_since_days)
    if not smtp.host:
        return imap_settings, None
    return imap_settings, SmtpSettings(
        host=smtp.host, port=smtp.port, security=Security(smtp.tls),
        username=smtp.username or imap_settings.username, password=smtp_password)
