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
  connection breaks while the data is sent, the copy stays (it may have gone out). On every
  server alike: a submission server that files its own copy (Gmail's, Microsoft 365's) gets
  relance's taken out again once it accepted the message, so Sent holds one (``sentcopy.py``).
- **One connection, reused** (``session.Session``). It is opened on first use and dropped on
  any failure; the next call reconnects and lists the folders again. Retrying with backoff is
  the caller's (the scheduler's) job.
  ``wait_for_inbox`` holds the connection in IDLE while it waits: a daemon that wants to
  sync meanwhile waits on a connection of its own (``watch.ImapInboxWatcher``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

from ...daemon.core.errors import MailboxError, PermanentMailboxError
from ...daemon.core.mailbox import (
    DRAFT_GONE,
    Changes,
    DraftGone,
    FetchedMessage,
    Folder,
    MailRef,
)
from . import sentcopy, smtp
from .conn import IMAPClient
from .cursor import (
    CURSOR_UNREADABLE,
    EMPTY_CURSOR,
    CursorUnreadable,
    DraftsState,
    FolderState,
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
    expunge_uids,
    fetch_bodies,
    fetch_headers,
    message_id_of,
    read_messages,
    uids_with_message_id,
)
from .folders import ROLE_OF_FOLDER, Role
from .idle import IDLE_RENEW_S, InboxWait, wait_for_inbox
from .session import Session
from .settings import ImapSettings, SmtpSettings

SYNCED_FOLDERS = (Folder.SENT, Folder.INBOX)
_log = logging.getLogger("relance.imap")


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
        self._session = Session(imap)
        self._inbox_uidnext = 0  # UIDNEXT of the Inbox at the last sync, for wait_for_inbox

    def folder_names(self) -> Mapping[Role, str]:
        """Return the folder used for each role (connecting if needed)."""
        return self._session.folder_names()

    def close(self) -> None:
        self._session.close()

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
        with self._session.use("syncing") as client:
            for folder in SYNCED_FOLDERS:
                role = ROLE_OF_FOLDER[folder]
                name = self._session.folder(role)
                status = self._session.status(client, role)
                before = previous.folders.get(folder.value)
                plan = plan_scan(before, name, status)
                full = full or plan.kind is ScanKind.RESYNC
                uids: list[int] = []
                if plan.kind is not ScanKind.NOTHING_NEW and status.exists:
                    status = self._session.open(client, role)  # now, and as of the SEARCH below
                    plan = plan_scan(before, name, status)
                    full = full or plan.kind is ScanKind.RESYNC
                    uids = self._uids_to_read(client, plan)
                messages += read_messages(client, folder, status.uidvalidity, uids,
                                          interest=self._interest, progress=self._progress)
                states[folder.value] = advance(name, status, before, plan, uids)
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
        status = self._session.status(client, Role.DRAFTS)
        if before is not None and before.unchanged(status):
            return before
        uids: list[int] = []
        if status.exists:
            status = self._session.open(client, Role.DRAFTS)
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
            with self._session.use("reading a message") as client:
                status = self._session.open(client, ROLE_OF_FOLDER[ref.folder])
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
        with self._session.use("saving a draft") as client:
            client.append(self._session.folder(Role.DRAFTS), raw, flags=(b"\\Draft", b"\\Seen"),
                          msg_time=self._clock())
        return message_id_of(message)

    def find_draft(self, message_id: str) -> str | None:
        """Return the draft's id (its Message-ID) when Drafts holds it, else None."""
        with self._session.use("looking for a draft") as client:
            self._session.open(client, Role.DRAFTS)
            return message_id if uids_with_message_id(client, message_id) else None

    def get_draft(self, draft_id: str) -> bytes | DraftGone:
        """Return the draft's bytes as they are now, or ``DRAFT_GONE``.

        When a client saved an edit but has not yet expunged the old copy, the newest copy
        (highest UID) is the one returned.
        """
        with self._session.use("reading a draft") as client:
            self._session.open(client, Role.DRAFTS)
            uids = uids_with_message_id(client, draft_id)
            bodies = dict(fetch_bodies(client, uids[-1:]))
        return bodies[uids[-1]] if uids and uids[-1] in bodies else DRAFT_GONE

    def delete_draft(self, draft_id: str) -> None:
        """Remove every copy of the draft from Drafts; a draft already gone is fine."""
        with self._session.use("deleting a draft") as client:
            self._expunge(client, Role.DRAFTS, draft_id)

    def _expunge(self, client: IMAPClient, role: Role, message_id: str) -> None:
        """Remove the messages with ``message_id`` from ``role``'s folder (``expunge_uids``)."""
        self._session.open(client, role, writable=True)
        expunge_uids(client, uids_with_message_id(client, message_id))

    # -- sending ---------------------------------------------------------------------------

    def send_draft(self, draft_id: str) -> None:
        """Send the draft as it is now to its To and Cc, file the copy in Sent, remove it.

        Returns once the SMTP server accepted it and the draft is removed. Once the server
        accepted it the follow-up is sent: keeping one copy in Sent then never raises (a failure
        is logged), removing the draft still may. Raises PermanentMailboxError when the draft
        is gone or no SMTP server is configured; see the module's docstring for the order of
        steps and why.
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
        with self._session.use("filing the sent copy") as client:
            own = sentcopy.file_copy(self._session, client, data, now)
        try:
            smtp.send(self._smtp, self.address, recipients, data)
        except smtp.SendOutcomeUnknown:
            self.delete_draft(draft_id)
            raise
        except MailboxError:
            self._unfile_quietly(draft_id)
            raise
        # Looked at before the draft is removed: a connection the server dropped during the SMTP
        # transaction then fails only this look, and the removal reconnects.
        self._keep_one_copy(draft_id, own)
        self.delete_draft(draft_id)

    def _keep_one_copy(self, message_id: str, own: sentcopy.OwnCopy | sentcopy.CopyUnknown
                       ) -> None:
        """After SMTP accepted the message: when the server filed a copy of its own in Sent,
        take relance's out (``sentcopy.drop_own_copy``). A failed look or expunge is logged and
        leaves two copies; the follow-up was sent all the same."""
        if own is sentcopy.COPY_UNKNOWN:
            return
        try:
            with self._session.use("looking in Sent for the server's own copy") as client:
                sentcopy.drop_own_copy(self._session, client, message_id, own)
        except MailboxError as exc:
            _log.warning("sent %s; Sent may hold two copies of it: %s", message_id, exc,
                         extra={"fields": {"event": "sent_copy_kept", "message_id": message_id}})

    def _unfile_quietly(self, message_id: str) -> None:
        """Take the sent copy out of Sent again after SMTP refused; if even that fails, the
        copy stays and the follow-up counts as sent (at most once wins over at least once)."""
        try:
            with self._session.use("removing an unsent copy") as client:
                self._expunge(client, Role.SENT, message_id)
        except MailboxError:
            pass

    def find_sent(self, message_id: str) -> bool:
        """True when a message with exactly this Message-ID is in Sent (SEARCH HEADER)."""
        with self._session.use("searching Sent") as client:
            self._session.open(client, Role.SENT)
            return bool(uids_with_message_id(client, message_id))

    # -- waiting for mail ------------------------------------------------------------------

    def wait_for_inbox(self, timeout_s: float, *, renew_s: float = IDLE_RENEW_S) -> InboxWait:
        """Block until a message arrives in the Inbox or ``timeout_s`` passes (IDLE, or NOOP
        polling; see ``idle.wait_for_inbox``). A message that arrived since the last sync
        answers CHANGED at once."""
        return wait_for_inbox(self._session, timeout_s, renew_s=renew_s,
                              uidnext_seen=self._inbox_uidnext)


def _copy(message: EmailMessage) -> EmailMessage:
    return message_from_bytes(message.as_bytes(), EmailMessage, policy=message.policy)


def open_imap_mailbox(imap: ImapSettings, smtp_settings: SmtpSettings | None, *, address: str,
                      clock: Callable[[], datetime] = utc_now, progress: Progress | None = None,
                      interest: Interest = every_message) -> ImapMailbox:
    """Return the mailbox of the IMAP account ``imap`` (not yet connected), sending through
    ``smtp_settings`` (None: reading and drafting only). ``interest`` says from the headers
    which messages' bodies to fetch (the daemon passes ``relance.daemon.core.triage
    .worth_reading``); ``clock`` dates what it drafts and sends."""
    return ImapMailbox(imap, smtp_settings, address=address, clock=clock, progress=progress,
                       interest=interest)
