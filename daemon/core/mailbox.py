"""The one seam between relance and a mailbox: the ``Mailbox`` protocol.

Every plugin (the Gmail API, IMAP + SMTP, the local folder mailbox behind ``relance demo``)
satisfies it; the cycle knows nothing else about mailboxes. Plugins raise
``TransientMailboxError`` for what a retry may fix and ``PermanentMailboxError`` for what only
the user can fix.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol, runtime_checkable


class Folder(enum.StrEnum):
    SENT = "sent"
    INBOX = "inbox"
    DRAFTS = "drafts"


@dataclass(frozen=True)
class MailRef:
    """Where a message lives in the mailbox: a folder role and the plugin's own id for it
    (an IMAP UID, a Gmail message id, a file name)."""

    folder: Folder
    id: str

    def encode(self) -> str:
        """Return the reference as one string for the store ("sent:1234")."""
        return f"{self.folder.value}:{self.id}"

    @classmethod
    def decode(cls, text: str) -> MailRef:
        folder, _, ident = text.partition(":")
        return cls(Folder(folder), ident)


@dataclass(frozen=True)
class FetchedMessage:
    """A whole message as the mailbox holds it."""

    ref: MailRef
    raw: bytes
    thread_id: str | None = None  # the mailbox's own thread id, when it has one (Gmail)
    received_at: datetime | None = None  # internal date, aware


class ControlAction(enum.StrEnum):
    """What a label the user put on a thread asks (``relance/paid``, ``relance/stop``,
    ``relance/track``): the same as ``relance paid``, ``relance stop``, ``relance track``."""

    PAID = "paid"
    STOP = "stop"
    TRACK = "track"


@dataclass(frozen=True)
class ControlLabel:
    """One control label newly put on a thread: ``thread_id`` is the mailbox's thread id and,
    for ``TRACK``, ``message_id`` the Message-ID of the sent message labelled."""

    action: ControlAction
    thread_id: str
    message_id: str = ""


@dataclass(frozen=True)
class Changes:
    """What changed since a cursor. ``cursor`` is opaque to the cycle: it stores it and hands it
    back on the next sync. ``full`` says the plugin could not go on from the old cursor (expired
    history, UIDVALIDITY changed) and returned everything again; the cycle de-duplicates by
    Message-ID, so nothing is counted twice."""

    messages: tuple[FetchedMessage, ...]
    cursor: str
    full: bool = False
    drafts_present: frozenset[str] | None = field(default=None)  # ids of drafts still there
    # Control labels put on threads since the cursor; a mailbox without labels (IMAP, a
    # folder) reports none.
    controls: tuple[ControlLabel, ...] = ()


class DraftGone(enum.Enum):
    """The named answer for a draft the user deleted (or sent by hand)."""

    GONE = "gone"


DRAFT_GONE = DraftGone.GONE


@runtime_checkable
class Mailbox(Protocol):
    """A mailbox relance can read, draft in, and send from."""

    address: str  # the user's own address on this account

    def sync(self, cursor: str | None) -> Changes:
        """Return the messages that arrived in Sent and Inbox since ``cursor`` (all of them when
        ``cursor`` is None), and which drafts exist now."""
        ...

    def fetch(self, ref: MailRef) -> bytes:
        """Return one whole message again (to re-attach an invoice's file, or to read a message
        the user asked to track after it was first seen). Raises PermanentMailboxError when the
        message is no longer there."""
        ...

    def create_draft(self, message: EmailMessage, thread_id: str | None) -> str:
        """Store ``message`` as a draft in its thread; return the draft's id."""
        ...

    def find_draft(self, message_id: str) -> str | None:
        """Return the id of the draft with this Message-ID, or None (after a crash between
        creating a draft and recording its id, this finds it instead of writing a second)."""
        ...

    def get_draft(self, draft_id: str) -> bytes | DraftGone:
        """Return the draft as it is now (the user may have edited it), or ``DRAFT_GONE``."""
        ...

    def delete_draft(self, draft_id: str) -> None:
        """Remove a draft; a draft already gone is not an error."""
        ...

    def send_draft(self, draft_id: str) -> None:
        """Send the draft as it is now, file the sent copy in Sent, and remove the draft."""
        ...

    def find_sent(self, message_id: str) -> bool:
        """Say whether a message with this Message-ID is in Sent (the exactly-once check)."""
        ...

    def close(self) -> None:
        ...
