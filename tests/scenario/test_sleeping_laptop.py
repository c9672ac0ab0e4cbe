"""Issue 12's "done when": a laptop asleep from 00:00 to 07:00 every night for three weeks, twenty
invoices (``tests/scenario/sleepy.py``), on the folder mailbox and on Dovecot with a real SMTP
server. With the missed-slot grace on (the default, until 10:00), every follow-up an always-on
machine sends goes out the same business morning, none twice, none on a weekend or a holiday,
none after a reply; with the grace off, nothing goes and every missed slot is told to the user
in `relance status`, the digest and the report. The Dovecot and Gmail walks are checked
against the folder mailbox's always-on one: the same follow-ups on the same days."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from relance.daemon.cli.digest_hook import daily_digest
from relance.daemon.cli.report import gather
from relance.daemon.cli.status import attention, health, invoice_rows
from relance.daemon.cli.wiring import open_imap_mailbox, open_mailbox
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import MISSED_META, Engine
from relance.daemon.cycle.store import Store
from tests import mails
from tests.clock import Clock
from tests.scenario import sleepy
from tests.scenario.sleepy import END, PARIS, START, Sent, Walk
from tests.servers.dovecot import DovecotServer, MailUser
from tests.servers.smtp import DeliveringSmtpServer

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class FolderBackend:
    """The folder mailbox of the sample provider; ``outbox/`` stands for what was delivered."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.me = mails.ME
        (root / "outbox").mkdir(parents=True)

    def client_address(self, n: int) -> str:
        return f"accounts@client-{n}.example"

    def file_sent(self, message: EmailMessage) -> None:
        mails.file_into(self.root / "sent", str(message["Message-ID"]).strip("<>"), message)

    def deliver(self, message: EmailMessage) -> None:
        mails.file_into(self.root / "inbox", str(message["Message-ID"]).strip("<>"), message)

    def received(self) -> list[EmailMessage]:
        return list(sleepy.eml_files(self.root / "outbox"))


class ImapBackend:
    """A Dovecot account: the mail program files the invoices in Sent, the clients' replies
    land in the Inbox, and what relance sent is what the SMTP server accepted from it."""

    def __init__(self, dovecot: DovecotServer, smtp: DeliveringSmtpServer, me: MailUser,
                 clients: list[MailUser]) -> None:
        self.dovecot, self.smtp, self.user, self.clients = dovecot, smtp, me, clients
        self.me = me.address

    def client_address(self, n: int) -> str:
        return self.clients[n].address

    def _append(self, folder: str, message: EmailMessage, flags: list[bytes]) -> None:
        with IMAPClient(self.dovecot.host, self.dovecot.imap_port, ssl=False, timeout=10) as c:
            c.login(self.user.address, self.user.password)
            c.append(folder, message.as_bytes(policy=message.policy.clone(linesep="\r\n")),
                     flags=flags)

    def file_sent(self, message: EmailMessage) -> None:
        self._append("Sent", message, [b"\\Seen"])

    def deliver(self, message: EmailMessage) -> None:
        self._append("INBOX", message, [])

    def received(self) -> list[EmailMessage]:
        return [m for a in self.smtp.received if a.login == self.me
                if (m := sleepy.parse(a.content))["X-Relance-Stage"]]


def _folder_walk(root: Path, *, asleep: bool, missed_until: str = "10:00") -> Walk:
    root.mkdir(parents=True)
    path = root / "config.toml"
    account = f'[account]\nprovider = "sample"\naddress = "{mails.ME}"\n'
    path.write_text(sleepy.config_text(account, store=root / "relance.sqlite3",
                                       missed_until=missed_until), encoding="utf-8")
    config = load_config(path, {"HOME": str(root)})
    clock = Clock(START)
    backend = FolderBackend(root / "mailbox")
    engine = Engine(config=config, store=Store.open(config.store_path),
                    mailbox=open_mailbox(config, clock=clock), clock=clock)
    walk = Walk(engine, clock, backend, asleep)
    sleepy.send_invoices(walk)
    return walk


@pytest.fixture(scope="module")
def always_on(tmp_path_factory: pytest.TempPathFactory) -> list[Sent]:
    """What a machine that never sleeps sends over the three weeks, on the folder mailbox."""
    walk = _folder_walk(tmp_path_factory.mktemp("always-on") / "w", asleep=False)
    sleepy.run(walk)
    sends = sleepy.sent(walk)
    walk.engine.store.close()
    return sends


def _day_plan(sends: list[Sent]) -> set[tuple[str, str, object]]:
    return {(s.number, s.stage, s.at.date()) for s in sends}


def _check_caught_up(walk: Walk, always_on: list[Sent]) -> list[Sent]:
    """The checks a user would make of the sleeping laptop's three weeks; returns its sends."""
    sends = sleepy.sent(walk)
    assert len(always_on) >= 15, "the walk must have plenty of follow-ups falling due"
    # Everything the always-on machine sent went, on the same day, from the sleeping laptop.
    assert _day_plan(sends) == _day_plan(always_on)
    for s in sends:
        assert sleepy.business_day(s.at.date()), f"{s} went on a weekend or a holiday"
        assert time(5, 0) <= s.at.time() < time(10, 0), f"{s} went outside its grace"
        reply = walk.replied.get(s.number)
        assert reply is None or s.at < reply, f"{s} went after the client's reply"
    assert all(n == 1 for n in Counter((s.number, s.stage) for s in sends).values())
    per_client_day = Counter((s.client, s.at.date(), s.message_id) for s in sends)
    assert all(n == 1 for n in Counter((c, d) for c, d, _ in per_client_day).values())
    # What the clients received: each follow-up once, nothing else from relance.
    received = Counter(str(m["Message-ID"]).strip() for m in walk.backend.received())
    assert received == Counter({s.message_id for s in sends})
    # The nights did matter: most slots passed while the laptop slept and were caught at 07:00.
    assert sum(1 for s in sends if s.at.time() >= time(7, 0)) >= len(sends) // 2
    assert not (walk.engine.store.meta(MISSED_META) or "[]").strip("[]")
    # The reply that landed in the night withdrew the follow-up drafted for that very morning.
    index, night, _ = sleepy.REPLIES[0]
    store = walk.engine.store
    withdrawn = [r for r in store.followups() if r.state == "withdrawn"
                 and (found := store.invoice(r.invoice_key)) and found.number == sleepy.INVOICES[
                     index][0]]
    assert [r.slot.date() for r in withdrawn] == [night.date()]
    return sends


def test_a_laptop_asleep_every_night_sends_what_an_always_on_machine_sends(
        tmp_path: Path, always_on: list[Sent]) -> None:
    walk = _folder_walk(tmp_path / "w", asleep=True)
    sleepy.run(walk)
    _check_caught_up(walk, always_on)
    assert not [n for n in _notes(walk) if "not running" in n]
    walk.engine.store.close()


def test_the_replies_in_the_walk_stop_their_follow_ups(always_on: list[Sent]) -> None:
    # The scenario's own check: each replied invoice had a follow-up due after its reply on the
    # always-on machine's plan were it not for the reply, so "none after a reply" is tested.
    replied = {sleepy.INVOICES[i][0]: when for i, when, _ in sleepy.REPLIES}
    for number, when in replied.items():
        assert all(s.at < when for s in always_on if s.number == number)
        assert any(s.number == number for s in always_on)


def _notes(walk: Walk) -> list[str]:
    store, now = walk.engine.store, walk.clock.now
    followups = store.followups()
    rows = invoice_rows(store.invoices(), store.events(), walk.engine.plan(), followups,
                        now.astimezone(PARIS).date())
    return attention(rows, health(store.meta), followups)


def test_with_the_grace_off_every_missed_slot_is_told_to_the_user(tmp_path: Path) -> None:
    walk = _folder_walk(tmp_path / "w", asleep=True, missed_until="off")
    sleepy.run(walk)
    assert sleepy.sent(walk) == []  # every slot, 05:xx, passed while the laptop slept
    missed = health(walk.engine.store.meta)["missed_slots"]
    assert isinstance(missed, list) and len(missed) >= 10
    # "this week": the seven days before relance last looked at the mailbox
    last_look = datetime.fromisoformat(walk.engine.store.meta("last_sync") or "")
    week = [m for m in missed if last_look - timedelta(days=7) < datetime.fromisoformat(m["slot"])]
    assert all(sleepy.business_day(datetime.fromisoformat(m["slot"]).date())
               and time(5) <= datetime.fromisoformat(m["slot"]).time() < time(6) for m in missed)
    (note,) = [n for n in _notes(walk) if "not running" in n]
    assert note.startswith(f"relance was not running at {len(week)} slots this week "
                           "(computer asleep?) — keep it on an always-on machine, or widen "
                           "the window")
    stages = {m["stage"] for m in missed}
    assert "reminder" in stages  # once silently withdrawn when its last day passed
    digest = daily_digest(walk.engine, walk.clock.now)
    assert isinstance(digest, EmailMessage)
    assert note in digest.get_content().replace("\n    ", " ")
    report = gather(walk.engine.store, walk.engine.plan(), now=walk.clock.now, zone=PARIS)
    assert report.needs_you == (note,)
    walk.engine.store.close()


def test_on_dovecot_the_sleeping_laptop_sends_the_same_follow_ups(
        tmp_path: Path, always_on: list[Sent], dovecot: DovecotServer,
        smtp_server: DeliveringSmtpServer, parties) -> None:
    me = parties.freelancer
    smtp_server.add_account(me.address, me.password)
    clients = [dovecot.add_user(f"{me.address.split('@')[0]}-client{n}")
               for n in range(sleepy.CLIENTS)]
    password = tmp_path / "imap-password"
    password.write_text(me.password + "\n")
    password.chmod(0o600)
    account = (f'[account]\nprovider = "imap"\naddress = "{me.address}"\n\n'
               f'[account.imap]\nhost = "{dovecot.host}"\nport = {dovecot.imap_port}\n'
               f'tls = "none"\npassword_file = "{password}"\n\n'
               f'[account.smtp]\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\n'
               'tls = "none"\n')
    path = tmp_path / "config.toml"
    path.write_text(sleepy.config_text(account, store=tmp_path / "relance.sqlite3",
                                       missed_until="10:00"), encoding="utf-8")
    config = load_config(path, {"HOME": str(tmp_path)})
    clock = Clock(START)
    backend = ImapBackend(dovecot, smtp_server, me, clients)
    mailbox = open_imap_mailbox(config, clock=clock)
    engine = Engine(config=config, store=Store.open(config.store_path), mailbox=mailbox,
                    clock=clock)
    walk = Walk(engine, clock, backend, asleep=True)
    sleepy.send_invoices(walk)
    try:
        sleepy.run(walk)
        assert walk.clock.now >= END
        _check_caught_up(walk, always_on)
    finally:
        engine.store.close()
        mailbox.close()


class GmailBackend:
    """The freelancer's account on the Gmail-compatible test server (``tests/gmailfake``,
    through the crash harness's backend), every client's account on it too."""

    def __init__(self, root: Path, fake, clock) -> None:
        from tests.crash.gmail_backend import GmailBackend as Accounts
        self.accounts = Accounts(root, fake, clock)
        self.me = self.accounts.address
        self._clients: dict[int, str] = {}

    def client_address(self, n: int) -> str:
        if n not in self._clients:
            self._clients[n] = self.accounts.client(f"client-{n}")
        return self._clients[n]

    def at(self, now: datetime) -> None:
        self.accounts.at(now)

    def file_sent(self, message: EmailMessage) -> None:
        self.accounts.file_sent("", message)

    def deliver(self, message: EmailMessage) -> None:
        self.accounts.file_inbox("", message)

    def received(self) -> list[EmailMessage]:
        return [sleepy.parse(raw) for raw in self.accounts.take_deliveries()]


@pytest.fixture(scope="module")
def gmail_fake():
    from tests.crash.gmail_backend import WalkClock
    from tests.gmailfake.server import GmailFake

    clock = WalkClock()
    with GmailFake(clock=clock) as fake:
        yield fake, clock


def test_on_the_gmail_test_server_the_sleeping_laptop_sends_the_same_follow_ups(
        tmp_path: Path, always_on: list[Sent], gmail_fake) -> None:
    from relance.daemon.cli.wiring import open_gmail_mailbox

    fake, fake_clock = gmail_fake
    backend = GmailBackend(tmp_path / "gmail", fake, fake_clock)
    backend.at(START)
    path = tmp_path / "config.toml"
    path.write_text(sleepy.config_text(backend.accounts.account_config(),
                                       store=tmp_path / "relance.sqlite3",
                                       missed_until="10:00"), encoding="utf-8")
    config = load_config(path, {"HOME": str(tmp_path)})
    clock = Clock(START)
    mailbox = open_gmail_mailbox(config, endpoint=str(fake.url),
                                 token_uri=str(fake.url).rstrip("/") + "/token")
    engine = Engine(config=config, store=Store.open(config.store_path), mailbox=mailbox,
                    clock=clock)
    walk = Walk(engine, clock, backend, asleep=True)
    sleepy.send_invoices(walk)
    try:
        sleepy.run(walk)
        mailbox.close()  # what reached the clients is known once every connection closed
        _check_caught_up(walk, always_on)
    finally:
        engine.store.close()
        mailbox.close()
