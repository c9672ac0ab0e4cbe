"""What observe matches a message against — every invoice's number and amount, and the index of
their threads — asked of the store whenever it is needed, never copied out of it.

A store that has run for years holds tens of thousands of invoices, and a copy of them and of
their threads' index in memory weighed more than the rest of the daemon together (issue 14).
The store answers each question on an index (``storethreads.py``), so these views cost a
look-up per question and nothing between two; whoever wrote the store, and whenever (another
process, ``relance fix``, a transaction still open), they answer as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import overload

from ..core.model import Money
from .store import Store

Figures = tuple[str, Money | None]  # an invoice's number and amount


class StoreFigures(Sequence[Figures]):
    """(number, amount) of every invoice, as ``Store.invoices()`` orders them (by sent moment,
    then key), read from the store each time it is gone through: what a payment notice is
    matched by (``payment.detect_payment``), which goes through it only for a message from a
    payment processor or a bank."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __iter__(self) -> Iterator[Figures]:
        return self.store.invoice_figures()

    def __len__(self) -> int:
        return self.store.invoice_count()

    @overload
    def __getitem__(self, index: int) -> Figures: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Figures]: ...

    def __getitem__(self, index: int | slice) -> Figures | Sequence[Figures]:
        return list(self)[index]


class StoreThreads:
    """``threads.ThreadLookup`` answered by the store: the invoices and the messages in their
    threads as they stood when it was made. The messages recorded since are left out: a pass
    of the observer matches its messages against what the store held when it began reading
    the received ones."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._up_to = store.newest_message()

    def message_owner(self, message_id: str) -> str | None:
        return self.store.message_owner(message_id, up_to=self._up_to)

    def thread_invoices(self, thread_id: str) -> Collection[str]:
        return self.store.invoices_in_thread(thread_id)

    def subject_invoices(self, subject: str, address: str) -> Collection[str]:
        return self.store.invoices_by_subject(subject, address)

