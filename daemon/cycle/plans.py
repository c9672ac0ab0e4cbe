"""The plan of an installation, made again only where the store changed, and kept in it.

``Planner`` holds one ``replan.PlanMemo`` for an engine. At each plan it asks the store what is
new since the marks of the last plan (``storeplan.Marks``: events, invoices, messages from
clients), adds the clients the memo names as stale (a moment of theirs came, a draft's slot
changed), reads those clients' invoices and events — only theirs — and has the cadence decide
for them. ``save`` keeps the answers and the marks in the store (table ``plans``, meta
``plan_marks``), in one transaction, so that the next process (``relance once`` from cron, the
daemon after a restart) goes on from there instead of deciding everything again.

What is kept was decided by this code from this configuration: ``basis`` fingerprints both (the
cadence's sources, the settings the plan reads, the schema, the holiday data), and a store whose
plans were made on another basis — another version, an edited configuration, a migration — is
planned again in full, as ``relance once --full`` asks. Inside an open transaction (whose rows
may yet be rolled back) the plan is made in full from the store and nothing is remembered.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..core import cadence, model, slots
from ..core.cadence import Plan
from ..core.model import Hold, HoldReason, Invoice, PlannedFollowUp, Stage, StageKind
from ..core.slots import BusinessCalendar
from .config import Config
from .drafted import Drafted
from .replan import Decided, PlanMemo, Slots
from .schema import SCHEMA_VERSION
from .store import Store
from .storeplan import Marks

MARKS_META = "plan_marks"  # JSON [event id, invoice rowid, message rowid, removed] (Marks)
BASIS_META = "plan_basis"  # the fingerprint of the code and settings they were made on
FORMAT = 2  # of the bodies in ``plans`` and the marks; a new one plans everything again
_log = logging.getLogger("relance")
_BATCH = 500  # clients decided together: their invoices and events are read at once


@functools.cache
def _code() -> bytes:
    """The sources of the cadence, and the holiday data's version: what decides a plan."""
    digest = hashlib.sha256()
    for module in (cadence, slots, model):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(f"{FORMAT} {SCHEMA_VERSION} {metadata.version('holidays')}".encode())
    return digest.digest()


def basis(config: Config) -> str:
    """The fingerprint of what a kept plan was decided by: the cadence's code, the holiday
    data, the schema, and every setting the plan reads."""
    settings = (config.cadence, config.window, config.timezone,
                tuple((c.match, c.timezone, c.consolidate) for c in config.clients))
    return hashlib.sha256(_code() + repr(settings).encode()).hexdigest()


class Planner:
    """The plan of one store under one configuration, decided again where it changed."""

    def __init__(self, store: Store, config: Callable[[], Config], calendar: BusinessCalendar,
                 *, zone_of: Callable[[Invoice], tzinfo],
                 consolidate_for: Callable[[Invoice], bool],
                 drafted: Drafted | None = None) -> None:
        self.store = store
        self.config = config  # read at each plan: the engine's configuration may be replaced
        self.calendar = calendar
        self.zone_of = zone_of
        self.consolidate_for = consolidate_for
        self.memo = PlanMemo()
        self.marks = Marks()
        self._basis = ""  # of the answers in the memo ("" until loaded)
        self._unsaved: set[str] = set()
        self._replace_all = False
        self.decided = 0  # how many clients the last plan decided again (for tests, profiles)
        self.batch = _BATCH
        self.drafted = drafted or Drafted(store)

    def full(self) -> None:
        """Forget every answer: the next plan decides for every client (``--full``)."""
        self.memo, self.marks = PlanMemo(), Marks()
        self._basis, self._replace_all = basis(self.config()), True
        self._unsaved.clear()

    def plan(self, now: datetime) -> Plan:
        """The plan at ``now``; the same as ``cadence.plan`` over every invoice of the store."""
        if self.store.in_transaction:
            return self._decide(self.store.invoices(), self.store.events(), now,
                                self._flat(self.store.drafted_slots()))
        current = basis(self.config())
        if current != self._basis:
            self._load(current)
        marks = self.store.marks()
        if self.store.events_lost(self.marks, marks):
            self.full()
        self.drafted.refresh()  # the drafts' slots: only the rows written since are read
        kept = self.drafted.slots
        clients = sorted(self.store.clients_changed(self.marks) | self.memo.stale(now, kept))
        self.decided = len(clients)
        for start in range(0, len(clients), self.batch):  # never the whole store at once
            batch = clients[start:start + self.batch]
            invoices = self.store.invoices_of(batch)
            events = self.store.events_of_invoices(i.key for i in invoices)
            found = self._decide(invoices, events, now,
                                 self._flat({c: kept[c] for c in batch if c in kept}))
            client_of = {invoice.key: invoice.client for invoice in invoices}
            self._unsaved.update(self.memo.record(found, batch, client_of, now=now,
                                                  kept=kept))
        self.marks = marks
        return self.memo.plan()

    def save(self) -> None:
        """Keep in the store the answers decided since the last save, with the marks."""
        if not self._unsaved and not self._replace_all:
            return
        rows = [(client, json.dumps(_encode(self.memo.clients[client])))
                for client in sorted(self._unsaved) if client in self.memo.clients]
        with self.store.transaction():
            self.store.put_plan_rows(rows, replace_all=self._replace_all)
            marks = self.marks
            self.store.set_meta(MARKS_META, json.dumps([marks.event, marks.invoice,
                                                        marks.message, marks.removed]))
            self.store.set_meta(BASIS_META, self._basis)
        self._unsaved.clear()
        self._replace_all = False

    def _load(self, current: str) -> None:
        """Take up the plans kept in the store when they were made on ``current``, the basis
        of now; else (another version, another configuration, none kept) plan in full."""
        self.full()
        self._basis = current
        kept_marks = self.store.meta(MARKS_META)
        if not kept_marks or self.store.meta(BASIS_META) != current:
            return
        try:
            for client, body in self.store.plan_rows():
                self.memo.put(client, _decode(json.loads(body)))
            marks = Marks(*json.loads(kept_marks))
        except (ValueError, KeyError, TypeError, IndexError) as exc:  # edited by hand: no loss
            _log.warning("the plans kept in the store cannot be read (%s); planning all again",
                         exc, extra={"fields": {"event": "plans_unreadable"}})
            self.full()
            return
        self.marks, self._replace_all = marks, False

    def _decide(self, invoices: list[Invoice], events: Mapping[str, list[model.Event]],
                now: datetime, kept: Slots) -> Plan:
        zones: dict[str, tzinfo] = {}

        def zone_of(invoice: Invoice) -> tzinfo:
            # one look-up per client, not one per invoice: a client's invoices share its zone
            if invoice.client not in zones:
                zones[invoice.client] = self.zone_of(invoice)
            return zones[invoice.client]

        config = self.config()
        return cadence.plan(invoices, events, now=now, settings=config.cadence,
                            window=config.window, calendar=self.calendar, zone_of=zone_of,
                            consolidate_for=self.consolidate_for, kept_slots=kept)

    @staticmethod
    def _flat(kept: Mapping[str, Slots]) -> dict[tuple[str, str], datetime]:
        return {slot_key: slot for slots_of in kept.values() for slot_key, slot in
                slots_of.items()}


# -- a client's answer as JSON ----------------------------------------------------------------

def _moment(value: datetime) -> list[str]:
    zone = value.tzinfo
    return [value.isoformat(), zone.key if isinstance(zone, ZoneInfo) else ""]


def _from_moment(value: list[str]) -> datetime:
    moment = datetime.fromisoformat(value[0])
    return moment.astimezone(ZoneInfo(value[1])) if value[1] else moment


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _stage(stage: Stage | None) -> dict[str, Any] | None:
    if stage is None:
        return None
    return {"key": stage.key, "kind": stage.kind.value, "earliest": stage.earliest.isoformat(),
            "latest": _day(stage.latest)}


def _from_stage(value: dict[str, Any]) -> Stage:
    return Stage(value["key"], StageKind(value["kind"]), date.fromisoformat(value["earliest"]),
                 _from_day(value["latest"]))


def _encode(decided: Decided) -> dict[str, Any]:
    return {
        "planned_at": _moment(decided.planned_at),
        "until": _moment(decided.until) if decided.until else None,
        "kept": [[key, stage, *_moment(slot)] for (key, stage), slot in decided.kept.items()],
        "followups": [{"invoice": f.invoice_key, "stage": _stage(f.stage),
                       "slot": _moment(f.slot), "covers": [list(c) for c in f.covers]}
                      for f in decided.followups],
        "holds": {key: {"reason": hold.reason.value, "until": _day(hold.until),
                        "next_stage": _stage(hold.next_stage)}
                  for key, hold in decided.holds.items()},
    }


def _decode(body: dict[str, Any]) -> Decided:
    followups = [PlannedFollowUp(f["invoice"], _from_stage(f["stage"]), _from_moment(f["slot"]),
                                 tuple((k, s) for k, s in f["covers"]))
                 for f in body["followups"]]
    return Decided(
        planned_at=_from_moment(body["planned_at"]),
        until=_from_moment(body["until"]) if body["until"] else None,
        kept={(key, stage): _from_moment([at, zone]) for key, stage, at, zone in body["kept"]},
        followups=tuple(followups),
        holds={key: Hold(HoldReason(h["reason"]), _from_day(h["until"]),
                         _from_stage(h["next_stage"]) if h["next_stage"] else None)
               for key, h in body["holds"].items()},
    )

