"""The store's queries behind observe's matching: which invoice a received message belongs to
(``threads.match_invoice`` asks by Message-ID, mailbox thread id, subject and sender), and
which invoice a payment notice names (by number, else by amount).

Each is a look-up on an index (tests/cycle/test_query_plans.py), so that a store of years is
asked, not held in memory: the invoices under each normalised subject and recipient are kept
in ``invoice_subjects`` (schema migration 4), written with the invoice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from decimal import Decimal

from ..core.model import Invoice, Money
from ..core.threads import subject_keys

_CHUNK = 500  # bound values per IN (...), well under SQLite's limit
# A REAL read from the stored decimal text may differ from Python's float of the same amount
# in its last bits: the index finds the amounts within this share, Decimal decides.
_REAL_MARGIN = Decimal("1e-9")
_NO_BOUND = 1 << 62  # above any rowid


class ThreadQueries:
    """Mixed into ``Store``: the connection is its ``_db``."""

    _db: sqlite3.Connection

    def add_subject_keys(self, invoice: Invoice) -> None:
        """Index a new invoice under its ``threads.subject_keys``."""
        self._db.executemany(
            "INSERT OR IGNORE INTO invoice_subjects (subject, address, invoice_key)"
            " VALUES (?, ?, ?)",
            [(subject, address, invoice.key)
             for subject, address in subject_keys(invoice.subject, invoice.all_recipients)])

    def message_owner(self, message_id: str, *, up_to: int | None = None) -> str | None:
        """The invoice whose thread holds ``message_id``: the invoice of that Message-ID, else
        the invoice the message row of that id was recorded in (of the rows up to rowid
        ``up_to``, when given); None when neither."""
        if self._db.execute("SELECT 1 FROM invoices WHERE key = ?",
                            (message_id,)).fetchone() is not None:
            return message_id
        row = self._db.execute(
            "SELECT invoice_key FROM messages WHERE message_id = ? AND invoice_key IS NOT NULL"
            " AND rowid <= ?", (message_id, _NO_BOUND if up_to is None else up_to)).fetchone()
        return str(row[0]) if row is not None else None

    def invoices_in_thread(self, thread_id: str) -> frozenset[str]:
        """The invoices sent in the mailbox's thread ``thread_id`` (Gmail ``threadId``)."""
        return frozenset(r[0] for r in self._db.execute(
            "SELECT key FROM invoices WHERE thread_id = ?", (thread_id,)))

    def invoices_by_subject(self, subject: str, address: str) -> frozenset[str]:
        """The invoices under one pair of ``threads.subject_keys``."""
        return frozenset(r[0] for r in self._db.execute(
            "SELECT invoice_key FROM invoice_subjects WHERE subject = ? AND address = ?",
            (subject, address)))

    def subject_recipients(self, subject: str) -> list[tuple[str, str]]:
        """(address, invoice key) of every invoice under the normalised ``subject``."""
        return [(r[0], r[1]) for r in self._db.execute(
            "SELECT address, invoice_key FROM invoice_subjects WHERE subject = ?", (subject,))]

    def invoice_figures(self) -> Iterator[tuple[str, Money | None]]:
        """(number, amount) of every invoice, oldest first (by sent moment, then key), read as
        they are asked for."""
        for number, amount, currency in self._db.execute(
                "SELECT number, amount, currency FROM invoices ORDER BY sent_at, key"):
            yield number, Money(Decimal(amount), currency) if amount else None

    def invoice_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM invoices").fetchone()[0])

    def invoices_numbered(self, numbers: Iterable[str]) -> set[str]:
        """The invoices whose number is one of ``numbers``, whatever the case."""
        named = {number.lower() for number in numbers}
        found: set[str] = set()
        items = sorted(named)
        for start in range(0, len(items), _CHUNK):
            chunk = items[start:start + _CHUNK]
            # SQLite's lower() folds ASCII letters only: it finds the candidates on the index,
            # Python's lower() decides, as for any other comparison of numbers
            found |= {key for key, number in self._db.execute(
                "SELECT key, number FROM invoices WHERE lower(number) IN"
                f" ({','.join(['lower(?)'] * len(chunk))})", chunk)
                if number.lower() in named}
        return found

    def invoices_of_amount(self, amount: Money) -> set[str]:
        """The invoices of exactly ``amount`` (same currency, same value: 100 is 100.00)."""
        if not amount.amount.is_finite():
            return set()
        margin = abs(amount.amount) * _REAL_MARGIN + _REAL_MARGIN
        rows = self._db.execute(
            "SELECT key, amount FROM invoices WHERE currency = ?"
            " AND CAST(amount AS REAL) BETWEEN ? AND ?",
            (amount.currency, float(amount.amount - margin), float(amount.amount + margin)))
        return {key for key, value in rows
                if value and Money(Decimal(value), amount.currency) == amount}
