"""The ``[account]`` part of the configuration: which mailbox relance watches and how it reaches
it — the ``[account.gmail]``, ``[account.imap]`` and ``[account.smtp]`` sections.

These are the *file's* sections, with the file's defaults. The mailbox plugins keep settings of
their own (``relance.gmail.imap.settings``), which the CLI's wiring builds from these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .configcheck import Section, field_names

PROVIDERS = ("gmail", "imap", "sample")
TLS_MODES = ("implicit", "starttls", "none")

# Default ports by TLS mode: implicit TLS uses 993 for IMAP and 465 for submission (RFC 8314);
# STARTTLS uses 143 for IMAP (RFC 9051) and 587 for submission (RFC 6409 §3.1).
IMAP_PORTS = {"implicit": 993, "starttls": 143, "none": 143}
SMTP_PORTS = {"implicit": 465, "starttls": 587, "none": 25}

ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")


@dataclass(frozen=True)
class GmailSection:
    """``[account.gmail]``: read only when the provider is "gmail"."""

    token_file: Path  # the OAuth token relance keeps after the first consent
    client_secrets_file: Path  # the OAuth client downloaded from the Google Cloud console
    labels: bool = False  # request gmail.modify for the relance/paid and relance/stop labels


@dataclass(frozen=True)
class ImapSection:
    """``[account.imap]``: read only when the provider is "imap"."""

    host: str = ""
    port: int = IMAP_PORTS["implicit"]
    tls: str = "implicit"
    username: str = ""  # defaults to the account address
    password_file: Path | None = None
    # Folder names; None means "find it by its RFC 6154 special-use flag" (INBOX for the inbox).
    sent: str | None = None
    drafts: str | None = None
    inbox: str | None = None
    scan_since_days: int = 120  # how far back the first scan of Sent looks


@dataclass(frozen=True)
class SmtpSection:
    """``[account.smtp]``: how an "imap" account sends its follow-ups."""

    host: str = ""
    port: int = SMTP_PORTS["implicit"]
    tls: str = "implicit"
    username: str = ""  # defaults to the IMAP username
    password_file: Path | None = None  # defaults to the IMAP password file


@dataclass(frozen=True)
class AccountSettings:
    provider: str  # "gmail", "imap" or "sample"
    address: str  # the user's own address, lower-cased ("" for the sample mailbox)
    gmail: GmailSection
    imap: ImapSection = ImapSection()
    smtp: SmtpSection = SmtpSection()


_IMAP = ImapSection()  # the defaults


def read_account(section: Section, *, default_gmail: GmailSection,
                 sends: bool) -> AccountSettings:
    """The ``[account]`` table and its sub-tables. ``default_gmail`` holds the token and client
    files used when the file names none; ``sends`` is false in "draft_only" mode, where an
    "imap" account needs no SMTP server."""
    provider = section.choice("provider", "sample", PROVIDERS)
    needs = provider if provider != "sample" else ""
    address = read_address(section, "address", needs)
    gmail = _gmail(section.sub("gmail", field_names(GmailSection)), default_gmail)
    imap = _imap(section.sub("imap", field_names(ImapSection)), address, provider == "imap")
    smtp = _smtp(section.sub("smtp", field_names(SmtpSection)), imap,
                 provider == "imap" and sends)
    return AccountSettings(provider=provider, address=address, gmail=gmail, imap=imap, smtp=smtp)


def read_address(section: Section, name: str, required_by: str) -> str:
    """The lower-cased address under ``name``; reported missing when ``required_by`` (a
    provider's name) needs it."""
    value = section.string(name, "").strip().lower()
    if not value and required_by:
        section.missing(name, f"the {required_by} provider needs your e-mail address",
                        f'{name} = "you@example.com"')
    elif value and not ADDRESS.fullmatch(value):
        section.bad(name, "is not an e-mail address", 'Write it like "you@example.com".')
    return value


def _gmail(section: Section, default: GmailSection) -> GmailSection:
    return GmailSection(
        token_file=section.path_value("token_file", default.token_file),
        client_secrets_file=section.path_value("client_secrets_file",
                                               default.client_secrets_file),
        labels=section.boolean("labels", default.labels),
    )


def _server(
    section: Section, ports: Mapping[str, int], required: bool, what: str
) -> tuple[str, int, str]:
    """Host, port and TLS mode of one server; the port defaults from the TLS mode."""
    host = section.string("host", "").strip()
    if required and not host:
        section.missing("host", f"the imap provider needs the {what} server's name",
                        f'host = "{what.lower()}.example.com"')
    tls = section.choice("tls", "implicit", TLS_MODES)
    port = section.integer("port", ports[tls], 1, 65535)
    return host, port, tls


def _imap(section: Section, address: str, required: bool) -> ImapSection:
    host, port, tls = _server(section, IMAP_PORTS, required, "IMAP")
    # No file named: the password comes from the OS keyring, checked when the mailbox opens.
    password_file = section.path_value("password_file", None)
    return ImapSection(
        host=host, port=port, tls=tls,
        username=section.string("username", "") or address,
        password_file=password_file,
        sent=section.optional_string("sent"),
        drafts=section.optional_string("drafts"),
        inbox=section.optional_string("inbox"),
        scan_since_days=section.integer("scan_since_days", _IMAP.scan_since_days, 1, 3650,
                                        " days"),
    )


def _smtp(section: Section, imap: ImapSection, required: bool) -> SmtpSection:
    host, port, tls = _server(section, SMTP_PORTS, required, "SMTP")
    return SmtpSection(
        host=host, port=port, tls=tls,
        username=section.string("username", "") or imap.username,
        password_file=section.path_value("password_file", None) or imap.password_file,
    )
