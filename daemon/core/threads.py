"""Threads: the headers of a reply to an invoice thread, and which invoice a received message
belongs to.

Pure: strings and dataclasses in, strings and dataclasses out. The one place where relance
builds ``In-Reply-To`` / ``References`` / ``Subject`` for a reply (RFC 5322 §3.6.4), so a
follow-up can never be threaded two different ways.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from .model import Invoice

# ---------------------------------------------------------------------------------------------
# Subjects

# Reply prefixes as mail clients write them: English "Re", French "Réf" (and Outlook's "RE"),
# German "AW"/"Antw", Spanish "RE"/"RES", Nordic "SV"/"VS", Dutch "Antw". Forward prefixes:
# "Fwd"/"Fw", French "TR", German "WG", Spanish "RV", Portuguese "ENC". Outlook and some
# webmails add a counter ("Re[2]:", "Re(3):"); French typography puts a space, often a
# no-break one, before the colon ("Re :"); East Asian clients use the full-width colon.
_REPLY_WORDS = r"re|réf|ref|aw|antw|res|sv|vs"
_FORWARD_WORDS = r"fwd|fw|tr|wg|rv|enc"
_COUNTER = r"(?:\s*(?:\[\d+\]|\(\d+\)))?"
_COLON = r"[ \t\u00a0\u202f]*[:\uff1a]\s*"
_ANY_PREFIX = re.compile(rf"^\s*(?:{_REPLY_WORDS}|{_FORWARD_WORDS}){_COUNTER}{_COLON}", re.I)
_REPLY_PREFIX = re.compile(rf"^\s*(?:{_REPLY_WORDS}){_COUNTER}{_COLON}", re.I)
_SPACES = re.compile(r"\s+")


def normalize_subject(subject: str) -> str:
    """Return ``subject`` reduced for comparison: every leading reply or forward prefix removed
    (any number, any of the languages above), Unicode NFC, case folded, runs of white space
    (including no-break spaces) collapsed to one space, ends trimmed.

    ``"RE: Fwd: Re[2]:  Facture  F-1042"`` and ``"facture f-1042"`` give the same answer.
    """
    text = unicodedata.normalize("NFC", subject)
    while True:
        stripped = _ANY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return _SPACES.sub(" ", text).strip().casefold()


def reply_subject(thread_subject: str) -> str:
    """Return the subject of a reply in the thread: the thread's subject with exactly one
    ``"Re: "`` in front.

    Leading reply prefixes ("Re:", "RE :", "AW:", "Re[2]:") are replaced by that single one;
    everything else, forward prefixes and case included, is kept as it was: Gmail only joins a
    reply to a thread when the subjects match, so a stage never rewrites the subject.
    """
    text = thread_subject.strip()
    while True:
        stripped = _REPLY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return f"Re: {text}" if text else "Re:"


# ---------------------------------------------------------------------------------------------
# Reply headers (RFC 5322 §3.6.4)

# Long References headers are trimmed the way RFC 5322 §3.6.4 leaves room for and mail clients
# do (Thunderbird, mutt): keep the thread's root, which every client uses to find the thread,
# and the most recent parents, which are the ones a broken chain is repaired from.
MAX_REFERENCES = 20
KEEP_FIRST_REFERENCES = 1
KEEP_LAST_REFERENCES = MAX_REFERENCES - KEEP_FIRST_REFERENCES

_MSG_ID = re.compile(r"<[^<>\s]+>")


def parse_message_ids(value: str) -> tuple[str, ...]:
    """Return the message ids in a header value, each with its angle brackets, in order
    (RFC 5322 §3.6.4 ``msg-id``). A bare id without brackets, as some clients and APIs hand
    them out, is given brackets; comments and folding white space are ignored."""
    found = tuple(_MSG_ID.findall(value))
    if found:
        return found
    bare = value.strip()
    if bare and not any(c.isspace() or c in "<>" for c in bare) and "@" in bare:
        return (f"<{bare}>",)
    return ()


@dataclass(frozen=True)
class ReplyHeaders:
    """The threading headers of one reply: values ready to be set on a message."""

    in_reply_to: str
    references: tuple[str, ...]
    subject: str

    @property
    def references_header(self) -> str:
        """``References`` as one header value, ids separated by a space."""
        return " ".join(self.references)


def reply_headers(
    thread_subject: str,
    latest_message_id: str,
    latest_references: Sequence[str],
    *,
    latest_in_reply_to: str = "",
) -> ReplyHeaders:
    """Return the headers of a reply to the latest message of a thread (RFC 5322 §3.6.4).

    - ``In-Reply-To``: the latest message's id.
    - ``References``: the latest message's References (or, when it has none, its single
      In-Reply-To id), then the latest id; each id once, the latest last. Longer than
      ``MAX_REFERENCES`` ids, the chain keeps its first ``KEEP_FIRST_REFERENCES`` and last
      ``KEEP_LAST_REFERENCES``.
    - ``Subject``: ``reply_subject(thread_subject)``.

    ``latest_references`` items may each hold one id or a whole header value.
    """
    latest = parse_message_ids(latest_message_id)
    if len(latest) != 1:
        raise ValueError(f"expected one message id for the latest message: {latest_message_id!r}")
    parent = latest[0]
    chain = [mid for item in latest_references for mid in parse_message_ids(item)]
    if not chain:
        # §3.6.4: only an In-Reply-To naming a single message may stand in for References.
        parents = parse_message_ids(latest_in_reply_to)
        chain = list(parents) if len(parents) == 1 else []
    seen: set[str] = {parent}
    unique: list[str] = []
    for mid in chain:
        if mid not in seen:
            seen.add(mid)
            unique.append(mid)
    unique.append(parent)
    if len(unique) > MAX_REFERENCES:
        unique = unique[:KEEP_FIRST_REFERENCES] + unique[-KEEP_LAST_REFERENCES:]
    return ReplyHeaders(
        in_reply_to=parent, references=tuple(unique), subject=reply_subject(thread_subject)
    )


# ---------------------------------------------------------------------------------------------
# Which invoice a received message belongs to


@dataclass(frozen=True)
class NoMatch:
    """The named answer of ``match_invoice`` for a message that belongs to no known invoice."""


NO_MATCH = NoMatch()


def _norm_address(address: str) -> str:
    return address.strip().strip("<>").lower()


def subject_keys(subject: str, addresses: Iterable[str]) -> list[tuple[str, str]]:
    """The (normalised subject, normalised address) pairs under which an invoice with this
    ``subject``, sent to ``addresses``, is found by a message's subject and sender; none for an
    empty subject. Each pair once, in the order of ``addresses``. The store keeps them
    (``invoice_subjects``): a change to what they are needs a migration that writes them
    again."""
    normalized = normalize_subject(subject)
    if not normalized:
        return []
    return list(dict.fromkeys((normalized, _norm_address(a)) for a in addresses))


class ThreadLookup(Protocol):
    """What ``match_invoice`` asks of what is known about the invoice threads: a
    ``ThreadIndex`` answers from memory, the store from its indexes."""

    def message_owner(self, message_id: str) -> str | None:
        """The key of the invoice whose thread holds ``message_id`` (an invoice's own
        Message-ID before the same id seen in another invoice's thread), or None."""
        ...

    def thread_invoices(self, thread_id: str) -> Collection[str]:
        """The keys of the invoices in the mailbox's thread ``thread_id``."""
        ...

    def subject_invoices(self, subject: str, address: str) -> Collection[str]:
        """The keys of the invoices found under a pair of ``subject_keys``."""
        ...


@dataclass(frozen=True)
class ThreadIndex:
    """What is known about the invoice threads, keyed for ``match_invoice``.

    Several invoices can share a Gmail thread (Gmail groups same-subject mail) or a subject and
    client; such keys are kept with all their invoices, and a key that points at more than one
    invoice is not used to decide.
    """

    by_message_id: Mapping[str, str] = field(default_factory=dict)
    by_thread_id: Mapping[str, frozenset[str]] = field(default_factory=dict)
    by_subject: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        invoices: Iterable[Invoice],
        thread_messages: Mapping[str, Iterable[str]] = MappingProxyType({}),
    ) -> ThreadIndex:
        """Return the index of ``invoices``; ``thread_messages`` maps an invoice key to the other
        message ids known to be in its thread (the client's replies, relance's follow-ups). An
        invoice's own Message-ID wins over the same id seen in another invoice's thread."""
        by_id: dict[str, str] = {}
        by_thread: dict[str, set[str]] = {}
        by_subject: dict[tuple[str, str], set[str]] = {}
        for invoice in invoices:
            for mid in parse_message_ids(invoice.message_id):
                by_id[mid] = invoice.key
            if invoice.thread_id:
                by_thread.setdefault(invoice.thread_id, set()).add(invoice.key)
            for slot in subject_keys(invoice.subject, invoice.all_recipients):
                by_subject.setdefault(slot, set()).add(invoice.key)
        for key, ids in thread_messages.items():
            for item in ids:
                for mid in parse_message_ids(item):
                    by_id.setdefault(mid, key)  # never over an invoice's own id
        return cls(by_message_id=by_id,
                   by_thread_id={k: frozenset(v) for k, v in by_thread.items()},
                   by_subject={k: frozenset(v) for k, v in by_subject.items()})

    def message_owner(self, message_id: str) -> str | None:
        return self.by_message_id.get(message_id)

    def thread_invoices(self, thread_id: str) -> Collection[str]:
        return self.by_thread_id.get(thread_id, frozenset())

    def subject_invoices(self, subject: str, address: str) -> Collection[str]:
        return self.by_subject.get((subject, address), frozenset())


def _only(keys: Collection[str]) -> str | NoMatch:
    return next(iter(keys)) if len(keys) == 1 else NO_MATCH


def match_invoice(
    index: ThreadLookup,
    *,
    message_id: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    thread_id: str | None = None,
    subject: str = "",
    from_address: str = "",
    bounced_message_id: str | None = None,
) -> str | NoMatch:
    """Return the key of the invoice a received message belongs to, or ``NO_MATCH``.

    Checked in this order, from the most to the least certain:

    1. the mailbox's thread id (Gmail ``threadId``), when it names one invoice;
    2. the message's own id, then ``In-Reply-To``, then ``References`` from the most recent
       parent back (RFC 5322 §3.6.4), against every id known in an invoice thread;
    3. the Message-ID of the bounced original (a delivery report is a new message, not a reply:
       RFC 3464 §2 carries the original's id in the returned headers, not in References);
    4. last, the normalised subject, when the sender is one of that invoice's recipients.

    The subject comes last because it is the only guess: subjects repeat ("Invoice",
    "Facture mars") and some clients drop In-Reply-To when a client "replies" by writing a new
    message with the same subject, which is the case it exists for. It counts only when the
    sender was on the invoice, and never when two invoices to that sender share the subject:
    a wrong match could close or silence the wrong invoice, which is worse than no match.
    """
    if thread_id:
        found = _only(index.thread_invoices(thread_id))
        if found is not NO_MATCH:
            return found
    candidates = [*parse_message_ids(message_id), *parse_message_ids(in_reply_to)]
    for item in reversed(references):
        candidates += reversed(parse_message_ids(item))
    for mid in [*candidates, *parse_message_ids(bounced_message_id or "")]:
        if (owner := index.message_owner(mid)) is not None:
            return owner
    normalized = normalize_subject(subject)
    if normalized and from_address:
        return _only(index.subject_invoices(normalized, _norm_address(from_address)))
    return NO_MATCH


# ---------------------------------------------------------------------------------------------
# Follow-up ids

_STAGE_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def followup_message_id(invoice_key: str, stage_key: str, domain: str) -> str:
    """Return the Message-ID of the follow-up for ``invoice_key`` at ``stage_key``:
    ``<relance.{hash}.{stage}@{domain}>`` (RFC 5322 §3.6.4 ``msg-id``).

    The same invoice and stage always give the same id, so a follow-up already in Drafts or Sent
    is recognised after a crash and never sent twice; another stage gives another id.
    """
    domain = domain.strip().strip("<>").lstrip("@").lower()
    if not domain or not re.fullmatch(r"[a-z0-9.-]+", domain):
        raise ValueError(f"not a usable domain for a Message-ID: {domain!r}")
    digest = hashlib.sha256(f"{invoice_key}\x00{stage_key}".encode()).hexdigest()[:20]
    stage = _STAGE_UNSAFE.sub("-", stage_key).strip("-") or "stage"
    return f"<relance.{digest}.{stage}@{domain}>"


# ---------------------------------------------------------------------------------------------
# The user's edit of a follow-up draft

# How much of relance's text an edited draft must still hold, without relance's mark, to be
# taken as the user's edit of it rather than another draft of theirs in the same thread.
EDIT_LIKENESS = 0.4


def is_edit_of(*, mark: str, text: str, stage: str, written: str) -> bool:
    """Whether a draft relance did not save, answering in an invoice's thread, is the user's
    edit of relance's follow-up for ``stage`` (whose text was ``written``).

    A mail program saves an edited draft as a new message (IMAP has no way to change one),
    often with a new Message-ID (Apple Mail does). It is relance's when it kept relance's mark
    (``mark``: its ``X-Relance-Stage`` header, which Thunderbird keeps) or, marks dropped, when
    at least ``EDIT_LIKENESS`` of its ``text`` is relance's (difflib's ratio over words)."""
    if mark.strip() == stage:
        return True
    if mark.strip() or not text.strip():
        return False  # another stage's follow-up, or an empty draft
    ratio = difflib.SequenceMatcher(None, written.split(), text.split(), autojunk=False).ratio()
    return ratio >= EDIT_LIKENESS
