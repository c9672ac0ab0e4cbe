"""Every invoice, read from the store once, then only the new ones.

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

from ..core.model import Invoice
from .store import Store


class InvoiceHistory:
    """``Store.invoices()`` of one store, kept up to date by reading only the new rows."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._last = 0  # the highest rowid read
        self._last_event = 0  # the highest event id when it was read
        self._known: set[str] = set()
        self._sorted: list[tuple[str, str, Invoice]] = []  # (sent_at, key, invoice)

    def invoices(self) -> list[Invoice]:
        """Every invoice, oldest first (by ``sent_at``, then key), as ``Store.invoices()``."""
        rows, pending = self.store.invoices_after(self._last)
        if pending:
            return self.store.invoices()
        corrected, self._last_event = self.store.corrected_since(self._last_event)
        for number, sent_at, invoice in rows:
            self._last = max(self._last, number)
            if invoice.key not in self._known:
                self._known.add(invoice.key)
                self._sorted.append((sent_at, invoice.key, invoice))
        for position, (sent_at, key, _) in enumerate(self._sorted):
            if key in corrected and (fixed := self.store.invoice(key)) is not None:
                self._sorted[position] = (sent_at, key, fixed)
        if rows:
            self._sorted.sort(key=lambda entry: (entry[0], entry[1]))
        return [invoice for _, _, invoice in self._sorted]
