"""A mailbox in a local folder of ``.eml`` files: ``sent/``, ``inbox/`` and ``drafts/``.

It backs ``relance demo`` (a copy of the built-in sample mailbox) and lets anyone try relance
on messages exported from any mail client, with no account and no network. Sending moves the
draft into ``sent/`` and, when an ``outbox/`` folder exists, leaves a copy there as "delivered".
"""

from __future__ import annotations

import json
import os
import re
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from ...daemon.core.errors import PermanentMailboxError
from ...daemon.core.mailbox import DRAFT_GONE, Changes, DraftGone, FetchedMessage, Folder, MailRef

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RACY_NS = 2_000_000_000  # a listing younger than this is read again (whole-second times)
_FINE_RACY_NS = 20_000_000  # where they carry fractions: two ticks of a kernel's coarse clock


class FolderMailbox:
    """The ``Mailbox`` protocol over a directory. Message ids are file names."""

    def __init__(self, root: Path, address: str) -> None:
        self.root = Path(root)
        self.address = address.lower()
        self._parser = BytesHeaderParser(policy=policy.default)
        self._ids: dict[str, str] = {}  # a file of sent/: its Message-ID
        self._by_id: dict[str, list[str]] = {}  # and back: the files of sent/ with that id
        self._listings: dict[Folder, tuple[tuple[int, int], frozenset[str]]] = {}
        self._last: tuple[str, tuple[frozenset[str], ...]] | None = None  # cursor, listings
        for folder in Folder:
            (self.root / folder.value).mkdir(parents=True, exist_ok=True)

    def _dir(self, folder: Folder) -> Path:
        return self.root / folder.value

    def _names(self, folder: Folder) -> frozenset[str]:
        """The ``.eml`` files of ``folder``. A listing is kept while the folder's modification
        time stays what it was, once that time is older than the filesystem's tick (a file
        added within the same tick would not change it: git's "racy" rule): two seconds where
        the times are whole seconds (FAT, some network filesystems), two ticks of the kernel's
        coarse clock (20 ms) where they carry fractions."""
        path = self._dir(folder)
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        known = self._listings.get(folder)
        tick = _RACY_NS if stat.st_mtime_ns % 1_000_000_000 == 0 else _FINE_RACY_NS
        if known is not None and known[0] == version \
                and time.time_ns() - stat.st_mtime_ns > tick:
            return known[1]
        names = frozenset(entry.name for entry in os.scandir(path) if entry.name.endswith(".eml"))
        self._listings[folder] = (version, names)
        return names

    def sync(self, cursor: str | None) -> Changes:
        """Return the files not seen at ``cursor`` (a JSON list of names per folder)."""
        listed = (self._names(Folder.SENT), self._names(Folder.INBOX))
        drafts = self._names(Folder.DRAFTS)
        if cursor is not None and self._last == (cursor, listed):
            return Changes((), cursor, full=False, drafts_present=drafts)  # nothing moved
        seen: dict[str, list[str]] = json.loads(cursor) if cursor else {}
        fresh: list[FetchedMessage] = []
        now_seen: dict[str, list[str]] = {}
        for folder, names in zip((Folder.SENT, Folder.INBOX), listed, strict=True):
            known = set(seen.get(folder.value, []))
            for name in sorted(names):
                if name not in known:
                    raw = (self._dir(folder) / name).read_bytes()
                    fresh.append(FetchedMessage(MailRef(folder, name), raw))
            now_seen[folder.value] = sorted(names)
        after = json.dumps(now_seen)
        self._last = (after, listed)
        return Changes(tuple(fresh), after, full=cursor is None, drafts_present=drafts)

    def fetch(self, ref: MailRef) -> bytes:
        path = self._dir(ref.folder) / ref.id
        try:
            return path.read_bytes()
        except OSError as exc:
            raise PermanentMailboxError(f"{path} is gone: {exc.strerror}") from exc

    @staticmethod
    def _draft_name(message_id: str) -> str:
        return _UNSAFE.sub("_", message_id.strip().strip("<>")) + ".eml"

    def create_draft(self, message: EmailMessage, thread_id: str | None) -> str:
        name = self._draft_name(str(message["Message-ID"]))
        path = self._dir(Folder.DRAFTS) / name
        path.write_bytes(message.as_bytes(policy=policy.SMTP))
        return name

    def find_draft(self, message_id: str) -> str | None:
        name = self._draft_name(message_id)
        return name if (self._dir(Folder.DRAFTS) / name).exists() else None

    def draft_path(self, draft_id: str) -> Path:
        return self._dir(Folder.DRAFTS) / draft_id

    def get_draft(self, draft_id: str) -> bytes | DraftGone:
        try:
            return self.draft_path(draft_id).read_bytes()
        except FileNotFoundError:
            return DRAFT_GONE

    def delete_draft(self, draft_id: str) -> None:
        self.draft_path(draft_id).unlink(missing_ok=True)

    def send_draft(self, draft_id: str) -> None:
        source = self.draft_path(draft_id)
        if not source.exists():
            raise PermanentMailboxError(f"the draft {source} is gone")
        # Filed in Sent first, delivered second: a death in between leaves a copy in Sent that
        # find_sent sees, so a restart never delivers twice (at most once, as over IMAP).
        filed = self._dir(Folder.SENT) / draft_id
        source.replace(filed)
        outbox = self.root / "outbox"
        if outbox.is_dir():
            (outbox / draft_id).write_bytes(filed.read_bytes())

    def find_sent(self, message_id: str) -> bool:
        """True when a file in ``sent/`` has this Message-ID. A follow-up relance sent is filed
        under its draft's name, looked at first; any other file is read once for its header
        (and again only when it changes), so a Sent of thousands costs a directory listing
        and one look-up."""
        folder = self._dir(Folder.SENT)
        filed = folder / self._draft_name(message_id)
        if filed.exists() and self._message_id_of(filed) == message_id:
            return True
        names = self._names(Folder.SENT)
        for name in names:
            if name not in self._ids:
                self._message_id_of(folder / name)
        return any((folder / name).exists() for name in self._by_id.get(message_id, ()))

    def _message_id_of(self, path: Path) -> str:
        """The Message-ID of the file at ``path`` ("" when it has none or is gone), read once
        per file name (a file in Sent is filed, never rewritten)."""
        known = self._ids.get(path.name)
        if known is not None:
            return known
        try:
            with path.open("rb") as handle:
                found = str(self._parser.parse(handle).get("Message-ID", "")).strip()
        except OSError:
            return ""
        self._ids[path.name] = found
        self._by_id.setdefault(found, []).append(path.name)
        return found

    def close(self) -> None:
        pass
