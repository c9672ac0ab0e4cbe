"""Reading messages out of the selected IMAP folder: headers first, bodies only where wanted;
and removing the ones found (``expunge_uids``).

Each function takes a logged-in ``IMAPClient`` with the folder already selected and issues a
bounded number of commands; the mailbox class decides which folder and when. Only standard
IMAP (RFC 3501) is asked for, on every server: a message's thread comes from its Message-ID,
In-Reply-To and References headers, Gmail's included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from ...daemon.core.mailbox import FetchedMessage, Folder, MailRef
from .conn import IMAPClient

# The header fields the cycle's rules look at (threading, parties, bounce and auto-reply marks).
HEADER_FIELDS = (
    "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES", "FROM", "TO", "CC", "SUBJECT", "DATE",
    "CONTENT-TYPE", "AUTO-SUBMITTED", "X-AUTOREPLY", "X-AUTORESPOND", "PRECEDENCE",
    "RETURN-PATH",
)
# BODY.PEEK leaves \Seen alone (RFC 3501 §6.4.5): relance must not mark the user's mail read.
HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]".encode()
BODY_ITEM = b"BODY.PEEK[]"
# UIDs per FETCH: bounds memory, and keeps the command line near the 8 kB that RFC 7162 §4
# advises clients not to exceed (imapclient sends UIDs one by one, not as ranges).
BATCH = 1000

Interest = Callable[[Folder, Message], bool]  # does this message need its body fetched?
Progress = Callable[[Folder, int, int], None]  # (folder, messages read, messages to read)


def every_message(folder: Folder, headers: Message) -> bool:
    """The default interest: every message in Sent and Inbox gets its body fetched."""
    return True


@dataclass(frozen=True)
class HeaderRow:
    uid: int
    headers: Message
    internal_date: datetime | None


def read_messages(client: IMAPClient, folder: Folder, uidvalidity: int, uids: list[int], *,
                  interest: Interest, progress: Progress | None = None) -> list[FetchedMessage]:
    """Fetch the headers of ``uids``, then the whole message of each that ``interest`` wants.

    Returns them in UID order, without a thread id (the cycle threads by the headers); a UID
    expunged meanwhile is simply absent. Refs are ``"<uidvalidity>:<uid>"``. A message that
    shows in two folders read (sent to oneself: Sent and Inbox) comes back from each; the
    cycle counts it once, by its Message-ID.
    """
    out: list[FetchedMessage] = []
    done = 0
    for batch in _chunks(uids, BATCH):
        wanted: dict[int, HeaderRow] = {}
        for row in fetch_headers(client, batch):
            if interest(folder, row.headers):
                wanted[row.uid] = row
        for uid, raw in fetch_bodies(client, sorted(wanted)):
            out.append(FetchedMessage(MailRef(folder, f"{uidvalidity}:{uid}"), raw, None,
                                      wanted[uid].internal_date))
        done += len(batch)
        if progress is not None:
            progress(folder, done, len(uids))
    return out


def fetch_headers(client: IMAPClient, uids: list[int]) -> list[HeaderRow]:
    """UID FETCH the header fields and internal date of ``uids``; rows in UID order."""
    if not uids:
        return []
    items = [b"INTERNALDATE", HEADER_ITEM]
    # A list of ints, not ranges: imapclient keeps only the answers for the ids it was given.
    response = client.fetch(uids, items)
    rows = []
    for uid in sorted(response):
        data = response[uid]
        header_bytes = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
        rows.append(HeaderRow(
            uid=uid,
            headers=parse_header_block(header_bytes or b""),
            internal_date=data.get(b"INTERNALDATE"),
        ))
    return rows


_FIELD = re.compile(r"^([^:\s]+)[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.MULTILINE)


def parse_header_block(raw: bytes) -> Message:
    """Return a header-only ``Message`` (compat32) of a block of header fields.

    Equivalent to the email package's parser for a header block (folded values kept as
    written, RFC 5322 §2.2.3; non-ASCII bytes kept as surrogates) at a fraction of its cost,
    which matters when a first scan reads the headers of tens of thousands of messages.
    """
    message = Message()
    text = raw.decode("ascii", "surrogateescape")
    for name, value in _FIELD.findall(text):
        message[name] = value.rstrip("\r\n")
    return message


def fetch_bodies(client: IMAPClient, uids: list[int]) -> Iterator[tuple[int, bytes]]:
    """UID FETCH the whole message of each of ``uids``; yields (uid, bytes) in UID order."""
    if not uids:
        return
    response = client.fetch(uids, [BODY_ITEM])
    for uid in sorted(response):
        raw = response[uid].get(b"BODY[]")
        if raw is not None:
            yield uid, raw


def message_id_of(headers: Message) -> str:
    """Return the Message-ID as written, without surrounding space ("" when absent)."""
    return " ".join(str(headers.get("Message-ID", "")).split())


def uids_with_message_id(client: IMAPClient, message_id: str) -> list[int]:
    """Return the UIDs in the selected folder, not flagged \\Deleted, whose Message-ID is
    exactly ``message_id`` (ascending).

    SEARCH HEADER matches substrings (RFC 3501 §6.4.4), so each hit's header is checked.
    """
    hits = client.search(["NOT", "DELETED", "HEADER", "Message-ID", message_id])
    return [row.uid for row in fetch_headers(client, list(hits))
            if message_id_of(row.headers) == message_id.strip()]


def expunge_uids(client: IMAPClient, uids: list[int]) -> None:
    """Flag ``uids`` of the folder selected read-write \\Deleted and expunge them.

    With UIDPLUS only those UIDs are expunged (UID EXPUNGE, RFC 4315 §2.1); without it a plain
    EXPUNGE (RFC 3501 §6.4.3) also removes whatever else the user had flagged \\Deleted there.
    """
    if not uids:
        return
    client.delete_messages(uids)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
