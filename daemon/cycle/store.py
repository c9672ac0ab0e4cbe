"""The store: one SQLite database (WAL) that is the source of truth for invoices, the messages
seen, events, follow-ups and their states, and sync cursors — and the queries that read and
write them. The tables themselves and their migrations are in :mod:`.schema`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ..core.model import Event, EventKind, Invoice
from .storefile import connect, memory_copy
from .storeplan import PlanQueries
from .storerows import event_from_row, invoice_from_row
from .storethreads import ThreadQueries


class FollowUpState:
    """The states a follow-up walks: planned → drafted → sending → sent, or cancelled by the
    user (draft deleted), or withdrawn by the plan (the client answered, the invoice was paid)."""

    PLANNED = "planned"
    DRAFTED = "drafted"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"
    ACTIVE = (PLANNED, DRAFTED, SENDING)


@dataclass(frozen=True)
class FollowUpRow:
    invoice_key: str
    stage: str
    kind: str
    message_id: str
    state: str
    slot: datetime
    draft_id: str
    primary_key: str  # the invoice in whose thread the message goes (itself, or a statement's)
    covers: tuple[tuple[str, str], ...]
    note: str
    updated_at: datetime


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Store(PlanQueries, ThreadQueries):
    """The database of one relance installation. Use as a context manager or call ``close``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating it if needed, readable by the user alone) and migrate the store at
        ``path``; ``StoreError`` as :func:`.storefile.connect` says."""
        return cls(connect(Path(path)), Path(path))

    @classmethod
    def snapshot(cls, path: Path) -> Store:
        """A throwaway copy in memory of the store at ``path``, for a dry run that writes
        nothing to the file (:func:`.storefile.memory_copy`)."""
        return cls(memory_copy(Path(path)), Path(path))

    def close(self) -> None:
        self._db.close()

    def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback`` with every SQL statement run, its values filled in (None: stop).
        For the tests that check each query's plan, and for profiling."""
        self._db.set_trace_callback(callback)

    def explain(self, statement: str) -> list[str]:
        """The query planner's steps for ``statement`` (``EXPLAIN QUERY PLAN``), one a line."""
        return [row["detail"] for row in self._db.execute(f"EXPLAIN QUERY PLAN {statement}")]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction: all of it is stored, or none of it."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- invoices ---------------------------------------------------------------------------

    def add_invoice(self, invoice: Invoice, *, mail_ref: str, sent_at: datetime,
                    tracked: bool = False) -> bool:
        """Store a new invoice; return False (and change nothing) when it is already known."""
        amount = invoice.amount
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO invoices (key, number, amount, currency, issue_date, due_date,"
            " due_source, sender, sender_name, recipients, cc, subject, language, attachment,"
            " thread_id, mail_ref, sent_at, tracked, client)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (invoice.key, invoice.number, str(amount.amount) if amount else None,
             amount.currency if amount else None, invoice.issue_date.isoformat(),
             invoice.due_date.isoformat(), invoice.due_source.value, invoice.sender,
             invoice.sender_name, json.dumps(list(invoice.recipients)),
             json.dumps(list(invoice.cc)), invoice.subject, invoice.language,
             json.dumps(invoice.attachment.__dict__) if invoice.attachment else None,
             invoice.thread_id, mail_ref, sent_at.isoformat(), int(tracked), invoice.client),
        )
        if cursor.rowcount != 1:
            return False
        self.add_subject_keys(invoice)
        return True

    _invoice = staticmethod(invoice_from_row)

    def correct_invoice(self, invoice: Invoice) -> None:
        """Store the figures the user confirmed or corrected (``relance fix``)."""
        money = invoice.amount
        self._db.execute("UPDATE invoices SET number = ?, amount = ?, currency = ?, due_date = ?,"
                         " due_source = ? WHERE key = ?", (
                             invoice.number, str(money.amount) if money else None,
                             money.currency if money else None, invoice.due_date.isoformat(),
                             invoice.due_source.value, invoice.key))

    def invoices(self) -> list[Invoice]:
        """Return every invoice, oldest first."""
        rows = self._db.execute("SELECT * FROM invoices ORDER BY sent_at, key")
        return [self._invoice(r) for r in rows]

    def invoice(self, key: str) -> Invoice | None:
        row = self._db.execute("SELECT * FROM invoices WHERE key = ?", (key,)).fetchone()
        return self._invoice(row) if row else None

    def invoice_mail_ref(self, key: str) -> str:
        row = self._db.execute("SELECT mail_ref FROM invoices WHERE key = ?", (key,)).fetchone()
        return row["mail_ref"] if row else ""

    def find_invoices(self, text: str) -> list[Invoice]:
        """Return the invoices whose number or Message-ID is ``text`` (case-insensitive)."""
        bare = text.strip().strip("<>")
        rows = self._db.execute(
            "SELECT * FROM invoices WHERE lower(number) = lower(?) OR key = ?",
            (text.strip(), f"<{bare}>"))
        return [self._invoice(r) for r in rows]

    # -- messages ---------------------------------------------------------------------------

    def seen(self, message_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM messages WHERE message_id = ?",
                                (message_id,)).fetchone() is not None

    def record_message(self, *, message_id: str, folder: str, mail_ref: str,
                       thread_id: str | None, invoice_key: str | None, kind: str, sender: str,
                       subject: str, sent_at: datetime | None, refs: Iterable[str],
                       summary: dict[str, object] | None = None) -> bool:
        """Remember a message once; return False when its Message-ID was already recorded."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO messages (message_id, folder, mail_ref, thread_id, invoice_key,"
            " kind, sender, subject, date, refs, summary, seen_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (message_id, folder, mail_ref, thread_id, invoice_key, kind, sender, subject,
             _iso(sent_at), json.dumps(list(refs)), json.dumps(summary or {}, default=str),
             _now()),
        )
        return cursor.rowcount == 1

    def message_row(self, message_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db.execute(
            "SELECT * FROM messages WHERE message_id = ?", (message_id,)).fetchone()
        return row

    def update_mail_ref(self, message_id: str, mail_ref: str) -> None:
        """Record where a known message lives now (after the mailbox renumbered it)."""
        self._db.execute("UPDATE messages SET mail_ref = ? WHERE message_id = ? AND mail_ref != ?",
                         (mail_ref, message_id, mail_ref))
        self._db.execute("UPDATE invoices SET mail_ref = ? WHERE key = ? AND mail_ref != ?",
                         (mail_ref, message_id, mail_ref))

    def forget_message(self, message_id: str) -> None:
        """Forget a message that is not an invoice, so that it can be read again (``track``)."""
        self._db.execute("DELETE FROM messages WHERE message_id = ? AND kind != 'invoice'",
                         (message_id,))

    def thread_messages(self, invoice_key: str) -> list[sqlite3.Row]:
        """Return the messages of an invoice's thread, oldest first."""
        return list(self._db.execute(
            "SELECT * FROM messages WHERE invoice_key = ? ORDER BY date, seen_at",
            (invoice_key,)))

    def message_dates_from(self, address: str) -> list[datetime]:
        """Return the Date headers (aware) of the messages received from ``address``."""
        rows = self._db.execute(
            "SELECT date FROM messages WHERE sender = ? AND folder = 'inbox' AND date IS NOT NULL"
            " ORDER BY date DESC LIMIT 20", (address,))
        return [datetime.fromisoformat(r[0]) for r in rows]

    def message_summary(self, message_id: str) -> dict[str, object]:
        row = self._db.execute("SELECT summary FROM messages WHERE message_id = ?",
                               (message_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def messages_of_kind(self, kind: str, *, sender: str | None = None) -> list[sqlite3.Row]:
        """The messages recorded as ``kind``, from ``sender`` when given, newest first."""
        where, args = ("kind = ?", (kind,)) if sender is None else (
            "sender = ? AND kind = ?", (sender, kind))
        return list(self._db.execute(f"SELECT * FROM messages WHERE {where} ORDER BY date DESC",
                                     args))

    # -- events -----------------------------------------------------------------------------

    def add_event(self, invoice_key: str, event: Event) -> bool:
        """Record an event once; return False when the same event was already recorded."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO events (invoice_key, kind, at, until, intent, stage,"
            " message_id, detail) VALUES (?,?,?,?,?,?,?,?)",
            (invoice_key, event.kind.value, event.at.isoformat(), _iso(event.until),
             event.intent.value if event.intent else None, event.stage or "",
             event.message_id or "", event.detail),
        )
        return cursor.rowcount == 1

    _event = staticmethod(event_from_row)

    def events(self) -> dict[str, list[Event]]:
        """Return every invoice's events, oldest first."""
        found: dict[str, list[Event]] = {}
        for row in self._db.execute("SELECT * FROM events ORDER BY at, id"):
            found.setdefault(row["invoice_key"], []).append(self._event(row))
        return found

    def events_since(self, kind: EventKind, since: datetime) -> list[tuple[str, Event]]:
        """Return (invoice key, event) for the events of one kind at or after ``since``, oldest
        first: the send caps' look-back, which should not read the whole history."""
        # ISO strings compare as moments only within one offset; a day's margin covers any
        # offset, and the exact comparison is made on the parsed moments.
        rows = self._db.execute("SELECT * FROM events WHERE kind = ? AND at >= ? ORDER BY at, id",
                                (kind.value, (since - timedelta(days=1)).isoformat()))
        found = [(row["invoice_key"], self._event(row)) for row in rows]
        return [(key, event) for key, event in found if event.at >= since]

    def event_count(self) -> int:
        """How many events are recorded (events are never deleted: a new one changes it)."""
        return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def events_of(self, invoice_key: str) -> list[Event]:
        rows = self._db.execute("SELECT * FROM events WHERE invoice_key = ? ORDER BY at, id",
                                (invoice_key,))
        return [self._event(r) for r in rows]

    # -- follow-ups -------------------------------------------------------------------------

    @staticmethod
    def _followup(row: sqlite3.Row) -> FollowUpRow:
        return FollowUpRow(
            invoice_key=row["invoice_key"], stage=row["stage"], kind=row["kind"],
            message_id=row["message_id"], state=row["state"],
            slot=datetime.fromisoformat(row["slot"]), draft_id=row["draft_id"],
            primary_key=row["primary_key"],
            covers=tuple((key, stage) for key, stage in json.loads(row["covers"]))
            if row["covers"] != "[]" else (),
            note=row["note"], updated_at=datetime.fromisoformat(row["updated_at"]),
        )

    def followups(self, *states: str) -> list[FollowUpRow]:
        """Return the follow-ups in the given states (all when none is given), by slot."""
        order = " ORDER BY slot, invoice_key"
        if len(states) > 1:
            # one index range per state, merged here: SQLite would sort them all in a temp tree
            rows = [r for state in states for r in self._db.execute(
                "SELECT * FROM followups WHERE state = ?" + order, (state,))]
            rows.sort(key=lambda r: (r["slot"], r["invoice_key"]))
        else:
            where = " WHERE state = ?" if states else ""
            rows = list(self._db.execute("SELECT * FROM followups" + where + order, states))
        return [self._followup(r) for r in rows]

    def drafted_due(self, moment: datetime) -> list[FollowUpRow]:
        """The drafted follow-ups whose slot is at or before ``moment``, by slot: what may be
        due, without reading the drafts still to come."""
        # ISO strings compare as moments only within one offset; julianday() reads the offset
        # (a tenth of a second of margin for its floating point, then the exact comparison)
        rows = self._db.execute(
            "SELECT * FROM followups WHERE state = ? AND julianday(slot) <= julianday(?) + 1e-6"
            " ORDER BY slot, invoice_key", (FollowUpState.DRAFTED, moment.isoformat()))
        return [row for row in map(self._followup, rows) if row.slot <= moment]

    def drafted_slots_after(self, moment: datetime) -> list[datetime]:
        """The slots of the drafted follow-ups after ``moment``, each once, in order."""
        slots = {datetime.fromisoformat(r[0]) for r in self._db.execute(
            "SELECT DISTINCT slot FROM followups WHERE state = ? AND slot >= ?",
            (FollowUpState.DRAFTED, (moment - timedelta(days=1)).isoformat()))}
        return sorted(slot for slot in slots if slot > moment)

    def draft_ids(self) -> frozenset[str]:
        """The mailbox ids of the drafts relance has made and not yet sent or withdrawn."""
        return frozenset(r[0] for r in self._db.execute(
            "SELECT draft_id FROM followups WHERE state = ?", (FollowUpState.DRAFTED,)))

    def followup(self, invoice_key: str, stage: str) -> FollowUpRow | None:
        row = self._db.execute("SELECT * FROM followups WHERE invoice_key = ? AND stage = ?",
                               (invoice_key, stage)).fetchone()
        return self._followup(row) if row else None

    def followups_of(self, invoice_keys: Iterable[str]) -> dict[tuple[str, str], FollowUpRow]:
        """Return the follow-ups of the given invoices, by (invoice key, stage), every state."""
        keys = sorted(set(invoice_keys))
        found: dict[tuple[str, str], FollowUpRow] = {}
        for start in range(0, len(keys), 500):  # under SQLite's limit of bound values
            chunk = keys[start:start + 500]
            for row in self._db.execute("SELECT * FROM followups WHERE invoice_key IN"
                                        f" ({','.join('?' * len(chunk))})", chunk):
                found[(row["invoice_key"], row["stage"])] = self._followup(row)
        return found

    def followups_by_message(self, message_id: str) -> list[FollowUpRow]:
        rows = self._db.execute("SELECT * FROM followups WHERE message_id = ?", (message_id,))
        return [self._followup(r) for r in rows]

    def put_followup(self, *, invoice_key: str, stage: str, kind: str, message_id: str,
                     state: str, slot: datetime, primary_key: str, draft_id: str = "",
                     covers: Iterable[tuple[str, str]] = (), note: str = "") -> None:
        """Create or replace the follow-up of an invoice's stage."""
        self._db.execute(
            "INSERT INTO followups (invoice_key, stage, kind, message_id, state, slot, draft_id,"
            " primary_key, covers, note, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (invoice_key, stage) DO UPDATE SET kind=excluded.kind,"
            " message_id=excluded.message_id, state=excluded.state, slot=excluded.slot,"
            " draft_id=excluded.draft_id, primary_key=excluded.primary_key,"
            " covers=excluded.covers, note=excluded.note, updated_at=excluded.updated_at",
            (invoice_key, stage, kind, message_id, state, slot.isoformat(), draft_id,
             primary_key, json.dumps([list(c) for c in covers]), note, _now()),
        )

    def set_followup_state(self, message_id: str, state: str, *, note: str = "",
                           slot: datetime | None = None) -> None:
        """Move every row of one follow-up message (a statement has several) to ``state``."""
        self._db.execute(
            "UPDATE followups SET state = ?, note = ?, slot = coalesce(?, slot), updated_at = ?"
            " WHERE message_id = ?",
            (state, note, _iso(slot), _now(), message_id))

    # -- cursors and health -----------------------------------------------------------------

    def cursor(self, account: str) -> str | None:
        row = self._db.execute("SELECT value FROM cursors WHERE account = ?",
                               (account,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, account: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO cursors (account, value, updated_at) VALUES (?,?,?)"
            " ON CONFLICT (account) DO UPDATE SET value=excluded.value,"
            " updated_at=excluded.updated_at", (account, value, _now()))

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key)"
                         " DO UPDATE SET value = excluded.value", (key, value))
