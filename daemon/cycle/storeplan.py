"""The store's queries for planning client by client (``plans.py``).

A plan is made client by client, and a cycle decides again only for the clients whose inputs
changed. These queries find them and read what a plan of them needs, each on an index
(tests/cycle/test_query_plans.py): what is new since the marks of the last plan (events and
invoices are only ever added, each with a higher id; a client's new message in the Inbox may
change the zone inferred for them), the waiting drafts' slots, one client's invoices and their
events, and the plans kept of each client.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from ..core.model import Event, Invoice
from .storerows import event_from_row, invoice_from_row

_CHUNK = 500  # bound values per IN (...), well under SQLite's limit


@dataclass(frozen=True)
class Marks:
    """The newest rows a plan had seen: event id, invoice rowid, message rowid; and how many
    events had been deleted (by hand: relance deletes none) by then."""

    event: int = 0
    invoice: int = 0
    message: int = 0
    removed: int = 0


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class PlanQueries:
    """Mixed into ``Store``: the connection is its ``_db``."""

    _db: sqlite3.Connection

    @property
    def in_transaction(self) -> bool:
        """True inside an open transaction, whose rows may yet be rolled back."""
        return self._db.in_transaction

    def followups_version(self) -> int:
        """A number every write to the follow-ups moves on, from any process (triggers)."""
        return self.followups_versions()[0]

    def followups_versions(self) -> tuple[int, int]:
        """The follow-ups' version and the number of rows ever deleted (by hand)."""
        found = dict(self._db.execute(
            "SELECT name, value FROM versions WHERE name IN ('followups', 'followups_removed')"))
        return int(found.get("followups", 0)), int(found.get("followups_removed", 0))

    def followups_changed_since(self, version: int) -> list[tuple[str, str, str, str, str, str]]:
        """(invoice key, stage, state, slot, draft id, client) of each follow-up row written
        after ``version`` of the follow-ups, in the order written; for -1, of every drafted
        one."""
        where, values = ("f.changed > ? ORDER BY f.changed", (version,)) if version >= 0 \
            else ("f.state = 'drafted'", ())
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in self._db.execute(
            "SELECT f.invoice_key, f.stage, f.state, f.slot, f.draft_id, i.client"
            " FROM followups AS f JOIN invoices AS i ON i.key = f.invoice_key WHERE " + where,
            values)]

    def newest_event(self) -> int:
        """The id of the newest event (0: none), at the cost of one index look-up."""
        return int(self._db.execute("SELECT max(id) FROM events").fetchone()[0] or 0)

    def newest_message(self) -> int:
        """The rowid of the newest message row (0: none), at the cost of one look-up."""
        return int(self._db.execute("SELECT max(rowid) FROM messages").fetchone()[0] or 0)

    def marks(self) -> Marks:
        """The newest event, invoice and message rows now, and the events deleted so far:
        each an index look-up (the deletions are counted by a trigger)."""
        row = self._db.execute(
            "SELECT (SELECT max(id) FROM events), (SELECT max(rowid) FROM invoices),"
            " (SELECT max(rowid) FROM messages),"
            " (SELECT value FROM versions WHERE name = 'events_removed')").fetchone()
        return Marks(row[0] or 0, row[1] or 0, row[2] or 0, row[3] or 0)

    @staticmethod
    def events_lost(since: Marks, now: Marks) -> bool:
        """True when events seen at ``since`` may be gone at ``now`` (a store edited by hand:
        relance never deletes one)."""
        return now.event < since.event or now.removed != since.removed

    def clients_changed(self, since: Marks) -> set[str]:
        """The clients with an event, an invoice or a message in the Inbox newer than
        ``since`` (a message's sender is the client it may tell the zone of)."""
        found = {r[0] for r in self._db.execute(
            "SELECT i.client FROM events AS e JOIN invoices AS i ON i.key = e.invoice_key"
            " WHERE e.id > ?", (since.event,))}
        found |= {r[0] for r in self._db.execute(
            "SELECT client FROM invoices WHERE rowid > ?", (since.invoice,))}
        found |= {r[0] for r in self._db.execute(
            "SELECT sender FROM messages WHERE rowid > ? AND folder = 'inbox'",
            (since.message,))}
        return found

    def drafted_slots(self) -> dict[str, dict[tuple[str, str], datetime]]:
        """The slots of the drafts waiting, by client, then by (invoice key, stage)."""
        found: dict[str, dict[tuple[str, str], datetime]] = {}
        for row in self._db.execute(
                "SELECT f.invoice_key, f.stage, f.slot, i.client FROM followups AS f"
                " JOIN invoices AS i ON i.key = f.invoice_key WHERE f.state = 'drafted'"):
            found.setdefault(row[3], {})[(row[0], row[1])] = datetime.fromisoformat(row[2])
        return found

    def invoices_of(self, clients: Iterable[str]) -> list[Invoice]:
        """The invoices to ``clients``, oldest first (by sent moment, then key)."""
        rows: list[sqlite3.Row] = []
        for chunk in _chunks(clients):
            rows += self._db.execute("SELECT * FROM invoices WHERE client IN"
                                     f" ({','.join('?' * len(chunk))})", chunk).fetchall()
        rows.sort(key=lambda r: (r["sent_at"], r["key"]))
        return [invoice_from_row(r) for r in rows]

    def events_of_invoices(self, keys: Iterable[str]) -> dict[str, list[Event]]:
        """The events of the invoices ``keys``, oldest first (by ``at``, then id)."""
        rows: list[sqlite3.Row] = []
        for chunk in _chunks(keys):
            rows += self._db.execute("SELECT * FROM events WHERE invoice_key IN"
                                     f" ({','.join('?' * len(chunk))})", chunk).fetchall()
        rows.sort(key=lambda r: (r["at"], r["id"]))
        found: dict[str, list[Event]] = {}
        for row in rows:
            found.setdefault(row["invoice_key"], []).append(event_from_row(row))
        return found

    def plan_rows(self) -> list[tuple[str, str]]:
        """The plans kept, as (client, body)."""
        return [(r[0], r[1]) for r in self._db.execute("SELECT client, body FROM plans")]

    def put_plan_rows(self, rows: Iterable[tuple[str, str]], *, replace_all: bool) -> None:
        """Keep the plans of some clients (of all of them, with ``replace_all``)."""
        if replace_all:
            self._db.execute("DELETE FROM plans")
        self._db.executemany("INSERT OR REPLACE INTO plans (client, body) VALUES (?, ?)", rows)
