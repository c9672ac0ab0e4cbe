"""Planning again without deciding again for the invoices that are settled.

Most of a store's invoices are closed for good: paid, or stopped until the user says otherwise
(a reply, a dispute, a claim of payment, every recipient bounced, ``relance stop``). For those
the cadence's answer is a ``Hold`` that no clock can change — only a new event of that invoice
(``relance resume``, a payment notice), its invoice record or the cadence settings can. The
engine keeps one ``PlanMemo`` for its lifetime; ``replan`` asks the cadence only about the
other invoices and gives back the settled ones' holds as they were, so that the cost of a plan
follows the open invoices, not the history.

The plan stays a pure function of the store: ``replan`` returns exactly what
``cadence.plan`` returns over every invoice (tests/cycle/test_replan.py checks it on random
histories), and a new engine — after a restart, an upgrade or a migration — starts with an
empty memo, that is with a full plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.cadence import Plan, plan
from ..core.model import CadenceSettings, Event, Hold, HoldReason, Invoice

# The holds that only an event can lift: the cadence returns them from the invoice's events
# alone, before it looks at any date, zone or slot (``cadence.decide``).
SETTLED = frozenset({HoldReason.PAID, HoldReason.CLAIMED_PAID, HoldReason.REPLIED,
                     HoldReason.DISPUTED, HoldReason.UNDELIVERED, HoldReason.STOPPED})


@dataclass(frozen=True)
class _Settled:
    """A settled invoice's hold, with everything it was decided from."""

    invoice: Invoice
    events: tuple[Event, ...]
    settings: CadenceSettings
    hold: Hold


@dataclass
class PlanMemo:
    """The settled invoices of the last plans, by invoice key."""

    settled: dict[str, _Settled] = field(default_factory=dict)


def replan(memo: PlanMemo, invoices: Iterable[Invoice], events: Mapping[str, Sequence[Event]],
           *, settings: CadenceSettings, **plan_args: Any) -> Plan:
    """Return ``cadence.plan(invoices, events, settings=settings, **plan_args)``, deciding
    only for the invoices ``memo`` does not hold as settled on the same invoice, events and
    settings; record in ``memo`` the invoices this plan found settled."""
    kept: dict[str, Hold] = {}
    rest: list[Invoice] = []
    for invoice in invoices:
        known = memo.settled.get(invoice.key)
        if known is not None and known.settings == settings and known.invoice == invoice \
                and known.events == tuple(events.get(invoice.key, ())):
            kept[invoice.key] = known.hold
        else:
            rest.append(invoice)
    found = plan(rest, events, settings=settings, **plan_args)
    for invoice in rest:
        hold = found.holds.get(invoice.key)
        if hold is not None and hold.reason in SETTLED and hold.until is None:
            memo.settled[invoice.key] = _Settled(invoice, tuple(events.get(invoice.key, ())),
                                                 settings, hold)
        else:
            memo.settled.pop(invoice.key, None)
    return Plan(found.followups, {**kept, **found.holds})
