"""Waiting for new mail in the Inbox on a connection of its own: what the daemon's push thread
holds open while the cycle syncs on another connection (an IMAP connection in IDLE can do
nothing else, RFC 2177 §3)."""

from __future__ import annotations

from .idle import IDLE_RENEW_S, InboxWait, wait_for_inbox
from .session import Session
from .settings import ImapSettings


class ImapInboxWatcher:
    """Waits for the Inbox of the account ``imap`` to change: IDLE where the server offers it,
    else NOOP polling every ``poll_interval_s`` of the settings. Connects on the first
    ``wait``, and again after any failure."""

    def __init__(self, imap: ImapSettings, *, renew_s: float = IDLE_RENEW_S) -> None:
        self._session = Session(imap)
        self._renew_s = renew_s

    def wait(self, timeout_s: float) -> bool:
        """Return True as soon as a message arrives in the Inbox, False when ``timeout_s``
        passes first; raise MailboxError when the server cannot be reached or refuses."""
        woke = wait_for_inbox(self._session, timeout_s, renew_s=self._renew_s)
        return woke is InboxWait.CHANGED

    def close(self) -> None:
        """Log out; a later ``wait`` connects again."""
        self._session.close()


def open_inbox_watcher(imap: ImapSettings) -> ImapInboxWatcher:
    """Return a watcher of the Inbox of the account ``imap`` (not yet connected)."""
    return ImapInboxWatcher(imap)
