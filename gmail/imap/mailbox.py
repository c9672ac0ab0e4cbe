"""The IMAP mailbox plugin: any IMAP account (Dovecot, Fastmail, Outlook, Gmail over IMAP) plus
its SMTP server, behind relance's ``Mailbox`` protocol.

Decisions a reader should know:
- **Draft ids are the draft's Message-ID.** IMAP has no stable id for a draft: a client that
  saves an edit APPENDs a new message and expunges the old one (new UID). Thunderbird, Apple
  Mail, Roundcube and Gmail keep the Message-ID of a draft across saves, so the id survives the
  user's edits. A client that mints a new Message-ID on each save makes an edited draft look
  deleted — the follow-up is then cancelled, never sent unedited: the safe side.
- **The sent copy goes to Sent before SMTP.** A follow-up is sent at most once: the copy is
  APPENDed first, so a process killed at any instruction after the SMTP transaction leaves the
  copy that ``find_sent`` finds. If SMTP then fails cleanly the copy is removed again; if the
  connection breaks while the data is sent, the copy stays (it may have gone out). Gmail files
  what its SMTP server sends by itself, so there is no APPEND there.
- **One connection, reused.** It is opened on first use and dropped on any failure; the next
  call reconnects and lists the folders again. Retrying with backoff is the caller's (the
  scheduler's) job.
  ``wait_for_inbox`` holds the connection in IDLE while it waits: a daemon that wants to
  sync meanwhile uses a second ``ImapMailbox`` for the waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from ...daemon.core.errors import MailboxError, PermanentMailboxError
from ...daemon.core.mailbox import (
    DRAFT_GONE,
    Changes,
    DraftGone,
    FetchedMessage,
    Folder,
    MailRef,
)
from . import smtp
from .conn import close_quietly, connect, is_no_such_folder, translated
from .cursor import (
    CURSOR_UNREADABLE,
    EMPTY_CURSOR,
    CursorUnreadable,
    DraftsState,
    FolderState,
    FolderStatus,
    ScanKind,
    ScanPlan,
    SyncCursor,
    advance,
    decode_cursor,
    encode_cursor,
    plan_scan,
)
from .fetch import (
    Interest,
    Progress,
    every_message,
    fetch_bodies,
    fetch_headers,
    message_id_of,
    read_messages,
    uids_with_message_id,
)
from .folders import ROLE_OF_FOLDER, Role, missing_folder_error, resolve_folders
from .idle import IDLE_RENEW_S, InboxWait, idle_until, poll_until
from .passwords import app_password
from .settings import ImapSettings, SmtpSettings, from_config

if TYPE_CHECKING:
    from ...daemon.cycle.config import Config

SYNCED_FOLDERS = (Folder.SENT, Folder.INBOX)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ImapMailbox:
    """A ``Mailbox`` over IMAP (reading, drafts) and SMTP (sending).

    ``interest`` says, from a message's headers, whether its body is fetched at all (the
    default: every message in Sent and Inbox). ``clock`` gives the time used for the first
    scan's window, draft dates and the Date of what is sent. ``progress`` is told how far a
    long scan is.
    """

    def __init__(self, imap: ImapSettings, smtp_settings: SmtpSettings | None, *, address: str,
                 interest: Interest = every_message, clock: Callable[[], datetime] = utc_now,
                 progress: Progress | None = None) -> None:
        self.address = address
        self._imap = imap
        self._smtp = smtp_settings
        self._interest = interest
        self._clock = clock
        self._progress = progress
        self._client: IMAPClient | None = None
        self._selected = False  # a folder is selected on the connection
        self._folders: Mapping[Role, str] = {}
        self._inbox_uidnext = 0  # UIDNEXT of the Inbox at the last sync, for wait_for_inbox

    # -- connection ------------------------------------------------------------------------

    @contextmanager
    def _session(self, action: str) -> Iterator[IMAPClient]:
        """Yield a connected client; on any failure drop it so the next call starts afresh."""
        try:
            if self._client is None:
                self._client = connect(self._imap)
                with translated(self._imap, "listing the folders"):
                    self._folders = resolve_folders(self._list(self._client), self._imap.folders)
            with translated(self._imap, action):
                yield self._client
        except MailboxError:
            # Transient: reconnect next time. Permanent (a folder gone, a refusal): list the
            # folders afresh next time, in case the user fixed it meanwhile.
            self._drop()
            raise

    @staticmethod
    def _list(client: IMAPClient) -> list:
        if not client.has_capability("SPECIAL-USE") and client.has_capability("XLIST"):
            return client.xlist_folders()
        return client.list_folders()

    def _drop(self) -> None:
        client, self._client = self._client, None
        self._selected = False
        if client is not None:
            close_quietly(client)

    @property
    def is_gmail(self) -> bool:
        """True when the server is Gmail's (it offers X-GM-EXT-1); only known once connected."""
        return self._client is not None and self._client.has_capability("X-GM-EXT-1")

    def folder_names(self) -> Mapping[Role, str]:
        """Return the folder used for each role (connecting if needed)."""
        with self._session("listing the folders"):
            return dict(self._folders)

    def close(self) -> None:
        self._drop()

    def _open(self, client: IMAPClient, role: Role, *, writable: bool = False) -> FolderStatus:
        """SELECT (or EXAMINE, read-only) the folder of ``role``; return its status."""
        with self._folder_errors(role):
            response = client.select_folder(self._folders[role], readonly=not writable)
        self._selected = True
        return _status_of(response, b"EXISTS")

    def _status(self, client: IMAPClient, role: Role) -> FolderStatus:
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

    # -- sync ------------------------------------------------------------------------------

    def sync(self, cursor: str | None) -> Changes:
        """Return what arrived in Sent and Inbox since ``cursor``, and the drafts there now.

        Per folder, STATUS first (RFC 3501 §6.3.10): unchanged → nothing more; same UIDVALIDITY
        and a higher UIDNEXT → only UIDs above the last seen are read; UIDVALIDITY changed
        (§2.3.1.1) or a cursor this plugin cannot read → the folder is read again and
        ``Changes.full`` is set. The first scan reads messages younger than
        ``scan_since_days`` (SEARCH SINCE, §6.4.4). The new cursor is returned only when
        everything was read: a failure part-way raises and the old cursor stays valid, so
        nothing is lost.
        """
        decoded = decode_cursor(cursor)
        full = decoded is CURSOR_UNREADABLE
        previous = EMPTY_CURSOR if isinstance(decoded, CursorUnreadable) else decoded
        messages: list[FetchedMessage] = []
        states: dict[str, FolderState] = {}
        seen_gm_ids: set[int] = set()
        with self._session("syncing") as client:
            for folder in SYNCED_FOLDERS:
                role = ROLE_OF_FOLDER[folder]
                status = self._status(client, role)
                before = previous.folders.get(folder.value)
                plan = plan_scan(before, self._folders[role], status)
                full = full or plan.kind is ScanKind.RESYNC
                uids: list[int] = []
                if plan.kind is not ScanKind.NOTHING_NEW and status.exists:
                    status = self._open(client, role)  # now, and as of the SEARCH below
                    plan = plan_scan(before, self._folders[role], status)
                    full = full or plan.kind is ScanKind.RESYNC
                    uids = self._uids_to_read(client, plan)
                messages += read_messages(client, folder, status.uidvalidity, uids,
                                          interest=self._interest, gmail=self.is_gmail,
                                          seen_gm_ids=seen_gm_ids, progress=self._progress)
                states[folder.value] = advance(self._folders[role], status, before, plan, uids)
            drafts = self._drafts_state(client, previous.drafts)
        self._inbox_uidnext = states[Folder.INBOX.value].uidnext
        return Changes(messages=tuple(messages), cursor=encode_cursor(SyncCursor(states, drafts)),
                       full=full, drafts_present=frozenset(drafts.ids))

    def _uids_to_read(self, client: IMAPClient, plan: ScanPlan) -> list[int]:
        """Return the UIDs to read under ``plan`` (ascending)."""
        if plan.kind is ScanKind.NEW_ONLY:
            # "n:*" always includes the highest UID, even below n (RFC 3501 §6.4.8): filter.
            found = client.search(["UID", f"{plan.after_uid + 1}:*"])
            return sorted(uid for uid in found if uid > plan.after_uid)
        if self._imap.scan_since_days is None:
            return sorted(client.search(["ALL"]))
        since = (self._clock() - timedelta(days=self._imap.scan_since_days)).date()
        return sorted(client.search(["SINCE", since]))

    def _drafts_state(self, client: IMAPClient, before: DraftsState | None) -> DraftsState:
        """Return the Drafts summary; re-read the Message-IDs only when Drafts changed."""
        status = self._status(client, Role.DRAFTS)
        if before is not None and before.unchanged(status):
            return before
        uids: list[int] = []
        if status.exists:
            status = self._open(client, Role.DRAFTS)
            uids = sorted(client.search(["NOT", "DELETED"]))
        ids = {message_id_of(row.headers) for row in fetch_headers(client, uids)}
        ids.discard("")
        return DraftsState(status.uidvalidity, status.uidnext, status.exists,
                           status.highestmodseq, tuple(sorted(ids)))

    def fetch(self, ref: MailRef) -> bytes:
        """Return the whole message ``ref`` names (``"<uidvalidity>:<uid>"`` in its folder).

        Raises PermanentMailboxError when it is gone, or when the folder's UIDVALIDITY changed
        so that the UID no longer names it (the next sync then reads the folder again).
        """
        uidvalidity, _, uid_text = ref.id.partition(":")
        uid = int(uid_text) if uid_text.isdigit() else 0
        bodies: dict[int, bytes] = {}
        if uid:
            with self._session("reading a message") as client:
                status = self._open(client, ROLE_OF_FOLDER[ref.folder])
                if str(status.uidvalidity) == uidvalidity:
                    bodies = dict(fetch_bodies(client, [uid]))
        if uid not in bodies:
            raise PermanentMailboxError(
                f"The message {ref.encode()} is no longer in the {ref.folder.value} folder "
                f"(moved, deleted, or the folder was rebuilt); it cannot be read again.")
        return bodies[uid]

    # -- drafts ----------------------------------------------------------------------------

    def create_draft(self, message: EmailMessage, thread_id: str | None) -> str:
        """APPEND ``message`` to Drafts flagged \\Draft and \\Seen (RFC 3501 §6.3.11); return
        its Message-ID, the draft's id (one is added when the message has none).

        ``thread_id`` is not needed: IMAP clients, Gmail included, thread a draft by its
        In-Reply-To and References headers.
        """
        if not message_id_of(message):
            message = _copy(message)
            message["Message-ID"] = make_msgid(domain=self.address.rpartition("@")[2] or None)
        raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        with self._session("saving a draft") as client:
            client.append(self._folders[Role.DRAFTS], raw, flags=(b"\\Draft", b"\\Seen"),
                          msg_time=self._clock())
        return message_id_of(message)

    def find_draft(self, message_id: str) -> str | None:
        """Return the draft's id (its Message-ID) when Drafts holds it, else None."""
        with self._session("looking for a draft") as client:
            self._open(client, Role.DRAFTS)
            return message_id if uids_with_message_id(client, message_id) else None

    def get_draft(self, draft_id: str) -> bytes | DraftGone:
        """Return the draft's bytes as they are now, or ``DRAFT_GONE``.

        When a client saved an edit but has not yet expunged the old copy, the newest copy
        (highest UID) is the one returned.
        """
        with self._session("reading a draft") as client:
            self._open(client, Role.DRAFTS)
            uids = uids_with_message_id(client, draft_id)
            bodies = dict(fetch_bodies(client, uids[-1:]))
        return bodies[uids[-1]] if uids and uids[-1] in bodies else DRAFT_GONE

    def delete_draft(self, draft_id: str) -> None:
        """Remove every copy of the draft from Drafts; a draft already gone is fine."""
        with self._session("deleting a draft") as client:
            self._expunge(client, Role.DRAFTS, draft_id)

    def _expunge(self, client: IMAPClient, role: Role, message_id: str) -> None:
        """Flag \\Deleted and expunge the messages with ``message_id`` in ``role``'s folder.

        With UIDPLUS only those UIDs are expunged (RFC 4315 §2.1); without it a plain EXPUNGE
        also removes whatever else the user had flagged \\Deleted there.
        """
        self._open(client, role, writable=True)
        uids = uids_with_message_id(client, message_id)
        if not uids:
            return
        client.delete_messages(uids)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()

    # -- sending ---------------------------------------------------------------------------

    def send_draft(self, draft_id: str) -> None:
        """Send the draft as it is now to its To and Cc, file the copy in Sent, remove it.

        Raises PermanentMailboxError when the draft is gone or no SMTP server is configured;
        see the module's docstring for the order of steps and why.
        """
        if self._smtp is None:
            raise PermanentMailboxError(
                "No SMTP server is configured for this IMAP account; set [account.smtp] "
                "(host, port, tls) so that follow-ups can be sent.")
        raw = self.get_draft(draft_id)
        if raw is DRAFT_GONE:
            raise PermanentMailboxError(
                f"The draft {draft_id} is no longer in Drafts (deleted or sent by hand); "
                f"nothing was sent.")
        now = self._clock()
        data = smtp.outgoing_bytes(raw, now)
        recipients = smtp.envelope_recipients(message_from_bytes(data, policy=policy.compat32))
        filed = not self.is_gmail
        if filed:
            with self._session("filing the sent copy") as client:
                client.append(self._folders[Role.SENT], data, flags=(b"\\Seen",), msg_time=now)
        try:
            smtp.send(self._smtp, self.address, recipients, data)
        except smtp.SendOutcomeUnknown:
            self.delete_draft(draft_id)
            raise
        except MailboxError:
            if filed:
                self._unfile_quietly(draft_id)
            raise
        self.delete_draft(draft_id)

    def _unfile_quietly(self, message_id: str) -> None:
        """Take the sent copy out of Sent again after SMTP refused; if even that fails, the
        copy stays and the follow-up counts as sent (at most once wins over at least once)."""
        try:
            with self._session("removing an unsent copy") as client:
                self._expunge(client, Role.SENT, message_id)
        except MailboxError:
            pass

    def find_sent(self, message_id: str) -> bool:
        """True when a message with exactly this Message-ID is in Sent (SEARCH HEADER)."""
        with self._session("searching Sent") as client:
            self._open(client, Role.SENT)
            return bool(uids_with_message_id(client, message_id))

    # -- waiting for mail ------------------------------------------------------------------

    def wait_for_inbox(self, timeout_s: float, *, renew_s: float = IDLE_RENEW_S) -> InboxWait:
        """Block until a message arrives in the Inbox or ``timeout_s`` passes.

        Uses IDLE (RFC 2177), ended and re-issued every ``renew_s`` because servers may drop an
        IDLE after 30 minutes; without IDLE, polls with NOOP every ``poll_interval_s``. A
        message that arrived since the last sync answers CHANGED at once.
        """
        deadline = time.monotonic() + timeout_s
        with self._session("waiting for new mail") as client:
            status = self._open(client, Role.INBOX)
            if self._inbox_uidnext and status.uidnext > self._inbox_uidnext:
                return InboxWait.CHANGED
            if client.has_capability("IDLE"):
                return idle_until(client, deadline, renew_s)
            return poll_until(client, deadline, self._imap.poll_interval_s)


def _status_of(response: dict, count_key: bytes) -> FolderStatus:
    """The status in a SELECT answer (count under EXISTS) or a STATUS answer (MESSAGES)."""
    return FolderStatus(
        uidvalidity=int(response[b"UIDVALIDITY"]),
        uidnext=int(response.get(b"UIDNEXT", 0)),
        exists=int(response.get(count_key, 0)),
        highestmodseq=_int_or_none(response.get(b"HIGHESTMODSEQ")),
    )


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _copy(message: EmailMessage) -> EmailMessage:
    copy = message_from_bytes(message.as_bytes(), policy=message.policy)
    return copy  # type: ignore[return-value]


def open_imap_mailbox(config: Config, *, clock: Callable[[], datetime] = utc_now,
                      progress: Progress | None = None,
                      interest: Interest = every_message) -> ImapMailbox:
    """Return the configured IMAP account's mailbox (not yet connected), its app password read
    from ``account.imap.password_file`` (or, unset, the OS keyring) and the SMTP one from
    ``account.smtp.password_file`` (the IMAP one unless set). Raises PermanentMailboxError
    naming the key when a file is missing, unreadable, empty or readable by others. ``interest`` says from the headers which
    messages' bodies to fetch (the daemon passes ``relance.daemon.triage.worth_reading``)."""
    account = config.account
    user = account.imap.username or account.address
    imap_password = app_password(account.imap.password_file, "account.imap.password_file", user)
    smtp_password = imap_password
    if account.smtp.host and account.smtp.password_file not in (None,
                                                                account.imap.password_file):
        smtp_password = app_password(account.smtp.password_file, "account.smtp.password_file",
                                     account.smtp.username or user)
    imap, smtp_settings = from_config(account.imap, account.smtp, account.address,
                                      imap_password, smtp_password)
    return ImapMailbox(imap, smtp_settings, address=account.address, clock=clock,
                       progress=progress, interest=interest)
