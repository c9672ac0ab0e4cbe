"""The whole relance cycle on IMAP: the real ``Engine``, store and templates, and the IMAP plugin
opened by the wiring's ``open_imap_mailbox`` from a configuration file and a password file,
against a real Dovecot holding the freelancer's and the client's accounts and a real SMTP server
that delivers between them over LMTP.

Everything around relance is done the way people and machines do it: the freelancer's mail
program sends the invoice through SMTP and files its copy in Sent, the client answers through
SMTP, a mail server returns a DSN over LMTP, the freelancer deletes or rewrites a draft from
another IMAP connection. The clock is injected and walked forward; what relance writes (draft
dates, the Date of what it sends) follows it, while the servers' own arrival times stay real.
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from imapclient import IMAPClient

from relance.daemon.cli.status import InvoiceRow, invoice_rows
from relance.daemon.cli.wiring import open_imap_mailbox, open_mailbox
from relance.daemon.core.errors import PermanentMailboxError, TransientMailboxError
from relance.daemon.core.mailbox import Folder
from relance.daemon.core.model import EventKind
from relance.daemon.cycle.config import Config, load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store
from relance.gmail.imap.mailbox import ImapMailbox
from tests.clock import Clock
from tests.servers.dovecot import DovecotServer, MailUser
from tests.servers.smtp import DeliveringSmtpServer

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc)  # a Tuesday morning in Paris
# The test SMTP server takes AUTH without TLS on loopback; aiosmtpd warns about that each time.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


# -- the mail the people around relance write ---------------------------------------------------

def invoice(me: MailUser, client: MailUser, number: str, due: date, sent: datetime) -> EmailMessage:
    """A French invoice as a translator's mail program sends it."""
    msg = EmailMessage()
    msg["From"] = f"Jonas Weber <{me.address}>"
    msg["To"] = f"Léa Fontaine <{client.address}>"
    msg["Subject"] = f"Facture {number} — traduction du catalogue d'automne"
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{number.lower()}.{sent:%Y%m%d}@weber-traductions.example.test>"
    msg.set_content(
        f"Bonjour Léa,\n\nVous trouverez ci-dessous ma facture pour la traduction allemand → "
        f"français du catalogue d'automne (38 pages).\n\nFacture n° {number}\n"
        f"Date de facture : {sent:%d/%m/%Y}\nDate d'échéance : {due:%d/%m/%Y}\n"
        "Montant total TTC : 1 440,00 €\n\nRèglement par virement sur le compte "
        "FR76 1027 8060 4100 0203 4880 146.\n\nMerci pour cette belle collaboration,\n"
        "Jonas Weber\nWeber Traductions\n")
    return msg


def answer(to: EmailMessage, client: MailUser, text: str, when: datetime, *,
           tag: str = "re") -> EmailMessage:
    """The client's answer in the invoice's thread, quoting it below."""
    msg = EmailMessage()
    msg["From"] = f"Léa Fontaine <{client.address}>"
    msg["To"] = str(to["From"])
    msg["Subject"] = "RE: " + str(to["Subject"])
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{tag}.{when:%Y%m%d%H%M%S}@editions-fontaine.example.test>"
    msg["In-Reply-To"] = str(to["Message-ID"])
    msg["References"] = str(to["Message-ID"])
    quoted = "\n".join("> " + line for line in to.get_content().splitlines())
    msg.set_content(f"{text}\n\nLe {to['Date']}, Jonas Weber a écrit :\n{quoted}\n")
    return msg


def out_of_office(to: EmailMessage, client: MailUser, when: datetime) -> EmailMessage:
    """A German vacation notice (RFC 3834 marks it automatic) naming the day she is back."""
    msg = answer(to, client, (
        "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 13. März 2026 im Urlaub "
        "und ab dem 16. März 2026 wieder im Büro. Ihre E-Mail wird nicht weitergeleitet."),
        when, tag="abwesend")
    del msg["Subject"]
    msg["Subject"] = "Abwesenheitsnotiz: " + str(to["Subject"])
    msg["Auto-Submitted"] = "auto-replied"
    return msg


def delivery_failure(to: EmailMessage, me: MailUser, when: datetime) -> bytes:
    """An RFC 3464 report from the freelancer's provider: the client's server said the mailbox
    does not exist (5.1.1). It returns the invoice's headers, so its Message-ID is known."""
    returned = "".join(f"{name}: {value}\r\n" for name, value in to.items())
    recipient = to["To"].addresses[0].addr_spec
    return (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@smtp.weber-traductions.example.test>\r\n"
        f"To: {me.address}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(when)}\r\nAuto-Submitted: auto-replied\r\n"
        f"Message-ID: <dsn.{when:%Y%m%d%H%M%S}@smtp.weber-traductions.example.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
        ' boundary="dsn-7f3a"\r\n\r\n'
        "--dsn-7f3a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Your message could not be handed to one of its recipients. The receiving server\r\n"
        f"answered:\r\n\r\n  <{recipient}>: 550 5.1.1 mailbox unavailable (no such user)\r\n\r\n"
        "--dsn-7f3a\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; smtp.weber-traductions.example.test\r\n"
        f"Arrival-Date: {format_datetime(when - timedelta(minutes=1))}\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Remote-MTA: dns; mx.editions-fontaine.example.test\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable (no such user)\r\n\r\n"
        "--dsn-7f3a\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"{returned}\r\n--dsn-7f3a--\r\n").encode()


def wire(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


# -- the world ------------------------------------------------------------------------------------

def write_config(root: Path, dovecot: DovecotServer, smtp: DeliveringSmtpServer, me: MailUser,
                 client: MailUser) -> Path:
    """The user's configuration file and app-password file, as `relance setup` leaves them."""
    password = root / "imap-password"
    password.write_text(me.password + "\n")
    password.chmod(0o600)
    path = root / "config.toml"
    path.write_text(f"""
[account]
provider = "imap"
address = "{me.address}"

[account.imap]
host = "{dovecot.host}"
port = {dovecot.imap_port}
tls = "none"
password_file = "{password}"

[account.smtp]
host = "{smtp.host}"
port = {smtp.port}
tls = "none"

[sender]
name = "Jonas Weber"

[locale]
language = "fr"
timezone = "Europe/Paris"
holiday_country = "FR"

[store]
path = "{root / 'relance.sqlite3'}"

[[clients]]
match = "{client.address}"
timezone = "Europe/Paris"
""", encoding="utf-8")
    return path


@dataclass
class World:
    engine: Engine
    clock: Clock
    me: MailUser
    client: MailUser
    dovecot: DovecotServer
    smtp: DeliveringSmtpServer
    config_file: Path

    @property
    def store(self) -> Store:
        return self.engine.store

    @property
    def box(self) -> ImapMailbox:
        return self.engine.mailbox  # type: ignore[return-value]

    def connect(self, user: MailUser) -> IMAPClient:
        """A plain IMAP connection: the user's own mail program, or the client's."""
        client = IMAPClient(self.dovecot.host, self.dovecot.imap_port, ssl=False, timeout=10)
        client.login(user.address, user.password)
        return client

    def submit(self, sender: MailUser, message: EmailMessage) -> None:
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=10) as conn:
            conn.login(sender.address, sender.password)
            conn.send_message(message)

    def send_invoice(self, number: str = "F-2026-031", due: date = date(2026, 3, 12)
                     ) -> EmailMessage:
        """The freelancer's mail program sends the invoice and files its copy in Sent."""
        message = invoice(self.me, self.client, number, due, self.clock.now)
        self.submit(self.me, message)
        with self.connect(self.me) as own:
            own.append("Sent", wire(message), flags=[b"\\Seen"], msg_time=self.clock.now)
        return message

    def client_sends(self, message: EmailMessage) -> None:
        self.submit(self.client, message)

    def mta_returns(self, report: bytes) -> None:
        """The provider's mail server files a DSN in the freelancer's Inbox (null sender,
        RFC 3464 §2 / RFC 5321 §4.5.5), over LMTP like any delivery."""
        with smtplib.LMTP(self.dovecot.host, self.dovecot.lmtp_port, timeout=10) as lmtp:
            lmtp.sendmail("", [self.me.address], report)

    def folder(self, user: MailUser, name: str) -> list[tuple[int, EmailMessage]]:
        """(UID, message) of what ``user`` sees in ``name``, oldest first."""
        with self.connect(user) as conn:
            conn.select_folder(name, readonly=True)
            uids = conn.search(["NOT", "DELETED"])
            found = conn.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
        return [(uid, parse(found[uid][b"BODY[]"])) for uid in sorted(found)]

    def drafts(self) -> list[EmailMessage]:
        return [m for _, m in self.folder(self.me, "Drafts")]

    def received(self) -> list[EmailMessage]:
        """What reached the client's Inbox from relance (its follow-ups)."""
        return [m for _, m in self.folder(self.client, "INBOX") if m["X-Relance-Stage"]]

    def sent_copies(self, message_id: str) -> int:
        return sum(1 for _, m in self.folder(self.me, "Sent") if m["Message-ID"] == message_id)

    def client_thread(self, message_id: str) -> set[str]:
        """The Message-IDs Dovecot threads with ``message_id`` in the client's Inbox
        (THREAD REFERENCES, RFC 5256 §4), as the client's mail program shows them."""
        ids = {uid: str(m["Message-ID"]) for uid, m in self.folder(self.client, "INBOX")}
        with self.connect(self.client) as conn:
            conn.select_folder("INBOX", readonly=True)
            threads = conn.thread("REFERENCES")
        for thread in threads:
            members = {ids[uid] for uid in _flatten(thread)}
            if message_id in members:
                return members
        return set()

    def walk(self, until: datetime, step: timedelta = timedelta(hours=6)) -> None:
        """Run the cycle every ``step``, and at each draft's slot, as the daemon's alarms do."""
        while self.clock.now < until:
            wakeup = self.engine.next_wakeup()
            self.clock.now = min(self.clock.now + step, until, *([wakeup] if wakeup else []))
            self.engine.cycle()

    def status(self, number: str = "F-2026-031") -> InvoiceRow:
        """The invoice's row in `relance status`."""
        rows = invoice_rows(self.store.invoices(), self.store.events(), self.engine.plan(),
                            self.store.followups(), self.clock.now.date())
        (row,) = [r for r in rows if r.number == number]
        return row

    def events(self, invoice_key: str, kind: EventKind) -> int:
        return sum(1 for e in self.store.events().get(invoice_key, []) if e.kind is kind)


def _flatten(thread: object) -> Iterator[int]:
    if isinstance(thread, int):
        yield thread
    else:
        for part in thread:  # type: ignore[attr-defined]
            yield from _flatten(part)


WorldFactory = Callable[..., World]


@pytest.fixture
def make_world(tmp_path: Path, parties) -> Iterator[WorldFactory]:
    """Return ``make(dovecot, smtp, progress=None)``: a world on those servers for this test's
    freelancer and client, its mailbox opened from the configuration file."""
    made: list[World] = []

    def make(dovecot: DovecotServer, smtp: DeliveringSmtpServer, **options: object) -> World:
        root = tmp_path / f"world-{len(made)}"
        root.mkdir()
        path = write_config(root, dovecot, smtp, parties.freelancer, parties.client)
        config = load_config(path, {"HOME": str(root)})
        clock = Clock(START)
        mailbox = open_imap_mailbox(config, clock=clock, **options)  # type: ignore[arg-type]
        engine = Engine(config=config, store=Store.open(config.store_path), mailbox=mailbox,
                        clock=clock)
        made.append(World(engine, clock, parties.freelancer, parties.client, dovecot, smtp,
                          path))
        return made[-1]

    yield make
    for world in made:
        world.store.close()
        world.box.close()


@pytest.fixture
def world(make_world: WorldFactory, dovecot: DovecotServer,
          smtp_server: DeliveringSmtpServer) -> World:
    return make_world(dovecot, smtp_server)


def draft_stage(w: World) -> EmailMessage:
    """Walk until the reminder's draft is in Drafts (two days before its slot); return it."""
    w.walk(datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    (draft,) = w.drafts()
    return draft


# -- the scenarios --------------------------------------------------------------------------------

def test_unanswered_invoice_gets_its_reminder_in_the_thread_once(world: World) -> None:
    w = world
    inv = w.send_invoice()
    w.clock.now += timedelta(minutes=30)
    w.engine.cycle()
    assert w.drafts() == []  # nothing to say a month before the due date
    w.walk(datetime(2026, 3, 9, 12, tzinfo=timezone.utc))
    (draft,) = w.drafts()
    assert draft["In-Reply-To"] == inv["Message-ID"]
    assert draft["References"].split()[-1] == inv["Message-ID"]
    assert draft["Subject"] == "Re: " + inv["Subject"]
    assert draft["X-Relance-Stage"] == "reminder"
    row = w.store.followup(str(inv["Message-ID"]), "reminder")
    slot = row.slot.astimezone(PARIS)
    # due Thursday 12 March: two business days before is Tuesday the 10th, early morning
    assert (slot.date().isoformat(), 5 <= slot.hour < 6) == ("2026-03-10", True)
    assert w.received() == []

    w.walk(row.slot + timedelta(minutes=1), step=timedelta(minutes=30))

    (arrived,) = w.received()
    assert arrived["Message-ID"] == draft["Message-ID"]
    assert w.client_thread(str(inv["Message-ID"])) == {inv["Message-ID"], draft["Message-ID"]}
    assert w.sent_copies(draft["Message-ID"]) == 1
    assert w.drafts() == []
    assert w.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"
    w.walk(datetime(2026, 3, 14, tzinfo=timezone.utc))
    assert len(w.received()) == 1  # and never again
    assert w.sent_copies(draft["Message-ID"]) == 1


@pytest.mark.parametrize("early", [timedelta(minutes=1), timedelta(seconds=1)],
                         ids=["a minute", "a second"])
def test_a_reply_before_the_slot_sends_nothing_and_removes_the_draft(
        world: World, early: timedelta) -> None:
    w = world
    inv = w.send_invoice()
    draft_stage(w)
    slot = w.store.followup(str(inv["Message-ID"]), "reminder").slot
    w.clock.now = slot - early
    w.client_sends(answer(inv, w.client, (
        "Bonjour Jonas,\n\nPourriez-vous indiquer notre numéro de bon de commande BC-7781 sur "
        "la facture ? Sans lui, notre comptabilité ne peut pas la saisir.\n\nMerci,\nLéa"),
        w.clock.now))
    w.clock.now = slot
    w.engine.cycle()
    assert w.drafts() == [] and w.received() == []
    assert w.status().state == "replied"
    w.walk(datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert w.received() == []  # a person's answer stops the sequence
    assert w.status().state == "replied"


def test_out_of_office_postpones_past_the_return_date(world: World) -> None:
    w = world
    inv = w.send_invoice(due=date(2026, 2, 20))
    w.clock.now += timedelta(minutes=1)
    w.client_sends(out_of_office(inv, w.client, w.clock.now))
    w.walk(datetime(2026, 3, 20, tzinfo=timezone.utc), step=timedelta(hours=12))
    (first,) = w.received()
    assert first["X-Relance-Stage"] == "first_notice"
    sent_at = w.store.followup(str(inv["Message-ID"]), "first_notice").slot
    assert sent_at.astimezone(PARIS).date() > date(2026, 3, 16)


def test_a_bounce_flags_the_invoice_and_nothing_goes_out(world: World) -> None:
    w = world
    inv = w.send_invoice(due=date(2026, 2, 20))
    w.mta_returns(delivery_failure(inv, w.me, w.clock.now + timedelta(minutes=2)))
    w.walk(datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert w.received() == [] and w.drafts() == []
    row = w.status()
    assert (row.delivery, row.state) == ("bounced", "undelivered")
    assert "check the address" in row.note


def test_a_draft_deleted_by_the_user_cancels_that_stage(world: World) -> None:
    w = world
    inv = w.send_invoice()
    draft_stage(w)
    with w.connect(w.me) as own:  # the freelancer deletes it in her mail program
        own.select_folder("Drafts")
        own.delete_messages(own.search(["ALL"]))
        own.expunge()
    w.walk(datetime(2026, 3, 13, tzinfo=timezone.utc))
    assert w.received() == [] and w.drafts() == []
    assert w.store.followup(str(inv["Message-ID"]), "reminder").state == "cancelled"
    w.walk(datetime(2026, 3, 20, tzinfo=timezone.utc))
    assert [m["X-Relance-Stage"] for m in w.received()] == ["first_notice"]


def test_the_draft_edited_in_a_mail_program_is_what_goes_out(world: World) -> None:
    w = world
    inv = w.send_invoice()
    draft = draft_stage(w)
    draft.get_body(("plain",)).set_content(
        "Bonjour Léa,\n\nun petit mot personnel au sujet de la facture F-2026-031, payable "
        "jeudi. Bonne semaine !\n\nJonas\n")
    with w.connect(w.me) as own:  # saved as Thunderbird does: new copy, old one expunged
        own.select_folder("Drafts")
        old = own.search(["ALL"])
        own.append("Drafts", wire(draft), flags=[b"\\Draft", b"\\Seen"])
        own.delete_messages(old)
        own.expunge()
    w.walk(datetime(2026, 3, 11, tzinfo=timezone.utc), step=timedelta(hours=1))
    (arrived,) = w.received()
    assert "petit mot personnel" in arrived.get_body(("plain",)).get_content()
    assert w.client_thread(str(inv["Message-ID"])) == {inv["Message-ID"], draft["Message-ID"]}
    assert w.sent_copies(draft["Message-ID"]) == 1


def test_killed_between_the_smtp_send_and_recording_sends_once(world: World) -> None:
    w = world
    inv = w.send_invoice()
    draft_stage(w)
    row = w.store.followup(str(inv["Message-ID"]), "reminder")
    # The process died right after the SMTP server took the message, before the store knew.
    with w.store.transaction():
        w.store.set_followup_state(row.message_id, "sending")
    w.clock.now = row.slot + timedelta(minutes=2)
    w.box.send_draft(row.draft_id)
    w.engine.cycle()
    w.engine.cycle()
    assert len(w.received()) == 1 and w.sent_copies(row.message_id) == 1
    assert w.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"
    assert w.drafts() == []


# A run of the daemon's cycle in a process of its own, at a fixed moment.
CYCLE_IN_ANOTHER_PROCESS = """
import sys
from datetime import datetime
from pathlib import Path
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store
from relance.daemon.cli.wiring import open_imap_mailbox
config = load_config(Path(sys.argv[1]), {"HOME": sys.argv[2]})
now = datetime.fromisoformat(sys.argv[3])
Engine(config=config, store=Store.open(config.store_path), clock=lambda: now,
       mailbox=open_imap_mailbox(config, clock=lambda: now)).cycle()
"""


def kill_a_cycle_mid_send(w: World) -> str:
    """Walk to the reminder's draft, then run the cycle at its slot in another process and
    SIGKILL it while the SMTP server has taken the message but not yet answered. Return the
    follow-up's Message-ID."""
    inv = w.send_invoice()
    draft_stage(w)
    row = w.store.followup(str(inv["Message-ID"]), "reminder")
    w.clock.now = row.slot + timedelta(minutes=1)
    delivered = w.smtp.hold_replies()
    cycle = subprocess.Popen([sys.executable, "-c", CYCLE_IN_ANOTHER_PROCESS,
                              str(w.config_file), str(w.config_file.parent),
                              w.clock.now.isoformat()])
    try:
        assert delivered.wait(timeout=60), "the cycle never reached the SMTP server"
        cycle.kill()
        cycle.wait()
    finally:
        w.smtp.release_replies()
    assert w.store.followup(str(inv["Message-ID"]), "reminder").state == "sending"
    w.clock.now += timedelta(minutes=5)
    w.engine.cycle()  # the restarted daemon
    w.engine.cycle()
    return row.message_id


def test_a_cycle_killed_mid_send_delivers_once_after_restart(world: World) -> None:
    w = world
    message_id = kill_a_cycle_mid_send(w)
    assert [m["Message-ID"] for m in w.received()] == [message_id]
    assert w.sent_copies(message_id) == 1
    (row,) = [r for r in w.store.followups() if r.message_id == message_id]
    assert row.state == "sent"
    w.walk(datetime(2026, 3, 14, tzinfo=timezone.utc))
    assert len(w.received()) == 1


def test_a_cycle_killed_mid_send_leaves_no_draft_behind(world: World) -> None:
    w = world
    kill_a_cycle_mid_send(w)
    assert w.drafts() == []


def test_a_connection_cut_mid_sync_loses_and_doubles_nothing(
        make_world: WorldFactory, tmp_path: Path) -> None:
    server = DovecotServer(tmp_path / "own-dovecot")
    server.start()
    smtp = DeliveringSmtpServer(server.host, server.lmtp_port)
    smtp.start()
    try:
        cutting: list[bool] = []

        def cut_after_sent(folder: Folder, done: int, total: int) -> None:
            if cutting and folder is Folder.SENT:
                server.stop()  # the connection dies between Sent and the Inbox

        w = make_world(server, smtp, progress=cut_after_sent)
        for user in (w.me, w.client):
            smtp.add_account(user.address, user.password)
        first = w.send_invoice()
        w.engine.cycle()
        w.clock.now += timedelta(hours=2)
        second = w.send_invoice("F-2026-032", due=date(2026, 3, 19))
        w.client_sends(answer(first, w.client, (
            "Bonjour Jonas,\n\nnous réglerons la facture F-2026-031 le vendredi 13 mars.\n\n"
            "Bien à vous,\nLéa"), w.clock.now))
        cutting.append(True)
        with pytest.raises(TransientMailboxError):
            w.engine.cycle()
        cutting.clear()
        server.start()
        w.clock.now += timedelta(minutes=10)
        w.engine.cycle()
        w.engine.cycle()
        keys = sorted(i.key for i in w.store.invoices())
        assert keys == sorted([str(first["Message-ID"]), str(second["Message-ID"])])
        assert w.events(str(first["Message-ID"]), EventKind.REPLY) == 1
        assert w.status("F-2026-031").reply.startswith("promise")
    finally:
        smtp.stop()
        server.remove()


def new_uidvalidity(w: World, folder: str) -> None:
    """The server's administrator rebuilds a folder's index: same messages, new UIDVALIDITY
    (RFC 3501 §2.3.1.1), as after a restore or a migration."""
    with w.connect(w.me) as conn:
        before = conn.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    subprocess.run(["doveadm", "-c", str(w.dovecot.workdir / "dovecot.conf"), "mailbox",
                    "update", "--uid-validity", str(before + 1000), "-u", w.me.address, folder],
                   check=True, capture_output=True)
    with w.connect(w.me) as conn:
        assert conn.select_folder(folder, readonly=True)[b"UIDVALIDITY"] == before + 1000


def test_new_uidvalidity_in_sent_and_inbox_loses_and_doubles_nothing(world: World) -> None:
    w = world
    inv = w.send_invoice(due=date(2026, 2, 20))
    w.clock.now += timedelta(minutes=1)
    w.client_sends(out_of_office(inv, w.client, w.clock.now))
    w.walk(datetime(2026, 3, 19, tzinfo=timezone.utc), step=timedelta(hours=12))
    (first,) = w.received()  # the first notice, after her return
    assert first["X-Relance-Stage"] == "first_notice"
    for folder in ("Sent", "INBOX"):
        new_uidvalidity(w, folder)
    w.clock.now += timedelta(hours=1)
    report = w.engine.cycle()
    # every message came back under a new UID: none of them is new to relance
    assert (report.observed.invoices, report.observed.events) == ([], [])
    key = str(inv["Message-ID"])
    assert [i.key for i in w.store.invoices()] == [key]
    assert w.events(key, EventKind.AUTO_REPLY) == 1
    assert w.events(key, EventKind.FOLLOWUP_SENT) == 1
    w.walk(datetime(2026, 4, 10, tzinfo=timezone.utc), step=timedelta(hours=12))
    stages = [m["X-Relance-Stage"] for m in w.received()]
    assert len(stages) == len(set(stages)) and stages[0] == "first_notice" and len(stages) >= 2
    for message in w.received():
        assert w.sent_copies(str(message["Message-ID"])) == 1
    assert w.events(key, EventKind.FOLLOWUP_SENT) == len(stages)
    assert w.events(key, EventKind.AUTO_REPLY) == 1


# -- opening the account from the configuration -------------------------------------------------

def test_the_configured_account_opens_through_open_mailbox(world: World) -> None:
    # `relance run` opens the mailbox on the real clock: the first scan reaches back
    # scan_since_days (120 by default) from today, so the invoice is sent today.
    world.clock.now = datetime.now(timezone.utc)
    inv = world.send_invoice()
    config = load_config(world.config_file, {"HOME": str(world.config_file.parent)})
    box = open_mailbox(config)
    try:
        assert isinstance(box, ImapMailbox)
        changes = box.sync(None)
        assert [parse(m.raw)["Message-ID"] for m in changes.messages] == [inv["Message-ID"]]
    finally:
        box.close()


def _config_with(world: World, *, smtp_username: str = "", **password_files: Path) -> Config:
    """The world's configuration with other password files (and SMTP login)."""
    config = load_config(world.config_file, {"HOME": str(world.config_file.parent)})
    imap, smtp = config.account.imap, config.account.smtp
    return replace(config, account=replace(
        config.account,
        imap=replace(imap, password_file=password_files.get("imap", imap.password_file)),
        smtp=replace(smtp, password_file=password_files.get("smtp", smtp.password_file),
                     username=smtp_username or smtp.username)))


def test_a_missing_password_file_names_the_key_and_the_file(world: World) -> None:
    gone = world.config_file.parent / "no-such-password"
    with pytest.raises(PermanentMailboxError) as caught:
        open_imap_mailbox(_config_with(world, imap=gone, smtp=gone))
    assert "account.imap.password_file" in str(caught.value) and str(gone) in str(caught.value)


def test_a_password_file_others_can_read_is_refused_with_the_chmod_to_run(world: World) -> None:
    shared = world.config_file.parent / "imap-password"
    shared.chmod(0o644)
    with pytest.raises(PermanentMailboxError) as caught:
        open_imap_mailbox(_config_with(world))
    assert f"chmod 600 {shared}" in str(caught.value)
    assert world.me.password not in str(caught.value)


def test_an_smtp_password_file_of_its_own_is_read_and_checked(world: World) -> None:
    # Some providers give the submission server a login and app password of its own.
    world.smtp.add_account("jonas-submission", "an-app-password-for-smtp-only")
    smtp_file = world.config_file.parent / "smtp-password"
    smtp_file.write_text("")
    smtp_file.chmod(0o600)
    with pytest.raises(PermanentMailboxError, match="account.smtp.password_file.*empty"):
        open_imap_mailbox(_config_with(world, smtp=smtp_file))
    smtp_file.write_text("an-app-password-for-smtp-only\n")
    box = open_imap_mailbox(_config_with(world, smtp=smtp_file, smtp_username="jonas-submission"))
    try:
        box.send_draft(box.create_draft(invoice(world.me, world.client, "F-2026-090",
                                                date(2026, 3, 12), START), None))
    finally:
        box.close()
    assert world.smtp.received[-1].login == "jonas-submission"
    assert [m["Subject"] for _, m in world.folder(world.client, "INBOX")][-1].startswith(
        "Facture F-2026-090")


def invoice_pdf(number: str) -> bytes:
    """A one-page PDF of the invoice, as an invoicing program attaches it."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(START)
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    for line in (f"FACTURE {number}", "Weber Traductions - Jonas Weber",
                 "Traduction du catalogue d'automne : 1 440,00 EUR", "Echeance : 12/03/2026"):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.mark.parametrize("rebuilt", [False, True],
                         ids=["same folder", "after a new UIDVALIDITY"])
def test_the_follow_up_carries_the_invoice_pdf(world: World, rebuilt: bool) -> None:
    w = world
    message = invoice(w.me, w.client, "F-2026-031", date(2026, 3, 12), w.clock.now)
    message.add_attachment(invoice_pdf("F-2026-031"), maintype="application", subtype="pdf",
                           filename="Facture-F-2026-031.pdf")
    w.submit(w.me, message)
    with w.connect(w.me) as own:
        own.append("Sent", wire(message), flags=[b"\\Seen"], msg_time=w.clock.now)
    w.clock.now += timedelta(minutes=5)
    w.engine.cycle()
    if rebuilt:
        new_uidvalidity(w, "Sent")
    draft = draft_stage(w)
    names = [part.get_filename() for part in draft.iter_attachments()]
    assert names == ["Facture-F-2026-031.pdf"]
