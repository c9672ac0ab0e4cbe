"""One copy of a follow-up in Sent, whether or not the submission server files its own.

relance files its copy in Sent before the SMTP send (the mark exactly-once leans on) and, once
the server accepted the message, takes its copy out again where the server filed one too, as
Gmail's and Microsoft 365's do (``relance.gmail.imap.sentcopy``). Here the test SMTP server
files that copy in the sender's Sent on the real Dovecot (``FilesSent`` in
``tests/servers/smtp.py``), its ``Received:`` field telling it from relance's.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from relance.daemon.core.mailbox import DRAFT_GONE
from relance.daemon.core.model import EventKind
from relance.gmail.imap.mailbox import ImapMailbox
from relance.gmail.imap.sentcopy import OwnCopy, appended_uid
from tests.clock import wait_until
from tests.gmail.imap.test_imap import follow_up, kill_once_the_server_took_it, wire
from tests.gmail.imap.test_imap_cycle import (  # noqa: F401 -- fixtures
    World,
    draft_stage,
    invoice,
    make_world,
)
from tests.servers.dovecot import DovecotServer, MailUser
from tests.servers.smtp import DeliveringSmtpServer, FilesSent

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

# Only what RFC 3501 requires, plus UNSELECT and ENABLE: no UIDPLUS, hence no APPENDUID to go by.
NO_UIDPLUS = "imap_capability = IMAP4rev1 LITERAL+ UNSELECT ENABLE"


@pytest.fixture(scope="module")
def filing_smtp(dovecot: DovecotServer) -> Iterator[DeliveringSmtpServer]:
    """A submission server that files its own copy of what it sends in the sender's Sent."""
    with DeliveringSmtpServer(dovecot.host, dovecot.lmtp_port,
                              files_sent=FilesSent(dovecot.host, dovecot.imap_port)) as server:
        yield server


@pytest.fixture
def filing_box(make_mailbox, parties, filing_smtp: DeliveringSmtpServer) -> ImapMailbox:
    """The freelancer's mailbox, sending through ``filing_smtp``."""
    for user in (parties.freelancer, parties.client):
        filing_smtp.add_account(user.address, user.password)
    return make_mailbox(parties.freelancer, smtp={"port": filing_smtp.port})


def copies(server: DovecotServer, user: MailUser, folder: str,
           message_id: str) -> list[EmailMessage]:
    """The messages in ``folder`` of ``user`` carrying ``message_id``, not flagged \\Deleted,
    as the user's mail program lists them (oldest first)."""
    with IMAPClient(server.host, server.imap_port, ssl=False, timeout=10) as imap:
        imap.login(user.address, user.password)
        imap.select_folder(folder, readonly=True)
        uids = imap.search(["NOT", "DELETED"])
        found = imap.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
    parsed = [message_from_bytes(found[uid][b"BODY[]"], policy=policy.default)
              for uid in sorted(found)]
    return [m for m in parsed if str(m["Message-ID"]).strip() == message_id]


def filed_by_the_server(message: EmailMessage) -> bool:
    return "with ESMTPSA" in str(message.get("Received", ""))


# -- the pure part ------------------------------------------------------------------------------

def test_the_appenduid_answer_is_read_and_anything_else_is_no_answer() -> None:
    assert appended_uid(b"[APPENDUID 1796184395 7] Append completed (0.003 + 0.001 secs).") \
        == (1796184395, 7)
    assert appended_uid(b"APPEND completed") is None
    assert appended_uid(b"[APPENDUID 38505 3955:3957] done") is None  # a set: not one message


def test_relances_copy_is_removed_only_when_another_one_is_there() -> None:
    exact = OwnCopy(uidvalidity=1, uid=7, exact=True)
    assert exact.among([7]) is None
    assert exact.among([7, 8]) == 7
    assert exact.among([8, 9]) is None  # relance's copy is gone already: leave the others
    bound = OwnCopy(uidvalidity=1, uid=7, exact=False)  # from UIDNEXT before the APPEND
    assert bound.among([7]) is None
    assert bound.among([9, 12]) == 9  # the lowest from UIDNEXT on: appended before the send


# -- against Dovecot --------------------------------------------------------------------------

def test_a_server_that_files_its_own_copy_leaves_one_in_sent(
        filing_box: ImapMailbox, parties, dovecot, filing_smtp) -> None:
    draft_id = filing_box.create_draft(follow_up(parties, 31), None)
    filing_box.send_draft(draft_id)

    (kept,) = copies(dovecot, parties.freelancer, "Sent", draft_id)
    assert filed_by_the_server(kept)  # relance's own copy is the one that went
    assert filing_box.find_sent(draft_id)
    assert filing_box.get_draft(draft_id) is DRAFT_GONE
    assert len(copies(dovecot, parties.client, "INBOX", draft_id)) == 1
    assert [a.login for a in filing_smtp.received
            if draft_id.encode() in a.content] == [parties.freelancer.address]


def test_a_plain_server_leaves_relances_copy_the_only_one(mailbox, parties, dovecot) -> None:
    draft_id = mailbox.create_draft(follow_up(parties, 32), None)
    mailbox.send_draft(draft_id)
    (kept,) = copies(dovecot, parties.freelancer, "Sent", draft_id)
    assert not filed_by_the_server(kept)


def test_without_uidplus_relances_copy_is_told_by_the_uidnext_before_it(
        make_mailbox, parties, tmp_path: Path) -> None:
    with DovecotServer(tmp_path, extra_config=NO_UIDPLUS) as server:
        with IMAPClient(server.host, server.imap_port, ssl=False, timeout=10) as probe:
            probe.login(parties.freelancer.address, parties.freelancer.password)
            assert not probe.has_capability("UIDPLUS")
            # Sent is not empty: the copies relance and the server file land at UIDs 3 and 4
            probe.append("Sent", wire(follow_up(parties, 1)), flags=(b"\\Seen",))
            probe.append("Sent", wire(follow_up(parties, 2)), flags=(b"\\Seen",))
        with DeliveringSmtpServer(server.host, server.lmtp_port,
                                  {parties.freelancer.address: parties.freelancer.password},
                                  files_sent=FilesSent(server.host, server.imap_port)) as smtp:
            box = make_mailbox(parties.freelancer, imap={"port": server.imap_port},
                               smtp={"port": smtp.port})
            draft_id = box.create_draft(follow_up(parties, 33), None)
            box.send_draft(draft_id)
            (kept,) = copies(server, parties.freelancer, "Sent", draft_id)
            assert filed_by_the_server(kept)
            others = [copies(server, parties.freelancer, "Sent", f"<relance-2026-100-{n}@"
                             "example.test>") for n in (1, 2)]
            assert [len(found) for found in others] == [1, 1]  # nothing else went


def test_a_connection_dropped_during_the_send_leaves_two_copies_and_a_sent_follow_up(
        filing_box: ImapMailbox, parties, dovecot, filing_smtp,
        caplog: pytest.LogCaptureFixture) -> None:
    """Dovecot drops relance's IMAP connection (``doveadm kick``) while the SMTP server holds
    its reply: the look in Sent fails, which is logged, and the follow-up counts as sent."""
    draft_id = filing_box.create_draft(follow_up(parties, 34), None)
    delivered = filing_smtp.hold_replies()
    failures: list[BaseException] = []

    def send() -> None:
        try:
            filing_box.send_draft(draft_id)
        except BaseException as exc:  # reported below, in the test's own thread
            failures.append(exc)

    sender = threading.Thread(target=send)
    caplog.set_level(logging.WARNING, logger="relance.imap")
    sender.start()
    try:
        assert delivered.wait(timeout=30), "the send never reached the SMTP server"
        kick(dovecot, parties.freelancer)
    finally:
        filing_smtp.release_replies()
        sender.join(timeout=60)
    assert failures == []
    assert len(copies(dovecot, parties.freelancer, "Sent", draft_id)) == 2
    assert [r.getMessage() for r in caplog.records
            if r.name == "relance.imap" and draft_id in r.getMessage()]
    assert filing_box.get_draft(draft_id) is DRAFT_GONE  # removed over a new connection
    assert len(copies(dovecot, parties.client, "INBOX", draft_id)) == 1


def kick(server: DovecotServer, user: MailUser) -> None:
    """Disconnect every IMAP session of ``user`` (``doveadm kick``) and wait until Dovecot
    lists none (``doveadm who``)."""
    doveadm = ["doveadm", "-c", str(server.workdir / "dovecot.conf")]
    subprocess.run([*doveadm, "kick", user.address], check=True, capture_output=True)

    def gone() -> bool:
        who = subprocess.run([*doveadm, "who", user.address], capture_output=True, text=True)
        return user.address not in who.stdout

    wait_until(gone, 10, interval=0.05, what=f"Dovecot to drop the sessions of {user.address}")


def test_a_process_killed_once_a_filing_server_took_the_message_never_sends_twice(
        filing_box: ImapMailbox, make_mailbox, parties, dovecot, filing_smtp) -> None:
    draft_id = filing_box.create_draft(follow_up(parties, 35), None)
    kill_once_the_server_took_it(filing_smtp, dovecot, parties, draft_id)

    restarted = make_mailbox(parties.freelancer)
    assert restarted.find_sent(draft_id)  # the check before any send: never sent again
    restarted.delete_draft(draft_id)
    assert len(copies(dovecot, parties.client, "INBOX", draft_id)) == 1
    # Killed before the look: both copies stay (the sentcopy module's docstring says so).
    assert len(copies(dovecot, parties.freelancer, "Sent", draft_id)) == 2


# -- the whole cycle ----------------------------------------------------------------------------

def test_the_cycle_records_a_follow_up_sent_once_through_a_filing_server(
        make_world, dovecot, filing_smtp) -> None:  # noqa: F811
    w: World = make_world(dovecot, filing_smtp)
    for user in (w.me, w.client):
        filing_smtp.add_account(user.address, user.password)
    inv = invoice(w.me, w.client, "F-2026-031", date(2026, 3, 12), w.clock.now)
    w.submit(w.me, inv)  # the server files it in Sent: the mail program files nothing
    key = str(inv["Message-ID"])
    draft = draft_stage(w)
    mid = str(draft["Message-ID"])
    row = w.store.followup(key, "reminder")
    w.walk(row.slot + timedelta(minutes=1), step=timedelta(minutes=30))

    assert [m["Message-ID"] for m in w.received()] == [mid]
    assert w.sent_copies(mid) == 1 and w.sent_copies(key) == 1
    assert w.store.followup(key, "reminder").state == "sent"
    w.walk(datetime(2026, 3, 14, tzinfo=timezone.utc))
    assert len(w.received()) == 1
    assert w.sent_copies(mid) == 1
    assert w.events(key, EventKind.FOLLOWUP_SENT) == 1
    assert w.events(key, EventKind.WROTE) == 0  # the server's copy is not taken for the user's
