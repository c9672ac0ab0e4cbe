"""Checking an IMAP account before it is saved: log in, find the special folders, log in to
SMTP without sending anything, so the user learns of a wrong password at setup rather than at
05:16 on the day of the first follow-up."""

from __future__ import annotations

from collections.abc import Mapping

from . import smtp
from .folders import Role
from .session import Session
from .settings import ImapSettings, SmtpSettings


def check_imap(settings: ImapSettings) -> Mapping[Role, str]:
    """Log in and return the folder used for each role (Sent and Drafts found by their
    RFC 6154 special-use flags). Raises Permanent/TransientMailboxError with what to fix."""
    session = Session(settings)
    try:
        return session.folder_names()
    finally:
        session.close()


def check_smtp(settings: SmtpSettings) -> None:
    """Connect and authenticate (RFC 4954 AUTH) to the SMTP server, then QUIT without a
    MAIL command: nothing is sent. Raises Permanent/TransientMailboxError with what to fix."""
    smtp.check_login(settings)
