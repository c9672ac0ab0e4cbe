"""The whole relance cycle on Gmail: the real ``Engine``, store and templates, the Gmail plugin
opened by the wiring's ``open_gmail_mailbox`` from a token file, and the real
google-api-python-client against the Gmail-compatible server of ``tests/gmailfake``, which
hosts both the freelancer's and the client's accounts and delivers mail between them. The clock
is walked forward and the fake's clock follows it, so Gmail's dates and searches agree with the
engine's time."""

from __future__ import annotations

import base64
import json
import random
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httplib2
import pytest

from relance.daemon.cli.wiring import open_gmail_mailbox
from relance.daemon.core.model import SendWindow
from relance.daemon.cycle.config import ClientSettings, GmailSection, default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import FollowUpRow, Store
from relance.gmail.api.mailbox import GmailMailbox
from relance.gmail.api.quota import PER_USER_PER_MINUTE, scopes, units_of
from tests import mails
from tests.clock import Clock
from tests.gmailfake.fixtures import build_service
from tests.gmailfake.server import GmailFake
from tests.gmailfake.store import Message

PARIS = ZoneInfo("Europe/Paris")
ME, CLIENT = mails.ME, mails.CLIENT
# Gmail allows 15,000 quota units per user per minute (Usage limits page; past it, 403/429
# userRateLimitExceeded), and relance cycles at most once a minute (`relance run --sync-every`
# is at least 1), so what one cycle spends is its share of a minute's quota. relance keeps to
# 1% of it: room for a cycle that sends a follow-up (drafts.send alone is 100 units) and reads
# what changed, leaving 99% to the user's own Gmail apps.
CYCLE_BUDGET = PER_USER_PER_MINUTE // 100
IDLE_CYCLE = units_of("history.list")  # an idle cycle is one history.list (2 units)


@dataclass
class World:
    engine: Engine
    clock: Clock
    fake: GmailFake
    me: Any  # the freelancer's own Gmail (what the Gmail web app does on her behalf)
    client: Any  # the client's Gmail
    sleeps: list[float]
    cycle_units: list[int] = field(default_factory=list)  # what each cycle cost, in order
    charged: list[int] = field(default_factory=list)  # what Gmail charged each cycle

    def cycle(self) -> None:
        """Run one cycle of the engine, as the daemon does, recording the quota units it spent
        (every attempt counted) and those Gmail charged (the calls it carried out)."""
        before, billed = self.box.quota.units, self.fake.quota.units[ME]
        try:
            self.engine.cycle()
        finally:
            self.cycle_units.append(self.box.quota.units - before)
            self.charged.append(self.fake.quota.units[ME] - billed)

    @property
    def box(self) -> GmailMailbox:
        return self.engine.mailbox  # type: ignore[return-value]

    def drafts(self) -> list[Message]:
        acc = self.fake.accounts[ME]
        return [acc.messages[d.message_id] for d in acc.drafts.values()]

    def received(self) -> list[Message]:
        """What reached the client's INBOX from relance (its follow-ups)."""
        return [m for m in self.fake.accounts[CLIENT].messages.values()
                if "INBOX" in m.labels and parse(m.raw)["X-Relance-Stage"]]

    def sent_copies(self, message_id: str) -> list[Message]:
        return [m for m in self.fake.accounts[ME].messages.values()
                if "SENT" in m.labels and m.message_id == message_id]

    def client_thread_of(self, message_id: str) -> str:
        acc = self.fake.accounts[CLIENT]
        return next(m.thread_id for m in acc.messages.values() if m.message_id == message_id)


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def b64(message: EmailMessage) -> str:
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = Clock(datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc))
    fake = GmailFake(clock=clock.epoch).start()
    fake.add_account(ME)
    fake.add_account(CLIENT)
    token = tmp_path / "gmail-token.json"
    token.write_text(json.dumps({**fake.credentials(ME), "scopes": list(scopes(False))}))
    token.chmod(0o600)
    config = default_config({"HOME": str(tmp_path)})
    config = replace(
        config, store_path=tmp_path / "relance.sqlite3", timezone="Europe/Paris",
        account=replace(config.account, provider="gmail", address=ME, gmail=GmailSection(
            token_file=token, client_secrets_file=tmp_path / "client.json", labels=False)),
        window=SendWindow(holiday_country="FR"),
        clients=(ClientSettings(match=CLIENT, timezone="Europe/Paris"),))
    sleeps: list[float] = []
    mailbox = open_gmail_mailbox(config, endpoint=fake.url, token_uri=fake.url + "token",
                                 http=httplib2.Http(proxy_info=None), sleep=sleeps.append)
    mailbox.transport.rng = random.Random(11)
    store = Store.open(config.store_path)
    engine = Engine(config=config, store=store, mailbox=mailbox, clock=clock)
    yield World(engine, clock, fake, build_service(fake, ME), build_service(fake, CLIENT), sleeps)
    store.close()
    mailbox.close()
    fake.stop()


def send_invoice(w: World, due: str = "2026-03-12") -> EmailMessage:
    """Claire sends the invoice from Gmail at 08:30; Gmail delivers it to the client."""
    inv = mails.invoice("INV-2026-031", "EUR 1,200.00", due, w.clock.now)
    w.me.users().messages().send(userId="me", body={"raw": b64(inv)}).execute()
    return inv


def client_sends(w: World, message: EmailMessage, in_reply_to: EmailMessage) -> None:
    """The client answers from their Gmail, in their copy of the invoice's thread."""
    thread = w.client_thread_of(str(in_reply_to["Message-ID"]))
    w.client.users().messages().send(userId="me", body={
        "raw": b64(message), "threadId": thread}).execute()


def walk(w: World, until: datetime, step: timedelta = timedelta(hours=6)) -> None:
    """Run the cycle every ``step``, and at each draft's slot, as the daemon's alarms do."""
    while w.clock.now < until:
        wakeup = w.engine.next_wakeup()
        w.clock.now = min(w.clock.now + step, until, *([wakeup] if wakeup else []))
        w.cycle()


# The first Monday after the invoices' due dates: every reminder's draft is written, none due.
BEFORE_SLOT = datetime(2026, 3, 9, 12, tzinfo=timezone.utc)


def at_slot_without_sending_left(w: World) -> tuple[EmailMessage, FollowUpRow]:
    """An invoice walked to its reminder's draft, the account's mail-sending limit used up,
    the clock a minute past the reminder's slot; the invoice and the reminder's row."""
    inv = send_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    row = w.engine.store.followup(str(inv["Message-ID"]), "reminder")
    assert row is not None
    w.box.outbox.clock = w.clock.epoch  # Gmail's "Retry after" is on the walk's time
    w.fake.sending.per_day = 0  # the account has used up its mail-sending limit
    w.clock.now = row.slot + timedelta(minutes=1)
    return inv, row


def assert_within_quota(w: World, *, charged: bool = False) -> None:
    """What a user would check of the quota: no cycle spent more than ``CYCLE_BUDGET`` units,
    and the typical cycle (the median) was an idle one: one ``history.list``. With
    ``charged``, the units Gmail charged (a call refused with a 5xx or a rate limit was not
    carried out; its retry is the one that counts, and a retried drafts.send alone is 100)."""
    units = w.charged if charged else w.cycle_units
    assert units, "no cycle ran"
    assert max(units) <= CYCLE_BUDGET, units
    assert statistics.median_low(units) == IDLE_CYCLE, units


def test_unanswered_invoice_gets_its_reminder_in_the_thread_once(world: World) -> None:
    w = world
    inv = send_invoice(w)
    w.clock.now += timedelta(minutes=30)
    w.cycle()
    assert w.drafts() == []
    walk(w, datetime(2026, 3, 9, 12, tzinfo=timezone.utc))
    (draft,) = w.drafts()
    invoice_thread = w.sent_copies(str(inv["Message-ID"]))[0].thread_id
    assert draft.thread_id == invoice_thread  # shown under the conversation in Gmail
    message = parse(draft.raw)
    assert message["In-Reply-To"] == inv["Message-ID"]
    assert message["Subject"] == "Re: " + inv["Subject"]
    row = w.engine.store.followup(str(inv["Message-ID"]), "reminder")
    slot = row.slot.astimezone(PARIS)
    assert (slot.date().isoformat(), 5 <= slot.hour < 6) == ("2026-03-10", True)
    assert w.received() == []
    walk(w, row.slot + timedelta(minutes=1), step=timedelta(minutes=30))
    (arrived,) = w.received()
    assert arrived.message_id == message["Message-ID"]
    assert arrived.thread_id == w.client_thread_of(str(inv["Message-ID"]))
    (copy,) = w.sent_copies(message["Message-ID"])
    assert copy.thread_id == invoice_thread
    assert w.drafts() == []
    assert w.engine.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"
    walk(w, datetime(2026, 3, 14, tzinfo=timezone.utc))
    assert len(w.received()) == 1  # and never again
    assert_within_quota(w)


def test_a_reply_before_the_slot_sends_nothing_and_removes_the_draft(world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    assert len(w.drafts()) == 1
    slot = w.engine.store.followup(str(inv["Message-ID"]), "reminder").slot
    w.clock.now = slot - timedelta(minutes=1)
    client_sends(w, mails.reply(inv, "Could you add our purchase order number, PO-7781?",
                                w.clock.now), inv)
    w.clock.now = slot + timedelta(seconds=30)
    w.cycle()
    assert w.drafts() == [] and w.received() == []
    walk(w, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert w.received() == []
    assert w.engine.plan().holds[str(inv["Message-ID"])].reason.value == "replied"
    assert_within_quota(w)


def test_out_of_office_postpones_past_the_return_date(world: World) -> None:
    w = world
    inv = send_invoice(w, due="2026-02-20")
    w.clock.now += timedelta(minutes=1)
    client_sends(w, mails.out_of_office(inv, "Je suis absent, de retour le 16 mars. / Away "
                                        "until 16 March.", w.clock.now), inv)
    walk(w, datetime(2026, 3, 20, tzinfo=timezone.utc), step=timedelta(hours=12))
    (first,) = w.received()
    assert parse(first.raw)["X-Relance-Stage"] == "first_notice"
    sent_at = w.engine.store.followup(str(inv["Message-ID"]), "first_notice").slot
    assert sent_at.astimezone(PARIS).date() > datetime(2026, 3, 16).date()
    assert_within_quota(w)


def test_a_bounce_flags_the_invoice_and_nothing_goes_out(world: World) -> None:
    w = world
    inv = send_invoice(w, due="2026-02-20")
    dsn = mails.hard_bounce(inv, w.clock.now + timedelta(minutes=2))
    w.fake.seed(ME, dsn.as_bytes(), {"INBOX", "UNREAD"}, w.fake.now_ms() + 120_000)
    walk(w, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert w.received() == [] and w.drafts() == []
    assert w.engine.plan().holds[str(inv["Message-ID"])].reason.value == "undelivered"
    assert_within_quota(w)


def test_deleting_the_draft_in_gmail_cancels_that_stage(world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    (draft_id,) = w.fake.accounts[ME].drafts
    w.me.users().drafts().delete(userId="me", id=draft_id).execute()
    walk(w, datetime(2026, 3, 13, tzinfo=timezone.utc))
    assert w.received() == []
    assert w.engine.store.followup(str(inv["Message-ID"]), "reminder").state == "cancelled"
    walk(w, datetime(2026, 3, 20, tzinfo=timezone.utc))
    assert [parse(m.raw)["X-Relance-Stage"] for m in w.received()] == ["first_notice"]
    assert_within_quota(w)


def test_the_draft_edited_in_gmail_is_what_goes_out(world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    ((draft_id, draft),) = w.fake.accounts[ME].drafts.items()
    edited = parse(w.fake.accounts[ME].messages[draft.message_id].raw)
    edited.get_body(("plain",)).set_content(
        "Hi Tom, a quick personal nudge about INV-2026-031. Have a good week, Claire")
    thread = w.sent_copies(str(inv["Message-ID"]))[0].thread_id
    w.me.users().drafts().update(userId="me", id=draft_id, body={
        "message": {"raw": b64(edited), "threadId": thread}}).execute()
    walk(w, datetime(2026, 3, 11, tzinfo=timezone.utc), step=timedelta(hours=1))
    (arrived,) = w.received()
    assert "quick personal nudge" in parse(arrived.raw).get_body(("plain",)).get_content()
    assert arrived.thread_id == w.client_thread_of(str(inv["Message-ID"]))
    assert_within_quota(w)


def test_killed_between_drafts_send_and_recording_sends_once(world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    row = w.engine.store.followup(str(inv["Message-ID"]), "reminder")
    # The process died right after Gmail accepted drafts.send, before the store knew.
    with w.engine.store.transaction():
        w.engine.store.set_followup_state(row.message_id, "sending")
    w.box.send_draft(row.draft_id)
    w.clock.now = row.slot + timedelta(hours=1)
    w.cycle()
    w.cycle()
    assert len(w.received()) == 1 and len(w.sent_copies(row.message_id)) == 1
    assert w.engine.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"
    assert_within_quota(w)


def test_expired_history_resyncs_without_losing_or_doubling_anything(world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    assert len(w.drafts()) == 1
    # A week without relance running: Gmail drops the history, and the client answered.
    w.clock.now += timedelta(hours=3)
    client_sends(w, mails.reply(inv, "Paid this morning, sorry for the delay.", w.clock.now),
                 inv)
    w.fake.accounts[ME].expire_history()
    w.fake.quota.reset()
    w.cycle()
    assert w.fake.quota.calls["history.list"] >= 1 and w.fake.quota.calls["messages.list"] >= 1
    assert len(w.engine.store.invoices()) == 1  # the invoice seen again is not a second one
    assert w.drafts() == []
    walk(w, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert w.received() == []
    assert_within_quota(w)


def test_twenty_percent_of_calls_failing_changes_nothing(world: World) -> None:
    w = world
    inv = send_invoice(w)
    w.fake.faults.rate(0.2, ("429", "500"), seed=5)
    walk(w, datetime(2026, 3, 20, tzinfo=timezone.utc), step=timedelta(hours=6))
    w.fake.faults.clear()
    stages = sorted(parse(m.raw)["X-Relance-Stage"] for m in w.received())
    assert stages == ["first_notice", "reminder"]
    for m in w.received():
        assert len(w.sent_copies(m.message_id)) == 1
        assert m.thread_id == w.client_thread_of(str(inv["Message-ID"]))
    assert sum(w.fake.faults.injected.values()) > 20 and len(w.sleeps) > 20
    assert_within_quota(w, charged=True)
