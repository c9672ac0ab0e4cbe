"""The IMAP sync cursor and the decision what to fetch from a folder — pure, no socket.

An IMAP UID names a message only together with its folder's UIDVALIDITY (RFC 3501 §2.3.1.1):
while UIDVALIDITY stays, UIDs only grow, so "everything above the last UID seen" is exactly the
new messages. When it changes, every old UID is meaningless and the folder is read again.
With CONDSTORE (RFC 7162 §3.1.2.1) the folder also reports HIGHESTMODSEQ, which moves on any
flag change or expunge; it is kept so that flag-driven changes can be acted on later.

The cursor is JSON, opaque to the cycle, one entry per folder role plus the Drafts summary.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

CURSOR_VERSION = 1


@dataclass(frozen=True)
class FolderStatus:
    """What SELECT/EXAMINE says about a folder now (RFC 3501 §6.3.1, RFC 7162 §3.1.2)."""

    uidvalidity: int
    uidnext: int
    exists: int
    highestmodseq: int | None = None


@dataclass(frozen=True)
class FolderState:
    """What the last sync saw of one folder: its name, status, and the highest UID read."""

    name: str
    uidvalidity: int
    uidnext: int
    exists: int
    last_uid: int
    highestmodseq: int | None = None


@dataclass(frozen=True)
class DraftsState:
    """The Drafts folder at the last sync: its status and the ids of the drafts in it."""

    uidvalidity: int
    uidnext: int
    exists: int
    highestmodseq: int | None
    ids: tuple[str, ...]

    def unchanged(self, status: FolderStatus) -> bool:
        """True when Drafts cannot have changed since: same UIDVALIDITY, no new UID, same
        count and, with CONDSTORE, same HIGHESTMODSEQ (a draft flagged \\Deleted but not yet
        expunged moves only that). An edit is an APPEND plus an expunge, so UIDNEXT moves; a
        deletion lowers the count. Without UIDNEXT or CONDSTORE, always re-read."""
        if not status.uidnext or status.highestmodseq is None:
            return False
        return (self.uidvalidity, self.uidnext, self.exists, self.highestmodseq) == (
            status.uidvalidity, status.uidnext, status.exists, status.highestmodseq)


@dataclass(frozen=True)
class SyncCursor:
    folders: Mapping[str, FolderState] = field(default_factory=lambda: MappingProxyType({}))
    drafts: DraftsState | None = None


EMPTY_CURSOR = SyncCursor()


class ScanKind(enum.Enum):
    NOTHING_NEW = "nothing new"
    NEW_ONLY = "new only"  # UIDs above FolderState.last_uid
    FIRST = "first"  # never seen: everything within the scan window
    RESYNC = "resync"  # UIDVALIDITY or folder changed: read again, Changes.full


@dataclass(frozen=True)
class ScanPlan:
    kind: ScanKind
    after_uid: int = 0


def plan_scan(previous: FolderState | None, name: str, status: FolderStatus) -> ScanPlan:
    """Decide how to read a folder given what the last sync saw and its status now."""
    if previous is None:
        return ScanPlan(ScanKind.FIRST)
    if previous.name != name or previous.uidvalidity != status.uidvalidity:
        return ScanPlan(ScanKind.RESYNC)
    # UIDNEXT is optional in RFC 3501 §7.1 (0 here when absent): then always search.
    if status.uidnext and status.uidnext <= previous.uidnext:
        return ScanPlan(ScanKind.NOTHING_NEW, previous.last_uid)
    return ScanPlan(ScanKind.NEW_ONLY, previous.last_uid)


def advance(name: str, status: FolderStatus, previous: FolderState | None,
            plan: ScanPlan, uids_read: list[int]) -> FolderState:
    """Return the folder's state after reading ``uids_read`` under ``plan``."""
    kept = plan.after_uid if plan.kind in (ScanKind.NEW_ONLY, ScanKind.NOTHING_NEW) else 0
    last_uid = max([kept, *uids_read])
    return FolderState(name, status.uidvalidity, status.uidnext, status.exists, last_uid,
                       status.highestmodseq)


class CursorUnreadable(enum.Enum):
    """The named answer for a cursor this plugin did not write (or an older format)."""

    UNREADABLE = "unreadable"


CURSOR_UNREADABLE = CursorUnreadable.UNREADABLE


def decode_cursor(text: str | None) -> SyncCursor | CursorUnreadable:
    """Parse a cursor written by ``encode_cursor``; ``EMPTY_CURSOR`` for None, and
    ``CURSOR_UNREADABLE`` for anything else (the caller then reads everything again)."""
    if text is None:
        return EMPTY_CURSOR
    try:
        data = json.loads(text)
        if data.get("v") != CURSOR_VERSION:
            return CURSOR_UNREADABLE
        folders = {role: FolderState(**state) for role, state in data["folders"].items()}
        drafts = data.get("drafts")
        drafts_state = None if drafts is None else DraftsState(
            drafts["uidvalidity"], drafts["uidnext"], drafts["exists"], drafts["highestmodseq"],
            tuple(drafts["ids"]))
        return SyncCursor(MappingProxyType(folders), drafts_state)
    except (ValueError, TypeError, KeyError, AttributeError):
        return CURSOR_UNREADABLE


def encode_cursor(cursor: SyncCursor) -> str:
    """Return the cursor as compact JSON (stable key order, so equal cursors compare equal)."""
    data = {
        "v": CURSOR_VERSION,
        "folders": {role: asdict(state) for role, state in cursor.folders.items()},
        "drafts": None if cursor.drafts is None else asdict(cursor.drafts),
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
