"""The IMAP half of ``relance setup``: log in, find the special folders, and log in to SMTP
without sending anything, so the user learns of a wrong password now rather than at 05:16."""

from __future__ import annotations

from collections.abc import Mapping

from ...gmail.imap import smtp
from ...gmail.imap.folders import Role
from ...gmail.imap.mailbox import ImapMailbox
from ...gmail.imap.settings import ImapSettings, SmtpSettings


def check_imap(settings: ImapSettings, address: str) -> Mapping[Role, str]:
    """Log in and return the folder used for each role (Sent and Drafts found by their
    RFC 6154 special-use flags). Raises Permanent/TransientMailboxError with what to fix."""
    box = ImapMailbox(settings, None, address=address)
    try:
        return box.folder_names()
    finally:
        box.close()


def check_smtp(settings: SmtpSettings) -> None:
    """Connect and authenticate (RFC 4954 AUTH) to the SMTP server, then QUIT without a
    MAIL command: nothing is sent. Raises Permanent/TransientMailboxError with what to fix."""
    client = smtp._open(settings, f"{settings.host}:{settings.port}")
    smtp._quit_quietly(client)
