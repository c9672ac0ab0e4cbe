"""Planning again only where something changed, client by client.

The cycle plans again at every wake-up that brought something, and at least every hour; a store
that has run for years holds tens of thousands of invoices, most of them settled, and deciding
every one of them each time would make the daemon's cost follow its history. But the cadence's
answer for one client's invoices depends on nothing else than those invoices, their events, the
slots of their waiting drafts, the client's zone and choices, the settings — and the clock,
only at the moments ``Plan.until`` names (the first midnight there on which the answer may
turn, the next slot the clock will pass). Statements merge a client's invoices, never two
clients', so the client is the unit.

``PlanMemo`` keeps each client's last answer with the drafts' slots it saw and the first moment
it may change. ``stale`` names the clients whose answer time or a draft may have changed; the
caller adds those whose invoices, events or zone changed (``plans.Planner`` reads them from the
store) and has the cadence decide for those only; ``record`` keeps the new answers; ``plan``
gives the whole plan. The plan stays a pure function of the store: it is the same, follow-up for
follow-up and hold for hold, as ``cadence.plan`` over every invoice (tests/cycle/test_replan.py
checks it on random histories).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from types import MappingProxyType

from ..core.cadence import Plan
from ..core.model import Hold, PlannedFollowUp

Slots = Mapping[tuple[str, str], datetime]  # the waiting drafts' slots, by (invoice, stage)
_NO_SLOTS: Slots = MappingProxyType({})


@dataclass(frozen=True)
class Decided:
    """One client's answer: made at ``planned_at``, holding until ``until`` (None: until an
    event), from the waiting drafts' slots ``kept``."""

    planned_at: datetime
    until: datetime | None
    kept: Slots
    followups: tuple[PlannedFollowUp, ...]
    holds: Mapping[str, Hold]


class PlanMemo:
    """The last answer of every client planned, and the whole plan they make together."""

    def __init__(self) -> None:
        self.clients: dict[str, Decided] = {}
        self._holds: dict[str, Hold] = {}
        # kept so that ``stale`` costs what is due, not one look at every client of years:
        self._due: list[tuple[datetime, str]] = []  # a heap of (until, client); some outdated
        self._with_kept: set[str] = set()  # the clients whose answer saw a draft's slot
        self._newest = datetime.min.replace(tzinfo=timezone.utc)  # the latest planned_at
        self._plan: Plan | None = None  # the whole plan, while no answer changed
        self._kept_seen: Mapping[str, Slots] | None = None  # the drafts' slots last compared

    def stale(self, now: datetime, kept: Mapping[str, Slots]) -> set[str]:
        """The clients whose answer may no longer hold at ``now`` though none of their invoices,
        events or zone changed: its moment came (or the clock went back), or a draft's slot
        that the answer was made from changed. A client with a draft and no answer is stale.

        A draft's slot still to come when the answer was made did not make it: the cadence
        looks at a kept slot only once it has come (``cadence.plan``), so a draft made,
        moved or dropped at such a slot leaves the answer as it is, only due again by that
        slot at the latest (the drafts the cycle just made for the plan, mostly)."""
        if now < self._newest:  # the clock went back: nothing decided since holds for sure
            return set(self.clients) | set(kept)
        found = {client for client in kept if client not in self.clients}
        while self._due and self._due[0][0] <= now:  # the answers whose moment came
            until, client = heapq.heappop(self._due)
            if client in self.clients and self.clients[client].until == until:
                found.add(client)
        if kept is self._kept_seen:  # the very slots of the last look: compared already
            return found
        self._kept_seen = kept
        for client in (set(kept) | self._with_kept) - found:
            decided = self.clients.get(client)
            if decided is None:
                continue
            slots = kept.get(client, _NO_SLOTS)
            if decided.kept == slots:
                continue
            changed = [key for key in decided.kept.keys() | slots.keys()
                       if decided.kept.get(key) != slots.get(key)]
            moved = [slot for key in changed for slot in (decided.kept.get(key), slots.get(key))
                     if slot is not None]
            if any(slot <= decided.planned_at for slot in moved):
                found.add(client)
                continue
            new = [slots[key] for key in changed if key in slots]
            sooner = min([*new, decided.until] if decided.until else new, default=None)
            self.put(client, replace(decided, kept=dict(slots), until=sooner))
        return found

    def record(self, found: Plan, clients: Iterable[str], client_of: Mapping[str, str], *,
               now: datetime, kept: Mapping[str, Slots]) -> list[str]:
        """Keep ``found`` (a plan of the invoices of ``clients``, ``client_of`` giving each
        invoice's client) as their answers; return the clients recorded."""
        followups: dict[str, list[PlannedFollowUp]] = {}
        holds: dict[str, dict[str, Hold]] = {}
        until: dict[str, datetime] = {}
        for followup in found.followups:
            followups.setdefault(client_of[followup.invoice_key], []).append(followup)
        for key, hold in found.holds.items():
            holds.setdefault(client_of[key], {})[key] = hold
        for key, moment in found.until.items():
            client = client_of[key]
            if client not in until or moment < until[client]:
                until[client] = moment
        recorded = []
        for client in clients:
            self.put(client, Decided(now, until.get(client), dict(kept.get(client, _NO_SLOTS)),
                                     tuple(followups.get(client, ())), holds.get(client, {})))
            recorded.append(client)
        return recorded

    def put(self, client: str, decided: Decided) -> None:
        """Keep ``decided`` as the answer of ``client``, in place of the one before."""
        before = self.clients.get(client)
        if before is not None:
            for key in before.holds:
                self._holds.pop(key, None)
        self.clients[client] = decided
        self._holds.update(decided.holds)
        self._plan = None
        if decided.until is not None:
            heapq.heappush(self._due, (decided.until, client))
        if decided.kept:
            self._with_kept.add(client)
        else:
            self._with_kept.discard(client)
        self._newest = max(self._newest, decided.planned_at)

    def plan(self) -> Plan:
        """The whole plan: every client's follow-ups, by slot, and every hold (made again
        only after an answer changed)."""
        if self._plan is None:
            followups = [f for decided in self.clients.values() for f in decided.followups]
            followups.sort(key=lambda f: (f.slot, f.invoice_key))
            self._plan = Plan(tuple(followups), MappingProxyType(dict(self._holds)))
        return self._plan
