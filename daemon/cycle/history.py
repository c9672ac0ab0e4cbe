"""Every invoice, and the index of their threads, read from the store once, then only the new
rows.

The observer matches each message against every invoice (its number, its amount, its thread):
a store that has run for years holds tens of thousands, and turning every row into an
``Invoice`` again for each batch of mail cost more than reading the mail. Invoices are never
deleted and each new one gets the next rowid, so what is new since the last read is what lies
past the last rowid seen. Rows written inside a transaction still open may be rolled back: then
the store is read plainly and nothing is remembered. What a row holds of the ``Invoice`` changes
only through ``relance fix``, which records a ``CONFIRMED`` event with it: the invoices with
such an event newer than the last read are read again.
"""

from __future__ import annotations

from ..core.model import Money
from ..core.threads import ThreadIndex, ThreadIndexBuilder
from .store import Store

Figures = tuple[str, Money | None]  # an invoice's number and amount


class InvoiceHistory:
    """The number and amount of every invoice of one store, as ``Store.invoices()`` orders
    them, kept up to date by reading only the new rows (and the corrected ones). Only these are
    kept: what a payment notice or a reply is matched by; a whole ``Invoice`` weighs ten times
    as much, and a store of years holds tens of thousands."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._last = 0  # the highest rowid read
        self._last_event = 0  # the highest event id when it was read
        self._known: set[str] = set()
        self._sorted: list[tuple[str, str, Figures]] = []  # (sent_at, key, figures)

    def figures(self) -> list[Figures]:
        """(number, amount) of every invoice, oldest first (by ``sent_at``, then key)."""
        rows, pending = self.store.invoices_after(self._last)
        if pending:
            return [(i.number, i.amount) for i in self.store.invoices()]
        corrected, self._last_event = self.store.corrected_since(self._last_event)
        for number, sent_at, invoice in rows:
            self._last = max(self._last, number)
            if invoice.key not in self._known:
                self._known.add(invoice.key)
                self._sorted.append((sent_at, invoice.key, (invoice.number, invoice.amount)))
        for position, (sent_at, key, _) in enumerate(self._sorted):
            if key in corrected and (fixed := self.store.invoice(key)) is not None:
                self._sorted[position] = (sent_at, key, (fixed.number, fixed.amount))
        if rows:
            self._sorted.sort(key=lambda entry: (entry[0], entry[1]))
        return [found for _, _, found in self._sorted]


class ThreadHistory:
    """The index of the invoice threads (``ThreadIndex.build`` of every invoice and every
    message in their threads), kept up to date by adding only the rows recorded since. A
    message row is deleted only by ``relance track`` (a message read again as an invoice),
    which was in no thread; when rows disappear otherwise (rowids going back), it is built
    again."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._forget()

    def _forget(self) -> None:
        self._builder = ThreadIndexBuilder()
        self._invoice_row = 0  # the highest invoice rowid added
        self._message_row = 0  # the highest message rowid added

    def index(self) -> ThreadIndex:
        """The index as ``ThreadIndex.build`` makes it of the store now."""
        if self.store.in_transaction:  # rows that may yet be rolled back: built aside
            builder = ThreadIndexBuilder()
            self._fill(builder, 0, 0)
            return builder.index()
        if self.store.newest_message() < self._message_row:
            self._forget()
        self._invoice_row, self._message_row = self._fill(self._builder, self._invoice_row,
                                                          self._message_row)
        return self._builder.index()

    def _fill(self, builder: ThreadIndexBuilder, invoice_row: int,
              message_row: int) -> tuple[int, int]:
        rows, _ = self.store.invoices_after(invoice_row)
        for number, _sent_at, invoice in rows:
            builder.add_invoice(invoice)
            invoice_row = max(invoice_row, number)
        for number, message_id, key in self.store.thread_rows_after(message_row):
            builder.add_thread_message(key, message_id)
            message_row = max(message_row, number)
        return invoice_row, message_row
