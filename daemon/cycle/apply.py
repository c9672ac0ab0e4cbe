"""Apply: make the mailbox match the plan, and send what is due — at most once.

A planned follow-up becomes a draft in its thread (the user can read, edit or delete it). A
follow-up that should no longer go (the client answered, the invoice was paid) is withdrawn and
its draft removed. A draft the user deleted cancels its stage for good. At its slot a draft is
sent through a recorded state machine:

    planned → drafted → sending → sent        (or cancelled / withdrawn)

``sending`` is stored before the mailbox is asked to send, and a follow-up found in ``sending``
(the process died mid-send) is resolved by looking for its Message-ID in Sent before anything
else is tried: found means sent, never sent twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from ..core import message as mail
from ..core.cadence import Plan
from ..core.errors import RefusedMessageError
from ..core.mailbox import DRAFT_GONE, Mailbox
from ..core.model import Event, EventKind, PlannedFollowUp, StageKind
from ..core.threads import followup_message_id, is_edit_of
from .caps import SendCaps
from .store import FollowUpRow, FollowUpState, Store

Composer = Callable[[PlannedFollowUp, str], EmailMessage]

# A mailbox that files the Sent copy before handing the message over (IMAP: APPEND, then SMTP)
# leaves a copy in Sent when the process dies in between, so a follow-up found there after an
# interruption went out at most once, but maybe not at all: the user is asked to check.
INTERRUPTED_NOTE = ("found in Sent after an interruption; it may not have reached the client: "
                    "check, and resend it from Sent if needed")


@dataclass(frozen=True)
class Action:
    """One thing apply did (or, in a dry run, would do)."""

    verb: str  # drafted, rescheduled, withdrawn, cancelled, sent, already_sent, held, deferred
    invoice_key: str
    stage: str
    message_id: str
    slot: datetime | None = None
    detail: str = ""


def message_id_for(followup: PlannedFollowUp, domain: str) -> str:
    """The deterministic Message-ID of a planned follow-up (a statement has its own)."""
    stage = followup.stage.key
    if followup.stage.kind is StageKind.STATEMENT:
        stage = "statement-" + stage
    return followup_message_id(followup.invoice_key, stage, domain)


# What apply does that leaves the row as the plan asks (a draft made or moved to its slot, a row
# withdrawn): the next apply need not look at it again unless the plan changes. Anything else
# (a follow-up held for the user, to be tried again; a send, a deferral) it looks at again.
_SETTLED_BY_APPLY = frozenset({"drafted", "rescheduled", "withdrawn"})


@dataclass(frozen=True)
class Applied:
    """What an apply made the mailbox match: the planned follow-up of every row it wanted
    (by invoice key and stage), the follow-ups' version once its writes were done, and the
    Message-IDs of the follow-ups it acted on, whose rows the next apply looks at again
    whatever the plan says."""

    wanted: Mapping[tuple[str, str], PlannedFollowUp]
    version: int
    touched: frozenset[str]
    followups: tuple[PlannedFollowUp, ...] = ()  # the plan's, to know it again at once


def _rows_of(followup: PlannedFollowUp) -> list[tuple[str, str]]:
    return [(followup.invoice_key, followup.stage.key), *followup.covers]


class Applier:
    """Makes the mailbox match a plan. ``compose(followup, message_id)`` writes the message."""

    def __init__(self, store: Store, mailbox: Mailbox, *, domain: str, compose: Composer,
                 now: datetime, dry_run: bool = False) -> None:
        self.store = store
        self.mailbox = mailbox
        self.domain = domain
        self.compose = compose
        self.now = now
        self.dry_run = dry_run
        self.actions: list[Action] = []
        self.caps = SendCaps(store, now)
        self._wanted: Mapping[tuple[str, str], PlannedFollowUp] = {}  # by the last apply
        self._followups: tuple[PlannedFollowUp, ...] = ()

    def _act(self, verb: str, row: FollowUpRow | PlannedFollowUp, message_id: str,
             slot: datetime | None = None, detail: str = "") -> None:
        stage = row.stage if isinstance(row, FollowUpRow) else row.stage.key
        self.actions.append(Action(verb, row.invoice_key, stage, message_id, slot, detail))

    # -- drafts -----------------------------------------------------------------------------

    def apply(self, plan: Plan, drafts_present: frozenset[str] | None,
              since: Applied | None = None) -> list[Action]:
        """Create, reschedule, cancel and withdraw drafts so that the mailbox matches ``plan``.

        With ``since``, what an earlier apply made true (and nothing has written to the
        follow-ups since but this applier, nor taken one of relance's drafts away: the caller
        checks both), only the rows whose planned follow-up changed, and those the applier
        acted on since, are looked at: every other row is as that apply left it, and the plan
        asks the same of it. The answer is the one a whole apply gives, at the cost of what
        changed rather than of every follow-up waiting."""
        self._followups = plan.followups
        followups: Iterable[PlannedFollowUp] = plan.followups
        if since is not None and plan.followups is since.followups:  # the very same plan
            wanted = self._wanted = since.wanted
            changed: set[tuple[str, str]] = set()
        else:
            wanted = self._wanted = {pair: f for f in plan.followups for pair in _rows_of(f)}
            changed = set() if since is None else {
                pair for pair in wanted.keys() | since.wanted.keys()
                if (now := wanted.get(pair)) is not (then := since.wanted.get(pair))
                and now != then}
        if since is None:
            rows = self.store.followups(FollowUpState.PLANNED, FollowUpState.DRAFTED)
        else:
            for message_id in since.touched:  # with a statement's rows for other invoices
                changed.update((r.invoice_key, r.stage)
                               for r in self.store.followups_by_message(message_id))
            rows = [row for pair, row in self.store.followups_of(k for k, _ in changed).items()
                    if pair in changed and row.state in (FollowUpState.PLANNED,
                                                         FollowUpState.DRAFTED)]
            planned = dict.fromkeys(wanted[pair] for pair in changed if pair in wanted)
            followups = sorted(planned, key=lambda f: (f.slot, f.invoice_key))  # plan order
        for row in rows:
            if (row.invoice_key, row.stage) not in wanted:
                self._withdraw(row)
        # one query for every planned follow-up's row (no follow-up writes another's row)
        known = self.store.followups_of(f.invoice_key for f in followups)
        for followup in followups:
            self._ensure_draft(followup, drafts_present,
                               known.get((followup.invoice_key, followup.stage.key)))
        return self.actions

    def applied(self) -> Applied:
        """What the mailbox matches after the last ``apply`` and what this applier did since
        (sends): the follow-ups' version as its writes left it, and the messages it acted on
        but for those its action left as the plan asks (each of its writes goes with an
        action naming the message; the rows of those are looked at again by the next
        apply)."""
        touched = frozenset(action.message_id for action in self.actions
                            if action.verb not in _SETTLED_BY_APPLY)
        return Applied(self._wanted, self.store.followups_version(), touched, self._followups)

    def _withdraw(self, row: FollowUpRow) -> None:
        self._act("withdrawn", row, row.message_id, row.slot)
        if self.dry_run:
            return
        draft_id = row.draft_id
        if not draft_id and row.state == FollowUpState.PLANNED:
            draft_id = self.mailbox.find_draft(row.message_id) or ""  # a crash left it unrecorded
        if draft_id:
            self.mailbox.delete_draft(draft_id)
        with self.store.transaction():
            self.store.set_followup_state(row.message_id, FollowUpState.WITHDRAWN,
                                          note="no longer planned")

    def _ensure_draft(self, followup: PlannedFollowUp, present: frozenset[str] | None,
                      row: FollowUpRow | None) -> None:
        mid = message_id_for(followup, self.domain)
        if row is not None and row.message_id == mid and row.state == FollowUpState.DRAFTED:
            if present is not None and row.draft_id not in present:
                if not self._found_edited(row, followup, present):
                    self._cancelled_by_user(row)
            elif row.slot != followup.slot:
                self._act("rescheduled", row, mid, followup.slot)
                if not self.dry_run:
                    # what still needs the user stays said in `relance status`
                    kept = row.note if row.note.startswith(("needs you", "held")) else ""
                    with self.store.transaction():
                        self.store.set_followup_state(mid, FollowUpState.DRAFTED,
                                                      slot=followup.slot, note=kept)
            return
        if row is not None and row.message_id == mid and row.state in (
                FollowUpState.SENT, FollowUpState.SENDING, FollowUpState.CANCELLED):
            return
        self._act("drafted", followup, mid, followup.slot)
        if self.dry_run:
            return
        # Recorded as planned before the mailbox is asked, so that a process killed between
        # creating the draft and recording its id finds that draft again instead of leaving it
        # behind with a twin (the user could send both).
        earlier = None
        if row is not None and row.message_id == mid and row.state == FollowUpState.PLANNED:
            earlier = self.mailbox.find_draft(mid)
        else:
            self._put_rows(followup, mid, FollowUpState.PLANNED, "")
        try:
            draft_id = earlier or self.mailbox.create_draft(self.compose(followup, mid),
                                                            self._thread_id(followup))
        except RefusedMessageError as exc:
            # One follow-up the mailbox refuses waits for the user; the others go on.
            self._held(followup, mid, FollowUpState.PLANNED, f"needs you: {exc}")
            return
        self._put_rows(followup, mid, FollowUpState.DRAFTED, draft_id)

    def _held(self, row: FollowUpRow | PlannedFollowUp, mid: str, state: str,
              note: str) -> None:
        """Keep one follow-up in ``state`` with ``note`` for ``relance status``."""
        with self.store.transaction():
            self.store.set_followup_state(mid, state, note=note)
        self._act("held", row, mid, row.slot, note)

    def _found_edited(self, row: FollowUpRow, followup: PlannedFollowUp,
                      present: frozenset[str]) -> bool:
        """The draft is gone: was it edited rather than deleted? A mail program saves an edit
        as a new message, perhaps with a new Message-ID. Among the drafts relance did not write,
        the one answering in this invoice's thread that is relance's by its mark or its text
        (``threads.is_edit_of``) is the user's edit; it becomes the follow-up's draft again
        under relance's Message-ID, the user's text kept, and goes at the slot."""
        thread = {row.primary_key, *(r["message_id"] for r in self.store.thread_messages(
            row.primary_key))}
        written: str | None = None
        for draft_id in sorted(present - self.store.draft_ids()):
            raw = self.mailbox.get_draft(draft_id)
            if raw is DRAFT_GONE:
                continue
            draft = mail.parse(raw)
            if not set(mail.references(draft)) & thread:
                continue
            if written is None:
                written = mail.text_body(self.compose(followup, row.message_id))
            if is_edit_of(mark=mail.header(draft, "X-Relance-Stage"), text=mail.text_body(draft),
                          stage=row.stage, written=written):
                self._adopt(row, draft_id, draft)
                return True
        return False

    def _adopt(self, row: FollowUpRow, draft_id: str, draft: EmailMessage) -> None:
        """Save the user's edited draft under relance's Message-ID (so that it is sent at most
        once, and found in Sent after a crash), then remove the copy with the new id."""
        self._act("edited", row, row.message_id, row.slot, "the draft you edited goes instead")
        if self.dry_run:
            return
        del draft["Message-ID"]
        draft["Message-ID"] = row.message_id
        saved = self.mailbox.create_draft(draft, self._thread_id_of(row.primary_key))
        self.mailbox.delete_draft(draft_id)
        with self.store.transaction():
            for sibling in self.store.followups_by_message(row.message_id):
                self.store.put_followup(
                    invoice_key=sibling.invoice_key, stage=sibling.stage, kind=sibling.kind,
                    message_id=sibling.message_id, state=sibling.state, slot=sibling.slot,
                    primary_key=sibling.primary_key, draft_id=saved, covers=sibling.covers,
                    note="edited by you")

    def _thread_id_of(self, invoice_key: str) -> str | None:
        invoice = self.store.invoice(invoice_key)
        return invoice.thread_id if invoice else None

    def _put_rows(self, followup: PlannedFollowUp, mid: str, state: str, draft_id: str) -> None:
        with self.store.transaction():
            for invoice_key, stage in _rows_of(followup):
                self.store.put_followup(
                    invoice_key=invoice_key, stage=stage, kind=followup.stage.kind.value,
                    message_id=mid, state=state, slot=followup.slot,
                    primary_key=followup.invoice_key, draft_id=draft_id,
                    covers=followup.covers if invoice_key == followup.invoice_key else ())

    def _thread_id(self, followup: PlannedFollowUp) -> str | None:
        invoice = self.store.invoice(followup.invoice_key)
        return invoice.thread_id if invoice else None

    def _cancelled_by_user(self, row: FollowUpRow) -> None:
        """The user deleted the draft: that stage is cancelled and never written again."""
        self._act("cancelled", row, row.message_id, row.slot, "draft deleted by the user")
        if self.dry_run:
            return
        with self.store.transaction():
            self.store.set_followup_state(row.message_id, FollowUpState.CANCELLED,
                                          note="draft deleted by the user")
            for sibling in self.store.followups_by_message(row.message_id):
                self.store.add_event(sibling.invoice_key, Event(
                    EventKind.FOLLOWUP_CANCELLED, self.now, stage=sibling.stage,
                    message_id=row.message_id, detail="draft deleted"))

    # -- sending ----------------------------------------------------------------------------

    def resolve_interrupted(self) -> None:
        """Settle follow-ups left in ``sending`` by a process that died: sent if Sent has them,
        else back to ``drafted`` for the next slot check."""
        for row in self._distinct(self.store.followups(FollowUpState.SENDING)):
            if self.mailbox.find_sent(row.message_id):
                self._mark_sent(row, INTERRUPTED_NOTE)
                self._remove_draft(row)
            else:
                with self.store.transaction():
                    self.store.set_followup_state(row.message_id, FollowUpState.DRAFTED,
                                                  note="interrupted before sending; will retry")

    def due_rows(self, plan: Plan) -> list[FollowUpRow]:
        """The drafted follow-ups whose slot has come and that the plan still wants."""
        wanted = {(f.invoice_key, f.stage.key) for f in plan.followups}
        return [
            row for row in self._distinct(self.store.drafted_due(self.now))
            if row.slot <= self.now and (row.invoice_key, row.stage) in wanted
            and row.invoice_key == row.primary_key and row.kind != StageKind.THANK_YOU.value
        ]

    def send(self, row: FollowUpRow, *, allowed: Iterable[str], max_per_hour: int,
             max_per_day: int, client: str = "", per_client_per_day: int = 0) -> None:
        """Send one due follow-up, exactly once. ``allowed`` are the addresses that were on the
        invoice: a draft the user readdressed elsewhere is held for the user to send. At most
        ``per_client_per_day`` follow-ups go to ``client`` in one of the client's days (0: no
        such cap), so slots caught up after downtime never arrive as a burst."""
        if not self.caps.room(max_per_hour, max_per_day):
            self._act("deferred", row, row.message_id, row.slot, "hourly or daily limit reached")
            return
        if per_client_per_day and self.caps.sent_to_client_today(row, client) >= per_client_per_day:
            self._act("deferred", row, row.message_id, row.slot,
                      "this client already had its follow-up today")
            return
        if self.dry_run:
            self._act("would_send", row, row.message_id, row.slot)
            return
        with self.store.transaction():
            self.store.set_followup_state(row.message_id, FollowUpState.SENDING)
        if self.mailbox.find_sent(row.message_id):
            self._mark_sent(row, "already in Sent")
            self._remove_draft(row)
            return
        current = self.mailbox.get_draft(row.draft_id)
        if current is DRAFT_GONE:
            with self.store.transaction():
                self.store.set_followup_state(row.message_id, FollowUpState.DRAFTED)
            self._cancelled_by_user(row)
            return
        draft = mail.parse(current)
        strangers = set(mail.addresses(draft, "To", "Cc", "Bcc")) - {a.lower() for a in allowed}
        if strangers:
            note = (f"held: the draft is addressed to {', '.join(sorted(strangers))}, who "
                    "was not on the invoice; send it yourself if that is intended")
            with self.store.transaction():
                self.store.set_followup_state(row.message_id, FollowUpState.DRAFTED, note=note)
            self._act("held", row, row.message_id, row.slot, note)
            return
        if not mail.addresses(draft, "To", "Cc", "Bcc"):
            self._held(row, row.message_id, FollowUpState.DRAFTED,
                       "needs you: the draft has no recipient")
            return
        try:
            self.mailbox.send_draft(row.draft_id)
        except RefusedMessageError as exc:
            self._held(row, row.message_id, FollowUpState.DRAFTED, f"needs you: {exc}")
            return
        self._mark_sent(row, "sent at its slot")

    def _remove_draft(self, row: FollowUpRow) -> None:
        """A follow-up found in Sent must not stay in Drafts too: the user could send it again
        by hand. Removing a draft that is already gone does nothing."""
        if row.draft_id:
            self.mailbox.delete_draft(row.draft_id)

    def _mark_sent(self, row: FollowUpRow, note: str) -> None:
        self._act("sent", row, row.message_id, row.slot, note)
        with self.store.transaction():
            self.store.set_followup_state(row.message_id, FollowUpState.SENT, note=note)
            for sibling in self.store.followups_by_message(row.message_id):
                event = Event(EventKind.FOLLOWUP_SENT, self.now, stage=sibling.stage,
                              message_id=row.message_id)
                if self.store.add_event(sibling.invoice_key, event):
                    self.caps.recent().append((sibling.invoice_key, event))

    def defer(self, row: FollowUpRow, behind: int) -> None:
        """Say once that the caps hold back ``row`` and the ``behind`` follow-ups due after
        it."""
        more = f"; {behind} more due wait with it" if behind else ""
        self._act("deferred", row, row.message_id, row.slot,
                  f"hourly or daily limit reached{more}")

    @staticmethod
    def _distinct(rows: list[FollowUpRow]) -> list[FollowUpRow]:
        """One row per message: a statement's covered rows travel with their primary."""
        seen: set[str] = set()
        kept = []
        for row in sorted(rows, key=lambda r: r.invoice_key != r.primary_key):
            if row.message_id not in seen:
                seen.add(row.message_id)
                kept.append(row)
        return kept
