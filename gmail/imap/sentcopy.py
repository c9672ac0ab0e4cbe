"""relance's copy of a sent follow-up in the Sent folder: filed before the SMTP send, and taken out
again after it when the submission server filed a copy of its own.

The copy is filed first because it is the mark exactly-once leans on after a crash (see
``mailbox.py``). Some submission servers, though, file what they accept in the sender's Sent
folder themselves. Google says so of Gmail's: "If your client is sending mail through Gmail's
SMTP server, your sent messages will be automatically copied to the [Gmail]/Sent Mail folder"
(Gmail Help, "Recommended IMAP client settings", support.google.com/mail/answer/78892).
Microsoft 365's SMTP AUTH client submission and some cPanel hosts are reported to do the same;
Nextcloud Mail (pull request 12932) searches Sent for the Message-ID after the SMTP delivery for
that reason. Gmail has also been observed to skip its own copy when Sent Mail already holds the
same message (WildDuck's notes on Gmail sending): then relance's copy is the only one, and the
look below finds nothing to do.

So once SMTP accepted the message, ``drop_own_copy`` looks in Sent (UID SEARCH HEADER
Message-ID) and, when more than one copy carries the Message-ID, expunges relance's: Sent keeps
one, the server's, which is what the server really sent.

Which copy is relance's (``OwnCopy``):
- where the server announces UIDPLUS, the UID its APPEND answer gave (APPENDUID, RFC 4315 §3);
- elsewhere, the lowest UID carrying the Message-ID at or above the UIDNEXT that STATUS gave just
  before the APPEND (RFC 3501 §6.3.10): UIDs are given in strictly ascending order (§2.3.1.1),
  and the APPEND was done before the SMTP send began, so a copy the server filed came later, at
  a higher UID.
Both hold only under the UIDVALIDITY of the APPEND; under another one nothing is removed.

What is left as it is:
- the race: a server that files its copy later than the look (after a queue, seconds later)
  leaves two copies in Sent; relance looks once, right after the SMTP reply;
- a process killed between the SMTP reply and the look leaves two copies too (exactly once only
  needs one to be there);
- on Gmail a message expunged from ``[Gmail]/Sent Mail`` only loses that label and stays in All
  Mail (the same help page: "Messages that are deleted from an IMAP folder ... only have that
  label removed and still exist in All Mail"), which relance does not read.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .conn import IMAPClient
from .fetch import expunge_uids, uids_with_message_id
from .folders import Role
from .session import Session

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


@dataclass(frozen=True)
class OwnCopy:
    """Where relance's copy went in Sent: under ``uidvalidity``, at ``uid`` (``exact``, from
    APPENDUID) or at the lowest UID carrying its Message-ID from ``uid`` on (from UIDNEXT)."""

    uidvalidity: int
    uid: int
    exact: bool

    def among(self, uids: Sequence[int]) -> int | None:
        """Return relance's copy among ``uids`` (those carrying its Message-ID, ascending) when
        another copy is there too; None when it is the only copy or cannot be told apart."""
        if len(uids) < 2:
            return None
        if self.exact:
            return self.uid if self.uid in uids else None
        return next((uid for uid in uids if uid >= self.uid), None)


class CopyUnknown(enum.Enum):
    """The named answer when the server did not say where the APPEND put the copy."""

    UNKNOWN = "unknown"


COPY_UNKNOWN = CopyUnknown.UNKNOWN


def appended_uid(answer: object) -> tuple[int, int] | None:
    """Return (UIDVALIDITY, UID) from the tagged answer to an APPEND of one message,
    ``[APPENDUID 38505 3955] APPEND completed`` (RFC 4315 §3), or None when it carries none."""
    text = answer if isinstance(answer, bytes) else str(answer).encode()
    found = _APPENDUID.search(text)
    return None if found is None else (int(found[1]), int(found[2]))


def file_copy(session: Session, client: IMAPClient, data: bytes,
              when: datetime) -> OwnCopy | CopyUnknown:
    """APPEND ``data`` to Sent flagged \\Seen (RFC 3501 §6.3.11); return where the copy went.

    Without UIDPLUS, Sent's STATUS is read first (see the module's docstring). With UIDPLUS
    and no APPENDUID in the answer (RFC 4315 §3 lets a server without lasting UIDs leave it
    out), the answer is ``COPY_UNKNOWN``: nothing will be removed. Raises what the commands
    raise; the caller's session turns it into relance's errors.
    """
    uidplus = client.has_capability("UIDPLUS")
    before = None if uidplus else session.status(client, Role.SENT)
    answer = client.append(session.folder(Role.SENT), data, flags=(b"\\Seen",), msg_time=when)
    if before is not None:
        return OwnCopy(before.uidvalidity, before.uidnext, exact=False)
    given = appended_uid(answer)
    return COPY_UNKNOWN if given is None else OwnCopy(given[0], given[1], exact=True)


def drop_own_copy(session: Session, client: IMAPClient, message_id: str, own: OwnCopy) -> bool:
    """Expunge relance's copy of ``message_id`` from Sent when another copy is there too;
    return True when it was removed (False: it is the only copy, or Sent's UIDVALIDITY is no
    longer the APPEND's). Without UIDPLUS the EXPUNGE also removes what else the user had
    flagged \\Deleted in Sent (``fetch.expunge_uids``)."""
    status = session.open(client, Role.SENT, writable=True)
    if status.uidvalidity != own.uidvalidity:
        return False
    mine = own.among(uids_with_message_id(client, message_id))
    if mine is None:
        return False
    expunge_uids(client, [mine])
    return True
