"""The mail store behind the fake Gmail server: accounts, messages, threads, drafts, labels and
history, with the rules Gmail documents.

- Threading ("Managing threads", Gmail API guide): a message joins an existing thread only if
  the requested ``threadId`` is given, its ``References`` or ``In-Reply-To`` names a message of
  that thread, and its ``Subject`` matches (after ``Re:``/``Fwd:`` prefixes). Otherwise it
  starts a new thread. Mail delivered from another account has no requested thread; it joins
  the thread of a message it references when the subject matches, as Gmail does for replies.
- History ("Synchronizing clients"): every change gets a history id; ids increase but are not
  contiguous. Records older than the retention are dropped, and a ``startHistoryId`` older than
  what is kept answers 404.
- History records (discovery document, ``ListHistoryResponse.history``): the messages of a
  record "typically only have id and threadId"; labels appear only in ``labelsAdded`` and
  ``labelsRemoved`` records, as the labels changed. The labels a message had when the record
  was made are kept apart (``_labels``) for ``history.list``'s ``labelId`` filter, and never
  served.
- Drafts: a draft wraps a message labelled ``DRAFT``; updating replaces that message; sending
  removes the draft and files a new message in ``SENT`` in the same thread.
- Search freshness: ``index_from_ms`` is set by the server while it runs an API write; a
  message stored then becomes searchable only from that moment (see ``rules.py``).

Nothing here speaks HTTP; ``server.py`` maps requests onto these methods.
"""

from __future__ import annotations

import email
import email.header
import itertools
import random
import re
from dataclasses import dataclass, field
from email.message import Message as EmailPart
from email.utils import getaddresses
from typing import Any

from tests.gmailfake.query import words_of

SYSTEM_LABELS = ("INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT")
_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|tr|rv|sv|ref)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


class NotFound(KeyError):
    """The id names nothing in this account (Gmail answers 404)."""


class HistoryExpired(LookupError):
    """``startHistoryId`` is older than the retained history (Gmail answers 404)."""


def normalized_subject(subject: str) -> str:
    """Return the subject without reply/forward prefixes, lower-cased and space-collapsed."""
    return " ".join(_PREFIX.sub("", subject).split()).lower()


def _msg_ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _text(value: object) -> str:
    """Decode a header's RFC 2047 encoded words into text."""
    if value is None:
        return ""
    return str(email.header.make_header(email.header.decode_header(str(value))))


def _body_text(part: EmailPart) -> str:
    data = part.get_payload(decode=True) or b""
    return data.decode(part.get_content_charset() or "utf-8", errors="replace")


@dataclass
class Message:
    """One stored message; the searchable fields are computed once from ``raw``."""

    id: str
    thread_id: str
    raw: bytes
    labels: set[str]
    internal_date_ms: int
    history_id: int = 0
    searchable_from_ms: int = 0  # the search index sees the message from then on (rules.py)
    parsed: EmailPart = field(init=False, repr=False)
    message_id: str = field(init=False)
    subject: str = field(init=False)
    sender: str = field(init=False)
    recipients: str = field(init=False)
    has_attachment: bool = field(init=False)
    words: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The compat32 parser is several times faster than policy.default, which matters when
        # a benchmark seeds 100,000 messages; encoded words are decoded by hand (RFC 2047).
        msg = email.message_from_bytes(self.raw)
        self.parsed = msg
        self.message_id = _text(msg.get("Message-ID")).strip()
        self.subject = _text(msg.get("Subject"))
        self.sender = _text(msg.get("From")).lower()
        self.recipients = " ".join(_text(msg.get(h)) for h in ("To", "Cc", "Bcc")).lower()
        self.has_attachment = any(p.get_filename() for p in msg.walk())
        text = next((_body_text(p) for p in msg.walk()
                     if p.get_content_type() == "text/plain" and not p.get_filename()), "")
        self.words = words_of(self.subject) | words_of(text)

    def references(self) -> list[str]:
        return _msg_ids(_text(self.parsed.get("References"))) + _msg_ids(
            _text(self.parsed.get("In-Reply-To"))
        )

    def delivery_addresses(self) -> list[str]:
        fields = [_text(self.parsed.get(h)) for h in ("To", "Cc", "Bcc")]
        return [addr.lower() for _, addr in getaddresses(fields) if addr]


@dataclass
class Draft:
    id: str
    message_id: str


class Account:
    """One Gmail user: its messages, threads, drafts, labels and history."""

    def __init__(self, address: str, ids: itertools.count[int], rng: random.Random) -> None:
        self.address = address.lower()
        self._ids = ids
        self._rng = rng
        self.messages: dict[str, Message] = {}
        self.threads: dict[str, list[str]] = {}  # thread id -> message ids, oldest first
        self.drafts: dict[str, Draft] = {}
        self.labels: dict[str, str] = {name: name for name in SYSTEM_LABELS}  # id -> name
        self.history: list[dict[str, object]] = []
        self.history_id = rng.randint(1000, 5000)
        self.history_floor = 0  # records with an id at or below this are gone
        self._by_msgid: dict[str, str] = {}
        self.search_cache: dict[str, object] = {}  # the last messages.list answer (routes.py)
        self.filters: list[Any] = []  # rules.Filter, run on delivered mail (server.deliver)
        # Settings (settings.sendAs.list, settings.getLanguage): the name and HTML signature
        # the user set in Gmail for the primary address, and Gmail's display language (an
        # RFC 3066 tag such as "fr" or "en-GB"), as the reference's SendAs and
        # LanguageSettings resources give them.
        self.display_name = ""
        self.signature_html = ""
        self.language = "en"
        self.index_from_ms = 0  # while the server writes: when the index will see the write

    # ------------------------------------------------------------------ ids and history
    def new_id(self) -> str:
        return f"{next(self._ids):016x}"

    def _record(self, kind: str, msg: Message, labels: list[str] | None = None) -> None:
        # Ids jump by a random step: clients must not assume contiguous history ids.
        self.history_id += self._rng.randint(1, 9)
        ref = {"id": msg.id, "threadId": msg.thread_id}
        rec: dict[str, object] = {"id": str(self.history_id), "messages": [ref],
                                  "_labels": sorted(msg.labels)}
        if kind in ("messagesAdded", "messagesDeleted"):
            rec[kind] = [{"message": ref}]
        else:
            rec[kind] = [{"message": ref, "labelIds": labels or []}]
        self.history.append(rec)
        msg.history_id = self.history_id

    def expire_history(self, keep_after: int | None = None) -> None:
        """Drop history records up to ``keep_after`` (all of them when None), as Gmail does
        after about a week; a later ``history.list`` from an older id answers 404."""
        self.history_floor = self.history_id if keep_after is None else keep_after
        self.history = [r for r in self.history if int(str(r["id"])) > self.history_floor]

    def history_since(self, start: int, types: set[str] | None, label: str | None) -> list[dict]:
        """Return the records after ``start``, filtered by type and label; raise
        ``HistoryExpired`` when ``start`` is older than what is kept."""
        if start < self.history_floor:
            raise HistoryExpired(start)
        out = []
        for rec in self.history:
            if int(str(rec["id"])) <= start:
                continue
            kinds = {k for k in rec if k not in ("id", "messages", "_labels")}
            if types and not kinds & types:
                continue
            if label and label not in rec["_labels"]:  # type: ignore[operator]
                continue
            out.append({k: v for k, v in rec.items() if k != "_labels"})
        return out

    # ------------------------------------------------------------------ threading
    def _thread_for(self, msg_refs: list[str], subject: str, requested: str | None,
                    deliver: bool) -> str:
        """Return the thread a new message joins, per the documented rule, or a new id."""
        wanted = normalized_subject(subject)
        if deliver:
            candidates = self._threads_referenced(msg_refs)
        else:
            candidates = [requested] if requested else []
        for tid in candidates:
            members = [self.messages[m] for m in self.threads.get(tid or "", ())]
            ids = {m.message_id for m in members}
            if ids & set(msg_refs) and any(
                normalized_subject(m.subject) == wanted for m in members
            ):
                return str(tid)
        return self.new_id()

    def _threads_referenced(self, msg_refs: list[str]) -> list[str]:
        found = [self._by_msgid.get(r) for r in reversed(msg_refs)]
        return [self.messages[m].thread_id for m in found if m and m in self.messages]

    # ------------------------------------------------------------------ messages
    def add(
        self,
        raw: bytes,
        labels: set[str],
        internal_date_ms: int,
        thread_id: str | None = None,
        deliver: bool = False,
        keep_thread: bool = False,
    ) -> Message:
        """Store ``raw`` with ``labels``; ``thread_id`` is the client's requested thread.
        ``deliver`` marks mail arriving from elsewhere (threaded by its references);
        ``keep_thread`` files it in ``thread_id`` as is (a sent draft keeps its thread)."""
        probe = Message("", "", raw, set(labels), internal_date_ms,
                        searchable_from_ms=self.index_from_ms)
        if keep_thread and thread_id:
            tid = thread_id
        else:
            tid = self._thread_for(probe.references(), probe.subject, thread_id, deliver)
        probe.id, probe.thread_id = self.new_id(), tid
        self.messages[probe.id] = probe
        self.threads.setdefault(tid, []).append(probe.id)
        if probe.message_id:
            self._by_msgid[probe.message_id] = probe.id
        self._record("messagesAdded", probe)
        return probe

    def get(self, message_id: str) -> Message:
        try:
            return self.messages[message_id]
        except KeyError:
            raise NotFound(message_id) from None

    def delete(self, message_id: str) -> None:
        msg = self.get(message_id)
        del self.messages[message_id]
        members = self.threads[msg.thread_id]
        members.remove(message_id)
        if not members:
            del self.threads[msg.thread_id]
        if self._by_msgid.get(msg.message_id) == message_id:
            del self._by_msgid[msg.message_id]
        self._record("messagesDeleted", msg)

    def modify(self, message_id: str, add: list[str], remove: list[str]) -> Message:
        msg = self.get(message_id)
        for label in add + remove:
            if label not in self.labels:
                raise NotFound(label)
        added = [lbl for lbl in add if lbl not in msg.labels]
        removed = [lbl for lbl in remove if lbl in msg.labels]
        msg.labels |= set(added)
        msg.labels -= set(removed)
        if added:
            self._record("labelsAdded", msg, added)
        if removed:
            self._record("labelsRemoved", msg, removed)
        return msg

    # ------------------------------------------------------------------ labels
    def create_label(self, name: str) -> str:
        if name in self.labels.values():
            raise FileExistsError(name)
        label_id = f"Label_{len(self.labels) - len(SYSTEM_LABELS) + 1}"
        self.labels[label_id] = name
        return label_id

    def label_ids_by_name(self) -> dict[str, str]:
        return {name: lid for lid, name in self.labels.items()}

    # ------------------------------------------------------------------ drafts
    def create_draft(self, raw: bytes, thread_id: str | None, now_ms: int) -> Draft:
        msg = self.add(raw, {"DRAFT"}, now_ms, thread_id)
        draft = Draft(f"r{next(self._ids)}", msg.id)
        self.drafts[draft.id] = draft
        return draft

    def get_draft(self, draft_id: str) -> Draft:
        try:
            return self.drafts[draft_id]
        except KeyError:
            raise NotFound(draft_id) from None

    def update_draft(self, draft_id: str, raw: bytes, thread_id: str | None, now_ms: int) -> Draft:
        draft = self.get_draft(draft_id)
        self.delete(draft.message_id)
        draft.message_id = self.add(raw, {"DRAFT"}, now_ms, thread_id).id
        return draft

    def delete_draft(self, draft_id: str) -> None:
        draft = self.get_draft(draft_id)
        self.delete(draft.message_id)
        del self.drafts[draft_id]

    def send_draft(self, draft_id: str, now_ms: int) -> Message:
        """Remove the draft and file its message in SENT, keeping its thread."""
        draft = self.get_draft(draft_id)
        old = self.get(draft.message_id)
        self.delete_draft(draft_id)
        return self.add(old.raw, {"SENT"}, now_ms, old.thread_id, keep_thread=True)
