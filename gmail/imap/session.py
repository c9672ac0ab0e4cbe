"""One IMAP connection, opened on first use and dropped on any failure, with the folder of each
role found when it opens (RFC 6154), and the two ways to learn a folder's state: SELECT or
EXAMINE (RFC 3501 §6.3.1-2) and STATUS (§6.3.10).

The mailbox and the Inbox watcher each hold one: an IMAP connection in IDLE can do nothing
else (RFC 2177 §3), so a daemon that syncs while it waits for mail needs two.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ...daemon.core.errors import MailboxError
from .conn import IMAPClient, IMAPClientError, close_quietly, connect, is_no_such_folder, translated
from .cursor import FolderStatus
from .folders import ListEntry, Role, missing_folder_error, resolve_folders
from .settings import ImapSettings


class Session:
    """A connection to the account of ``settings``, made again after any failure.

    Retrying with backoff is the caller's (the scheduler's) job: a failed call raises, and the
    next one reconnects and lists the folders again.
    """

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self._client: IMAPClient | None = None
        self._selected = False  # a folder is selected on the connection
        self._folders: Mapping[Role, str] = {}

    @contextmanager
    def use(self, action: str) -> Iterator[IMAPClient]:
        """Yield a connected client; on any failure drop it so the next call starts afresh.

        ``action`` ("syncing", "saving a draft") names what failed in the error raised.
        """
        try:
            if self._client is None:
                self._client = connect(self.settings)
                with translated(self.settings, "listing the folders"):
                    self._folders = resolve_folders(_list(self._client),
                                                    self.settings.folders)
            with translated(self.settings, action):
                yield self._client
        except MailboxError:
            # Transient: reconnect next time. Permanent (a folder gone, a refusal): list the
            # folders afresh next time, in case the user fixed it meanwhile.
            self.close()
            raise

    def close(self) -> None:
        """Log out (quietly: the connection may already be gone)."""
        client, self._client = self._client, None
        self._selected = False
        if client is not None:
            close_quietly(client)

    def folder(self, role: Role) -> str:
        """Return the name of the folder of ``role`` (known once connected)."""
        return self._folders[role]

    def folder_names(self) -> Mapping[Role, str]:
        """Return the folder used for each role (connecting if needed)."""
        with self.use("listing the folders"):
            return dict(self._folders)

    def open(self, client: IMAPClient, role: Role, *, writable: bool = False) -> FolderStatus:
        """SELECT (or EXAMINE, read-only) the folder of ``role``; return its status."""
        with self._folder_errors(role):
            response = client.select_folder(self._folders[role], readonly=not writable)
        self._selected = True
        return _status_of(response, b"EXISTS")

    def status(self, client: IMAPClient, role: Role) -> FolderStatus:
        """STATUS of the folder of ``role`` without opening it (RFC 3501 §6.3.10).

        Servers answer it from their index, so it costs the same in a folder of ten messages
        or of fifty thousand, unlike SELECT. STATUS is not meant for the selected folder,
        so whatever is selected is let go first (UNSELECT, RFC 3691).
        """
        if self._selected and client.has_capability("UNSELECT"):
            client.unselect_folder()
            self._selected = False
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"]
        if client.has_capability("CONDSTORE"):
            items.append(b"HIGHESTMODSEQ")
        with self._folder_errors(role):
            return _status_of(client.folder_status(self._folders[role], items), b"MESSAGES")

    @contextmanager
    def _folder_errors(self, role: Role) -> Iterator[None]:
        try:
            yield
        except IMAPClientError as exc:
            if is_no_such_folder(exc):
                raise missing_folder_error(role, self._folders[role]) from None
            raise


def _list(client: IMAPClient) -> list[ListEntry]:
    """LIST the folders with their attributes: SPECIAL-USE where offered (RFC 6154), else
    Gmail's older XLIST."""
    listing: list[ListEntry]
    if not client.has_capability("SPECIAL-USE") and client.has_capability("XLIST"):
        listing = client.xlist_folders()
    else:
        listing = client.list_folders()
    return listing


def _status_of(response: Mapping[bytes, object], count_key: bytes) -> FolderStatus:
    """The status in a SELECT answer (count under EXISTS) or a STATUS answer (MESSAGES)."""
    return FolderStatus(
        uidvalidity=_int(response[b"UIDVALIDITY"]),
        uidnext=_int(response.get(b"UIDNEXT", 0)),
        exists=_int(response.get(count_key, 0)),
        highestmodseq=None if response.get(b"HIGHESTMODSEQ") is None
        else _int(response[b"HIGHESTMODSEQ"]),
    )


def _int(value: object) -> int:
    """imapclient answers numbers as int, or as bytes where it did not parse them."""
    if isinstance(value, int | bytes | str):
        return int(value)
    raise TypeError(f"not a number in an IMAP answer: {value!r}")
