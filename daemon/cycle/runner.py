"""`relance run`: the loop that lives beside the mailbox and wakes the cycle at the right moments.

APScheduler is only the alarm clock. Its jobs never touch the store or the mailbox: each one
drops a wake-up reason into a queue, and the main thread — the one that opened the SQLite store —
runs the cycle. The jobs are rebuilt from the store at start and after every cycle (a sync on an
interval, one alarm per drafted follow-up at its slot), so nothing depends on a job surviving a
restart, and a crash loses no more than an alarm that the next start sets again.

Mailbox trouble is of two kinds (``daemon/errors.py``): a transient failure is logged and retried
with a growing delay; a permanent one (a revoked token, a changed password) stops all sending,
is recorded in the store's meta under ``MAILBOX_PROBLEM_META`` for ``relance status``, and the
daemon stays alive, trying to reconnect at each sync until the user has fixed it. A sending
limit (``SendingLimitError``: Gmail's daily mail-sending limit, which lasts hours) is neither:
the cycle goes on without sending until the time the service gave (``sendlimit.py``).
"""

from __future__ import annotations

import json
import logging
import queue
import time as clocks
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from email.message import EmailMessage

from apscheduler.schedulers.background import BackgroundScheduler

from ..core.errors import PermanentMailboxError, SendingLimitError, TransientMailboxError
from ..core.mailbox import Mailbox
from .engine import CycleReport, Engine
from .sendlimit import limited_until, note_limit

MAILBOX_PROBLEM_META = "mailbox_problem"  # JSON {"since", "error"}; "" or absent: all is well
PUSH_META = "push_connected"  # "yes", "no"; absent where the mailbox has no push (IDLE)
PAUSED_ALL_META = "paused_all"  # JSON {"since", "until"}; absent when not paused
LAST_CYCLE_META = "daemon_last_cycle"  # ISO moment of the daemon's last complete cycle
DIGEST_META = "digest_last_day"  # the ISO date of the last day a digest was due

WAKE_START = "start"
WAKE_SYNC = "sync"
WAKE_SLOT = "slot"
WAKE_RETRY = "retry"
WAKE_PUSH = "push"  # IMAP IDLE or Gmail push saw something new
_STOP = "stop"

Clock = Callable[[], datetime]


class NoDigest:
    """The named answer for "the day gave nothing worth an e-mail"."""


NO_DIGEST = NoDigest()

# Given the engine and now, the day's digest as an e-mail from and to the user, or NO_DIGEST.
# What it says is the CLI's business (``relance.daemon.cli.digest``); when it goes is the runner's.
DigestWriter = Callable[[Engine, datetime], EmailMessage | NoDigest]
# Told the next slot whenever it changes (None: no slot waits), to wake the machine for it
# (the CLI's systemd wake timer, ``relance.daemon.cli.wake``).
WakeArmer = Callable[["datetime | None"], None]


@dataclass(frozen=True)
class RunSettings:
    """How often the daemon looks, and how it backs off."""

    sync_every: timedelta = timedelta(minutes=5)
    # A sync that finds nothing new skips planning; the plan is still made again this often,
    # for what only time changes (a stage's first day, the end of a pause or an absence).
    replan_every: timedelta = timedelta(hours=1)
    backoff_first: timedelta = timedelta(minutes=1)
    backoff_max: timedelta = timedelta(minutes=30)
    speed: float = 1.0  # clock seconds per real second: 1 except under a test's fake clock
    digest_at: time | None = None  # the daily digest's hour in the user's zone; None: no digest


class ScaledClock:
    """A clock that starts at ``start`` and runs on ``speed`` times as fast as the real one:
    ``relance --now`` / ``RELANCE_NOW`` at speed 1; the test suite's launcher runs faster."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        self.start = start
        self.speed = speed
        self._origin = clocks.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(clocks.monotonic() - self._origin) * self.speed)


@dataclass(frozen=True)
class StepOutcome:
    """What one wake-up did: ``ran`` a full cycle, or why not (``detail``)."""

    ran: bool
    report: CycleReport | None = None
    detail: str = ""


class Runner:
    """The daemon around one engine. ``reopen`` connects to the mailbox again after it failed;
    ``digest`` writes the daily digest that goes out at ``settings.digest_at`` (none without it).
    """

    def __init__(self, engine: Engine, *, reopen: Callable[[], Mailbox], settings: RunSettings,
                 log: logging.Logger, digest: DigestWriter | None = None,
                 wake: WakeArmer | None = None) -> None:
        self.engine = engine
        self.arm_wake = wake
        self._armed_for: tuple[datetime | None] | None = None
        self.reopen = reopen
        self.settings = settings
        self.log = log
        self.digest = digest
        self.wakeups: queue.SimpleQueue[str] = queue.SimpleQueue()  # put() is signal-safe
        self.stopping = False
        self.held = bool(engine.store.meta(MAILBOX_PROBLEM_META))
        self._backoff = settings.backoff_first
        self._planned_at: datetime | None = None
        self._planned_on: int | None = None  # the newest event the last plan saw
        # set by the IDLE watcher's thread, written to the store by this one (SQLite's
        # connection belongs to the thread that opened it)
        self.push_connected: bool | None = None
        self._push_recorded: bool | None = None
        self._scheduler = BackgroundScheduler(timezone=timezone.utc, daemon=True)

    # -- the alarm clock --------------------------------------------------------------------

    def wake(self, reason: str) -> None:
        """Ask the main loop for a cycle (from a job, an IDLE listener or a signal handler)."""
        self.wakeups.put(reason)

    def stop(self, *_signal: object) -> None:
        """Finish the step in flight, then leave the loop (SIGTERM and SIGINT land here)."""
        self.stopping = True
        self.wakeups.put(_STOP)

    def _real(self, span: timedelta) -> float:
        return max(span.total_seconds() / self.settings.speed, 0.001)

    def reschedule(self) -> list[datetime]:
        """Set the alarm for the next slot of a drafted follow-up (the cycle it wakes sets the
        one after, as every full cycle does); return the slots set."""
        for job in self._scheduler.get_jobs():
            if job.id.startswith("slot:"):
                job.remove()
        if self.held or self._paused_all() or not self._may_send():
            return []
        now = self.engine.clock()
        limited = self._sending_limited()  # no slot comes before a sending limit's end
        slots = [limited] if limited else self.engine.store.drafted_slots_after(now)[:1]
        real_now = datetime.now(timezone.utc)
        for slot in slots:
            # one second late, so that the slot has surely come when the cycle reads the clock
            fire = real_now + timedelta(seconds=self._real(slot - now + timedelta(seconds=1)))
            self._scheduler.add_job(self.wake, "date", run_date=fire, args=[WAKE_SLOT],
                                    id=f"slot:{slot.isoformat()}", misfire_grace_time=None)
        self._rearm(slots[0] if slots else None)
        return slots

    def _rearm(self, first: datetime | None) -> None:
        """Re-arm the machine's wake for the next slot when it changed; a failure is logged."""
        if self.arm_wake is None or self._armed_for == (first,):
            return
        self._armed_for = (first,)
        try:
            self.arm_wake(first)
        except OSError as exc:
            self.log.warning("could not set the wake for the next slot: %s", exc,
                             extra={"fields": {"event": "wake_not_set"}})

    def _may_send(self) -> bool:
        mode = self.engine.config.mode
        return mode.send_mode == "send" and not mode.dry_run

    def _retry_later(self) -> None:
        delay = self._backoff
        self._backoff = min(self._backoff * 2, self.settings.backoff_max)
        fire = datetime.now(timezone.utc) + timedelta(seconds=self._real(delay))
        self._scheduler.add_job(self.wake, "date", run_date=fire, args=[WAKE_RETRY],
                                id="retry", replace_existing=True, misfire_grace_time=None)
        self.log.info("next try in %d s", delay.total_seconds(),
                      extra={"fields": {"event": "backoff", "seconds": delay.total_seconds()}})

    # -- the loop ---------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> None:
        """Run until ``stop``: a cycle now, then one at each wake-up. With ``once``, only the
        first cycle."""
        self.log.info("relance started on %s", self.engine.store.path,
                      extra={"fields": {"event": "start"}})
        if once:
            self.step(WAKE_START)
            return
        self._scheduler.start()
        self._scheduler.add_job(self.wake, "interval", args=[WAKE_SYNC], id="sync",
                                seconds=self._real(self.settings.sync_every),
                                misfire_grace_time=None, coalesce=True)
        try:
            self.wake(WAKE_START)
            while not self.stopping:
                reason = self.wakeups.get()
                if reason == _STOP or self.stopping:
                    break
                self._drain()
                self.step(reason)
        finally:
            self._scheduler.shutdown(wait=False)
            self.log.info("relance stopped", extra={"fields": {"event": "stop"}})

    def _drain(self) -> None:
        """Merge wake-ups that piled up while a cycle ran: one cycle serves them all."""
        while True:
            try:
                reason = self.wakeups.get_nowait()
            except queue.Empty:
                return
            if reason == _STOP:
                self.stopping = True
                self.wakeups.put(_STOP)
                return

    def step(self, reason: str) -> StepOutcome:
        """One wake-up: a full cycle, or for a routine sync that brought nothing new, the sync
        alone. Mailbox errors are handled here; anything else propagates."""
        try:
            if self.held and not self._reconnect():
                return StepOutcome(False, detail="mailbox problem")
            if reason == WAKE_SYNC and self._nothing_new():
                self._digest_if_due()
                return StepOutcome(False, detail="nothing new")
            paused = self._paused_all()
            if paused:
                self.log.info("paused for every invoice: nothing is sent",
                              extra={"fields": {"event": "paused", "reason": reason}})
            report = self._cycle_within_limit(send=not paused)
            self._planned_at, self._planned_on = self.engine.clock(), self._fingerprint()
        except (TransientMailboxError, OSError) as exc:
            self.log.warning("mailbox unavailable, will retry: %s", exc,
                             extra={"fields": {"event": "transient_error"}})
            self._retry_later()
            return StepOutcome(False, detail=str(exc))
        except PermanentMailboxError as exc:
            self._hold(exc)
            return StepOutcome(False, detail=str(exc))
        self._backoff = self.settings.backoff_first
        self._log_report(report, reason)
        with self.engine.store.transaction():
            self.engine.store.set_meta(LAST_CYCLE_META, self.engine.clock().isoformat())
            if self.push_connected is not self._push_recorded:
                self._push_recorded = self.push_connected
                self.engine.store.set_meta(PUSH_META, "yes" if self.push_connected else "no")
        self.reschedule()
        self._digest_if_due()
        return StepOutcome(True, report)

    def _digest_if_due(self) -> None:
        """Send the day's digest to the user once its hour has come (at most once a day: the
        day is recorded before the message goes)."""
        at = self.settings.digest_at
        if at is None or self.digest is None or self.held or self._sending_limited():
            return
        engine, store = self.engine, self.engine.store
        now = engine.clock()
        local = now.astimezone(engine.config.zone)
        if local.time() < at or store.meta(DIGEST_META) == local.date().isoformat():
            return
        message = self.digest(engine, now)
        with store.transaction():
            store.set_meta(DIGEST_META, local.date().isoformat())
        if isinstance(message, NoDigest):
            return
        try:
            engine.box.send_draft(engine.box.create_draft(message, None))
        except SendingLimitError as exc:  # the day's digest is skipped, the daemon goes on
            self._note_sending_limit(exc)
            return
        self.log.info("digest sent to %s", engine.me, extra={"fields": {"event": "digest"}})

    def _nothing_new(self) -> bool:
        """Sync, and say whether planning again would be wasted: nothing the plan reads has
        changed (invoices, events, the drafts the user kept) and the last plan is recent.
        Sends happen only in full cycles, which always plan again first."""
        _, drafts = self.engine.sync()
        if self._planned_at is None or self._planned_on is None:
            return False
        if self.engine.clock() - self._planned_at >= self.settings.replan_every:
            return False
        # the user's own drafts come and go; only the loss of one of relance's matters
        return self.engine.store.newest_event() == self._planned_on \
            and not self.engine.drafts_lost(drafts)

    def _fingerprint(self) -> int:
        """What the plan depends on that can change between two plans, but the drafts: the
        newest event (events are only added, each with a higher id; every new invoice comes
        with its "sent" event)."""
        return self.engine.store.newest_event()

    def _cycle_within_limit(self, *, send: bool) -> CycleReport:
        """A cycle that does not send while a sending limit lasts; one that meets the limit
        records it and runs again without sending, so the rest of the cycle (drafts, a
        follow-up withdrawn after a reply) is not lost with the send it could not make."""
        if not send or self._sending_limited() is not None:
            return self._cycle(send=False)
        try:
            return self._cycle(send=True)
        except SendingLimitError as exc:
            self._note_sending_limit(exc)
            return self._cycle(send=False)

    def _sending_limited(self) -> datetime | None:
        return limited_until(self.engine.store, self.engine.clock())

    def _note_sending_limit(self, exc: SendingLimitError) -> None:
        until = note_limit(self.engine.store, exc, self.engine.clock()).isoformat()
        self.log.warning("%s's sending limit: nothing is sent before %s: %s", exc.service,
                         until, exc, extra={"fields": {"event": "sending_limit", "until": until}})

    def _cycle(self, *, send: bool) -> CycleReport:
        """One engine cycle; with ``send`` false it may draft and withdraw but never send."""
        if send:
            return self.engine.cycle()
        config = self.engine.config
        self.engine.config = replace(config, mode=replace(config.mode, send_mode="draft_only"))
        try:
            return self.engine.cycle()
        finally:
            self.engine.config = config

    # -- trouble ----------------------------------------------------------------------------

    def _hold(self, exc: PermanentMailboxError) -> None:
        """Stop acting on the mailbox until it works again; tell ``relance status`` why."""
        self.held = True
        problem = {"since": self.engine.clock().isoformat(), "error": str(exc)}
        with self.engine.store.transaction():
            self.engine.store.set_meta(MAILBOX_PROBLEM_META, json.dumps(problem))
        self.log.error("the mailbox refused relance; nothing will be sent until this is fixed "
                       "(the daemon keeps trying at each sync): %s", exc,
                       extra={"fields": {"event": "permanent_error"}})
        self.reschedule()

    def _reconnect(self) -> bool:
        """Try the mailbox again after a permanent error; True once it answers."""
        try:
            if self.engine.mailbox is not None:
                self.engine.mailbox.close()
            self.engine.mailbox = self.reopen()
            self.engine.sync()
        except (PermanentMailboxError, TransientMailboxError, OSError) as exc:
            self.log.warning("the mailbox still refuses: %s", exc,
                             extra={"fields": {"event": "still_held"}})
            return False
        self.held = False
        with self.engine.store.transaction():
            self.engine.store.set_meta(MAILBOX_PROBLEM_META, "")
        self.log.info("the mailbox answers again; resuming",
                      extra={"fields": {"event": "resumed"}})
        return True

    def _paused_all(self) -> bool:
        return paused_all_until(self.engine.store.meta(PAUSED_ALL_META),
                                self.engine.clock().date()) is not NOT_PAUSED

    def _log_report(self, report: CycleReport, reason: str) -> None:
        seen = report.observed
        self.log.info("cycle (%s): %d new invoice(s), %d new event(s), %d action(s)", reason,
                      len(seen.invoices), len(seen.events), len(report.actions),
                      extra={"fields": {"event": "cycle", "reason": reason,
                                        "invoices": len(seen.invoices),
                                        "events": len(seen.events)}})
        for action in report.actions:
            slot = action.slot.isoformat(timespec="minutes") if action.slot else ""
            self.log.info("%s: %s %s %s", action.verb, action.invoice_key, action.stage, slot,
                          extra={"fields": {"event": action.verb, "invoice": action.invoice_key,
                                            "stage": action.stage, "slot": slot,
                                            "message_id": action.message_id}})


class _NotPaused:
    """The named answer for "no global pause is in force"."""


NOT_PAUSED = _NotPaused()
UNTIL_RESUMED = date.max


def paused_all_until(meta: str | None, today: date) -> date | _NotPaused:
    """The last day of the global pause recorded in ``meta`` (``UNTIL_RESUMED`` when open),
    or ``NOT_PAUSED`` when none is in force on ``today``."""
    if not meta:
        return NOT_PAUSED
    until = json.loads(meta).get("until")
    last = date.fromisoformat(until) if until else UNTIL_RESUMED
    return last if today <= last else NOT_PAUSED
