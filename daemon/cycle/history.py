"""Every invoice and every invoice's events, read from the store once, then only the new ones.

Planning needs each invoice's events at every re-plan; a store that has run for years holds
hundreds of thousands, and reading them all again (a row turned into an ``Event`` each) cost
more than deciding. Events are only ever added — never changed or deleted — and each gets the
next id, so what is new since the last read is what lies past the last id seen. Rows written
inside a transaction still open may be rolled back: then the store is read plainly and nothing
is remembered. Should rows ever disappear (a store edited by hand), everything is read again.
(Rows another process commits meanwhile come with higher ids: the next read finds them.)
Invoices likewise: never deleted, and what a row holds of the ``Invoice`` never changes (only
where its message lives, ``mail_ref``, which is not part of it).
"""

from __future__ import annotations

from ..core.model import Event, Invoice
from .store import Store


class EventHistory:
    """``Store.events()`` of one store, kept up to date by reading only the new rows."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._forget()

    def _forget(self) -> None:
        self._last = 0  # the highest event id read
        self._rows: dict[str, list[tuple[str, int, Event]]] = {}  # by invoice: (at, id, event)
        self._lists: dict[str, list[Event]] = {}
        self._count = 0

    def events(self) -> dict[str, list[Event]]:
        """Every invoice's events, oldest first (by ``at``, then id), as ``Store.events()``
        returns them. The lists are shared with the next calls: read them, never change them."""
        rows, pending = self.store.events_after(self._last)
        if pending:
            return self.store.events()
        touched: set[str] = set()
        for number, key, at, event in rows:
            self._rows.setdefault(key, []).append((at, number, event))
            touched.add(key)
            self._last = max(self._last, number)
        for key in touched:
            entries = self._rows[key]
            entries.sort(key=lambda entry: (entry[0], entry[1]))
            self._lists[key] = [event for _, _, event in entries]
        self._count += len(rows)
        if self._count > self.store.event_count():  # rows gone: not relance's doing
            self._forget()
            return self.store.events()
        return dict(self._lists)


class InvoiceHistory:
    """``Store.invoices()`` of one store, kept up to date by reading only the new rows."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._last = 0  # the highest rowid read
        self._known: set[str] = set()
        self._sorted: list[tuple[str, str, Invoice]] = []  # (sent_at, key, invoice)

    def invoices(self) -> list[Invoice]:
        """Every invoice, oldest first (by ``sent_at``, then key), as ``Store.invoices()``."""
        rows, pending = self.store.invoices_after(self._last)
        if pending:
            return self.store.invoices()
        for number, sent_at, invoice in rows:
            self._last = max(self._last, number)
            if invoice.key not in self._known:
                self._known.add(invoice.key)
                self._sorted.append((sent_at, invoice.key, invoice))
        if rows:
            self._sorted.sort(key=lambda entry: (entry[0], entry[1]))
        return [invoice for _, _, invoice in self._sorted]
