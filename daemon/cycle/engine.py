"""The reconcile cycle: sync → observe → plan → apply, and the send at a slot.

``Engine`` ties one mailbox, one store and one configuration together. The clock is injected,
so a test can walk an invoice through a month in a second. Planning reads only the store; the
mailbox is touched by ``sync`` and by ``apply``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from email.message import EmailMessage
from functools import cached_property
from zoneinfo import ZoneInfo

from ..core import message as mail
from ..core.cadence import Plan, plan
from ..core.compose import LatestMessage, Letter, compose_followup
from ..core.mailbox import Mailbox, MailRef
from ..core.model import Invoice, PlannedFollowUp
from ..core.slots import BusinessCalendar, zone_for_dates
from ..core.templating import TemplateSet
from .apply import Action, Applied, Applier
from .config import Config
from .drafted import Drafted
from .letterparts import letter_parts
from .observe import Observer, ObserveReport
from .plans import Planner
from .store import FollowUpRow, Store
from .templates import load_templates

Clock = Callable[[], datetime]
TRACKED_META = "tracked_message_ids"
# JSON list of {"invoice", "stage", "slot"}: the slots of the last two weeks that passed while
# relance was not running and were not caught up (moved on, or dropped), for "needs you".
MISSED_META = "missed_slots"
_MISSED_KEPT = timedelta(days=14)


@dataclass
class CycleReport:
    """What one cycle did."""

    observed: ObserveReport
    plan: Plan
    actions: list[Action] = field(default_factory=list)


class Engine:
    """One relance installation at work: a mailbox, its store, the user's configuration."""

    def __init__(self, *, config: Config, store: Store, mailbox: Mailbox | None, clock: Clock,
                 templates: TemplateSet | None = None, account: str = "default") -> None:
        self.config = config
        self.store = store
        self.mailbox = mailbox
        self.clock = clock
        self.templates = templates or load_templates(config.followups.templates_dir)
        self.account = account
        self.calendar = BusinessCalendar(config.window.holiday_country,
                                         config.window.holiday_subdivision)
        # the plan, decided again only for the clients whose inputs changed (``plans.py``)
        self.drafted = Drafted(store)  # the waiting drafts, read again where they changed
        self.planner = Planner(store, lambda: self.config, self.calendar, zone_of=self.zone_of,
                               consolidate_for=self._consolidate, drafted=self.drafted)
        self._applied: Applied | None = None  # what the last apply made true
        self._listing_held: frozenset[str] | None = None  # a listing found to hold them all

    @cached_property
    def me(self) -> str:
        mailbox_address = self.mailbox.address if self.mailbox is not None else ""
        return (self.config.account.address or mailbox_address).lower()

    @property
    def box(self) -> Mailbox:
        """The mailbox, for the steps that need one (status and planning do not)."""
        if self.mailbox is None:
            raise RuntimeError("this engine was opened without a mailbox")
        return self.mailbox

    @property
    def domain(self) -> str:
        return self.me.rpartition("@")[2] or "relance.invalid"

    # -- the steps --------------------------------------------------------------------------

    def sync(self) -> tuple[ObserveReport, frozenset[str] | None]:
        """Fetch what changed and record it; return the report and the drafts still present."""
        changes = self.box.sync(self.store.cursor(self.account))
        report = Observer(self.store, self.config, me=self.me, now=self.clock(),
                          tracked=self.tracked()).observe(changes.messages)
        if changes.controls or self.store.meta("track_pending"):  # actions.TRACK_PENDING_META
            from .actions import obey, track_pending  # they drive the engine: imported here

            obey(self, changes.controls)  # labels the user put on threads (Gmail)
            track_pending(self)  # `relance track` of a message seen, while no mailbox was open
        with self.store.transaction():
            self.store.set_cursor(self.account, changes.cursor)
            self.store.set_meta("last_sync", self.clock().isoformat())
        return report, changes.drafts_present

    def zone_of(self, invoice: Invoice) -> tzinfo:
        """The client's zone: their setting, else inferred from their messages' Date headers,
        else the user's own."""
        client = self.config.client_for(invoice.client)
        if client.timezone:
            return ZoneInfo(client.timezone)
        return zone_for_dates(self.store.message_dates_from(invoice.client), self.config.zone)

    def language_of(self, invoice: Invoice) -> str:
        return self.config.client_for(invoice.client).language or invoice.language \
            or self.config.language

    def _consolidate(self, invoice: Invoice) -> bool:
        choice = self.config.client_for(invoice.client).consolidate
        return self.config.cadence.consolidate if choice is None else choice

    def plan(self) -> Plan:
        """What should exist now, from the store alone."""
        return self.planner.plan(self.clock())

    def plan_at(self, at: datetime, client: str) -> Plan:
        """What should have existed at ``at`` for the invoices to ``client``, from the events
        known to have happened by then (and the drafts waiting now)."""
        invoices = self.store.invoices_of([client])
        events = {key: [e for e in found if e.at <= at] for key, found in
                  self.store.events_of_invoices(i.key for i in invoices).items()}
        waiting = self.store.drafted_slots().get(client, {})
        return plan(invoices, events, now=at, settings=self.config.cadence,
                    window=self.config.window, calendar=self.calendar, zone_of=self.zone_of,
                    consolidate_for=self._consolidate, kept_slots=waiting)

    def compose(self, followup: PlannedFollowUp, message_id: str) -> EmailMessage:
        """Write the follow-up message for a planned follow-up."""
        invoice = self.store.invoice(followup.invoice_key)
        if invoice is None:
            raise KeyError(followup.invoice_key)
        covered = [inv for key, _ in followup.covers if (inv := self.store.invoice(key))]
        if covered:
            # A statement goes only to the addresses that were on every invoice it speaks for.
            keep = set.intersection(*(set(i.all_recipients) for i in [invoice, *covered]))
            invoice = _only_to(invoice, keep)
        latest = self._latest_in_thread(invoice.key)
        client = self.config.client_for(invoice.client)
        fees = replace(self.config.late_fees, currency=self.config.late_fee_currency)
        return compose_followup(Letter(
            invoice, followup.stage, today=followup.slot.date(), sender=self.config.sender,
            payment=self.config.payment, fees=fees,
            language=self.language_of(invoice), templates=self.templates, message_id=message_id,
            date=followup.slot, latest=LatestMessage(latest[0], tuple(latest[1])),
            attachment=self._attachment(invoice), covered=tuple(covered),
            client_name=client.name,
            **letter_parts(self.config, self.store, self.mailbox, invoice, covered)))

    def _latest_in_thread(self, invoice_key: str) -> tuple[str, list[str]]:
        """The message a follow-up answers: the newest of the invoice, the user's own messages,
        relance's follow-ups and human replies (never a bounce or an auto-reply)."""
        rows = [r for r in self.store.thread_messages(invoice_key)
                if r["kind"] in ("invoice", "own", "followup", "reply", "payment")]
        if not rows:
            return invoice_key, []
        last = rows[-1]
        return last["message_id"], json.loads(last["refs"])

    def _attachment(self, invoice: Invoice) -> tuple[str, str, bytes] | None:
        if not (self.config.followups.attach_original and invoice.attachment):
            return None
        ref = self.store.invoice_mail_ref(invoice.key)
        try:
            raw = self.box.fetch(MailRef.decode(ref))
        except Exception:
            return None
        for found, payload in mail.attachments(mail.parse(raw)):
            if found.filename == invoice.attachment.filename:
                return found.filename, found.content_type, payload
        return None

    def tracked(self) -> frozenset[str]:
        return frozenset(json.loads(self.store.meta(TRACKED_META) or "[]"))

    def next_wakeup(self) -> datetime | None:
        """The next moment a draft is due to go out (the scheduler's alarm), or None."""
        now = self.clock()
        return next(iter(self.store.drafted_slots_after(now)), None)

    # -- the cycle --------------------------------------------------------------------------

    def cycle(self, *, dry_run: bool | None = None) -> CycleReport:
        """Run one whole cycle: settle interrupted sends, sync, plan, apply, send what is due."""
        dry = self.config.mode.dry_run if dry_run is None else dry_run
        applier = Applier(self.store, self.box, domain=self.domain, compose=self.compose,
                          now=self.clock(), dry_run=dry)
        if not dry:
            applier.resolve_interrupted()
        previous = self.store.meta("last_sync")
        observed, drafts = self.sync()
        current = self.plan()
        if not dry:
            self._note_missed(current, previous)
        self._apply(applier, current, drafts)
        if self.config.mode.send_mode == "send":
            self._send_due(applier, current)
        if not dry:
            # the sends wrote to the follow-ups after the last apply, each with its action
            self._applied = applier.applied()
            self.planner.save()
        return CycleReport(observed, current, applier.actions)

    def _apply(self, applier: Applier, current: Plan, drafts: frozenset[str] | None) -> None:
        """Make the mailbox match ``current``: from what the last apply of this engine made
        true (``apply.Applied``) when nothing but this engine's applier wrote to the follow-ups
        since (their version, moved by any write of any process, says so) and every draft of
        relance's is still there; else in full, reading every waiting follow-up."""
        since = self._applied
        if applier.dry_run or since is None or since.version != self.store.followups_version() \
                or self.drafts_lost(drafts):
            since = None
        applier.apply(current, drafts, since)
        if not applier.dry_run:
            self._applied = applier.applied()

    def drafts_lost(self, drafts: frozenset[str] | None) -> bool:
        """Whether a draft relance made is missing from ``drafts`` (None: not known)."""
        if drafts is None:
            return False
        drafted = self.drafted
        before = drafted.version
        drafted.refresh()
        if drafted.version == before and self._listing_held is drafts:
            return False  # the very listing the last look found to hold them all
        if not drafted.ids <= drafts:
            return True
        self._listing_held = drafts
        return False

    def _send_due(self, applier: Applier, current: Plan) -> None:
        mode = self.config.mode
        if not applier.caps.room(mode.max_per_hour, mode.max_per_day):
            return  # the caps are reached: what is due waits, drafted, for them to lift
        if not applier.due_rows(current):
            return
        # One last look at the mailbox right before sending: a reply that landed since the
        # plan was made withdraws its follow-up instead of being answered by a reminder.
        _, drafts = self.sync()
        current = self.plan()
        self._apply(applier, current, drafts)  # a draft the user edited since is found again
        due = applier.due_rows(current)
        for n, row in enumerate(due):
            if not applier.caps.room(mode.max_per_hour, mode.max_per_day):
                applier.defer(row, len(due) - n - 1)  # said once, not for each of them
                return
            invoice = self.store.invoice(row.invoice_key)
            allowed = invoice.all_recipients if invoice else ()
            applier.send(row, allowed=allowed, max_per_hour=mode.max_per_hour,
                         max_per_day=mode.max_per_day, client=invoice.client if invoice else "",
                         per_client_per_day=mode.max_per_client_per_day)

    def _note_missed(self, current: Plan, previous: str | None) -> None:
        """Record the waiting drafts whose slot passed while relance was not running (no cycle
        since before the slot), that would have gone had it run then, and that the plan no
        longer keeps at that slot: they were not caught up within the grace, and the user
        should know the computer was asleep. (A draft replaced before its slot by a statement,
        or withdrawn by a reply that came in the night, was not missed.)"""
        since = datetime.fromisoformat(previous) if previous else None
        now = self.clock()

        def kept(found: Plan, row: FollowUpRow) -> bool:
            return any((f.invoice_key, f.stage.key) == (row.invoice_key, row.stage)
                       and f.slot == row.slot for f in found.followups)

        def client(row: FollowUpRow) -> str:
            invoice = self.store.invoice(row.invoice_key)
            return invoice.client if invoice else ""

        missed = [row for row in self.store.drafted_due(now)
                  if row.invoice_key == row.primary_key
                  and since is not None and since < row.slot and not kept(current, row)
                  and kept(self.plan_at(row.slot, client(row)), row)]
        if not missed:
            return
        entries = [e for e in json.loads(self.store.meta(MISSED_META) or "[]")
                   if datetime.fromisoformat(e["slot"]) > now - _MISSED_KEPT]
        for row in missed:
            entry = {"invoice": row.invoice_key, "stage": row.stage,
                     "slot": row.slot.isoformat()}
            if entry not in entries:
                entries.append(entry)
        with self.store.transaction():
            self.store.set_meta(MISSED_META, json.dumps(entries))


def _only_to(invoice: Invoice, keep: set[str]) -> Invoice:
    return replace(invoice, recipients=tuple(a for a in invoice.recipients if a in keep),
                   cc=tuple(a for a in invoice.cc if a in keep))
