"""The IMAP plugin against a real Dovecot and a real SMTP server delivering into it.

The freelancer's mailbox is driven through ``ImapMailbox``; everything else (the client's mail
program, the freelancer's own mail program editing a draft) is a plain imapclient connection.
"""

from __future__ import annotations

import json
import os
import shutil
import smtplib
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from imapclient import IMAPClient

from relance.daemon.core.errors import PermanentMailboxError, TransientMailboxError
from relance.daemon.core.mailbox import DRAFT_GONE, Folder, Mailbox, MailRef
from relance.gmail.imap.cursor import (
    CURSOR_UNREADABLE,
    EMPTY_CURSOR,
    DraftsState,
    FolderState,
    FolderStatus,
    ScanKind,
    ScanPlan,
    SyncCursor,
    decode_cursor,
    encode_cursor,
    plan_scan,
)
from relance.gmail.imap.fetch import parse_header_block
from relance.gmail.imap.folders import Role, resolve_folders
from relance.gmail.imap.mailbox import ImapMailbox, InboxWait
from relance.gmail.imap.settings import ImapSettings, Security
from relance.gmail.imap.smtp import envelope_recipients, outgoing_bytes
from relance.gmail.imap.watch import ImapInboxWatcher
from tests.gmail.imap.wire_log import wire_log
from tests.servers import free_port
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import DeliveringSmtpServer

NOW = datetime.now(timezone.utc)
# The test SMTP server takes AUTH without TLS on loopback; aiosmtpd warns about that each time.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def letter(sender: str, to: str, subject: str, body: str, *, message_id: str, cc: str = "",
           bcc: str = "", in_reply_to: str = "") -> EmailMessage:
    """A plain-text e-mail as a mail program would write it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    for name, value in (("Cc", cc), ("Bcc", bcc)):
        if value:
            message[name] = value
    message["Subject"] = subject
    message["Date"] = format_datetime(NOW)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message


def wire(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def invoice(parties, number: str) -> EmailMessage:
    return letter(parties.freelancer.address, parties.client.address,
                  f"Facture {number} — traduction du site", (
                      f"Bonjour Claire,\n\nVeuillez trouver ci-joint la facture {number} "
                      f"d'un montant de 1 250,00 EUR, payable sous 30 jours.\n\n"
                      f"Bien à vous,\nJonas\n"),
                  message_id=f"<invoice-{number}@{parties.freelancer.address.split('@')[1]}>")


def client_reply(parties, to_message_id: str, n: int) -> EmailMessage:
    return letter(parties.client.address, parties.freelancer.address, "Re: Rechnung", (
        "Hallo Jonas,\n\ndie Rechnung ist bei uns eingegangen und wird diese Woche "
        "überwiesen.\n\nViele Grüße\nClaire\n"),
        message_id=f"<reply-{n}@client.example.test>", in_reply_to=to_message_id)


def deliver(smtp_server, sender, message: EmailMessage) -> None:
    """Send like the client's own mail program: SMTP AUTH, then into the recipient's Inbox."""
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as conn:
        conn.login(sender.address, sender.password)
        conn.send_message(message)


def message_ids(changes) -> list[str]:
    return [message_from_bytes(m.raw)["Message-ID"] for m in changes.messages]


# -- folders -----------------------------------------------------------------------------------

def test_folders_are_found_by_their_special_use(mailbox: ImapMailbox) -> None:
    assert isinstance(mailbox, Mailbox)
    assert mailbox.folder_names() == {Role.INBOX: "INBOX", Role.SENT: "Sent",
                                      Role.DRAFTS: "Drafts", Role.JUNK: "Junk", Role.TRASH: "Trash"}


def test_an_override_naming_a_missing_folder_says_which_key_to_fix(make_mailbox, parties) -> None:
    box = make_mailbox(parties.freelancer, imap={"folders": {"sent": "Gesendete Objekte"}})
    with pytest.raises(PermanentMailboxError) as caught:
        box.sync(None)
    assert "'Gesendete Objekte'" in str(caught.value)
    assert "account.imap.sent" in str(caught.value)


def test_an_override_picks_another_folder(make_mailbox, parties, other_client) -> None:
    own = other_client.login(parties.freelancer)
    own.create_folder("Archiv/Ausgang")
    own.append("Archiv/Ausgang", wire(invoice(parties, "2026-031")))
    box = make_mailbox(parties.freelancer, imap={"folders": {"sent": "Archiv/Ausgang"}})
    changes = box.sync(None)
    assert [m.ref.folder for m in changes.messages] == [Folder.SENT]


def test_a_sent_folder_deleted_after_discovery_is_named_in_the_error(
        make_mailbox, parties, other_client) -> None:
    own = other_client.login(parties.freelancer)
    own.create_folder("Ausgang")
    box = make_mailbox(parties.freelancer, imap={"folders": {"sent": "Ausgang"}})
    box.sync(None)
    own.delete_folder("Ausgang")
    with pytest.raises(PermanentMailboxError) as caught:
        box.sync(None)
    assert "'Ausgang'" in str(caught.value) and "account.imap.sent" in str(caught.value)


# -- sync --------------------------------------------------------------------------------------

def test_first_sync_returns_the_sent_invoices_and_the_inbox(
        mailbox, parties, other_client, smtp_server) -> None:
    own = other_client.login(parties.freelancer)
    for number in ("2026-040", "2026-041"):
        own.append("Sent", wire(invoice(parties, number)), flags=[b"\\Seen"])
    deliver(smtp_server, parties.client,
            client_reply(parties, "<invoice-2026-040@example.test>", 1))

    changes = mailbox.sync(None)

    by_folder = {(m.ref.folder, message_from_bytes(m.raw)["Message-ID"]) for m in changes.messages}
    assert by_folder == {(Folder.SENT, "<invoice-2026-040@example.test>"),
                         (Folder.SENT, "<invoice-2026-041@example.test>"),
                         (Folder.INBOX, "<reply-1@client.example.test>")}
    assert not changes.full
    assert changes.drafts_present == frozenset()
    reply = next(m for m in changes.messages if m.ref.folder is Folder.INBOX)
    assert "überwiesen" in message_from_bytes(reply.raw, policy=policy.default).get_content()
    assert reply.received_at is not None and reply.received_at.tzinfo is not None
    assert mailbox.fetch(reply.ref) == reply.raw


def test_the_next_sync_returns_only_what_is_new(
        mailbox, parties, other_client, smtp_server) -> None:
    other_client.login(parties.freelancer).append("Sent", wire(invoice(parties, "2026-050")))
    first = mailbox.sync(None)
    deliver(smtp_server, parties.client,
            client_reply(parties, "<invoice-2026-050@example.test>", 2))

    second = mailbox.sync(first.cursor)
    third = mailbox.sync(second.cursor)

    assert message_ids(first) == ["<invoice-2026-050@example.test>"]
    assert message_ids(second) == ["<reply-2@client.example.test>"]
    assert third.messages == () and third.cursor == second.cursor


def test_first_sync_reads_only_the_scan_window(make_mailbox, parties, other_client) -> None:
    own = other_client.login(parties.freelancer)
    own.append("Sent", wire(invoice(parties, "2024-007")), msg_time=NOW - timedelta(days=400))
    own.append("Sent", wire(invoice(parties, "2026-060")), msg_time=NOW - timedelta(days=20))
    box = make_mailbox(parties.freelancer, imap={"scan_since_days": 365}, clock=lambda: NOW)
    assert message_ids(box.sync(None)) == ["<invoice-2026-060@example.test>"]


def test_a_new_uidvalidity_reads_the_folder_again_and_loses_nothing(
        mailbox, parties, other_client) -> None:
    own = other_client.login(parties.freelancer)
    own.append("Sent", wire(invoice(parties, "2026-070")))
    first = mailbox.sync(None)
    # Another program rebuilds Sent: same messages plus one, under a new UIDVALIDITY.
    before = own.folder_status("Sent", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    own.rename_folder("Sent", "Sent-old")
    own.create_folder("Sent")
    own.append("Sent", wire(invoice(parties, "2026-070")))
    own.append("Sent", wire(invoice(parties, "2026-071")))
    assert own.folder_status("Sent", [b"UIDVALIDITY"])[b"UIDVALIDITY"] != before

    second = mailbox.sync(first.cursor)

    assert second.full
    assert sorted(message_ids(second)) == ["<invoice-2026-070@example.test>",
                                           "<invoice-2026-071@example.test>"]
    assert message_ids(mailbox.sync(second.cursor)) == []


def test_a_cursor_from_elsewhere_means_a_full_read(mailbox, parties, other_client) -> None:
    other_client.login(parties.freelancer).append("Sent", wire(invoice(parties, "2026-080")))
    changes = mailbox.sync('{"historyId": "1234"}')
    assert changes.full and message_ids(changes) == ["<invoice-2026-080@example.test>"]


def test_the_interest_rule_decides_which_bodies_are_fetched(
        make_mailbox, parties, other_client, smtp_server) -> None:
    other_client.login(parties.freelancer).append("Sent", wire(invoice(parties, "2026-090")))
    deliver(smtp_server, parties.client,
            client_reply(parties, "<invoice-2026-090@example.test>", 3))
    seen: list[tuple[Folder, str]] = []

    def only_sent(folder, headers):
        seen.append((folder, headers["Subject"]))
        return folder is Folder.SENT

    progress: list[tuple[Folder, int, int]] = []
    box = make_mailbox(parties.freelancer, interest=only_sent,
                       progress=lambda *step: progress.append(step))
    assert message_ids(box.sync(None)) == ["<invoice-2026-090@example.test>"]
    assert (Folder.INBOX, "Re: Rechnung") in seen
    assert progress == [(Folder.SENT, 1, 1), (Folder.INBOX, 1, 1)]


# -- drafts ------------------------------------------------------------------------------------

def follow_up(parties, n: int) -> EmailMessage:
    return letter(parties.freelancer.address, parties.client.address,
                  "Re: Facture 2026-100 — traduction du site", (
                      "Bonjour Claire,\n\nPetit rappel : la facture 2026-100 arrivait à échéance "
                      "le 3 novembre. Pourriez-vous me dire où en est le paiement ?\n\n"
                      "Merci,\nJonas\n"),
                  message_id=f"<relance-2026-100-{n}@example.test>",
                  in_reply_to="<invoice-2026-100@example.test>")


def test_a_draft_can_be_created_read_and_deleted(mailbox, parties) -> None:
    draft_id = mailbox.create_draft(follow_up(parties, 1), None)
    assert draft_id == "<relance-2026-100-1@example.test>"
    assert draft_id in mailbox.sync(None).drafts_present
    assert mailbox.find_draft("<relance-2026-100-1@example.test>") == draft_id
    current = mailbox.get_draft(draft_id)
    assert current is not DRAFT_GONE and b"Petit rappel" in current

    mailbox.delete_draft(draft_id)
    mailbox.delete_draft(draft_id)  # already gone: not an error

    assert mailbox.get_draft(draft_id) is DRAFT_GONE
    assert mailbox.find_draft(draft_id) is None
    assert draft_id not in mailbox.sync(None).drafts_present


def test_a_draft_deleted_by_the_user_disappears_from_the_next_sync(
        mailbox, parties, other_client) -> None:
    draft_id = mailbox.create_draft(follow_up(parties, 2), None)
    first = mailbox.sync(None)
    own = other_client.login(parties.freelancer)
    own.select_folder("Drafts")
    own.delete_messages(own.search(["ALL"]))  # flagged \Deleted, not yet expunged
    assert draft_id not in mailbox.sync(first.cursor).drafts_present
    assert mailbox.get_draft(draft_id) is DRAFT_GONE


def test_an_edited_draft_is_read_as_edited(mailbox, parties, other_client) -> None:
    draft_id = mailbox.create_draft(follow_up(parties, 3), None)
    first = mailbox.sync(None)
    # The user's mail program saves an edit: a new message with the same Message-ID, then
    # the old one expunged.
    edited = follow_up(parties, 3)
    edited.set_content("Bonjour Claire,\n\nJe me permets de revenir vers vous au sujet de la "
                       "facture 2026-100. Un virement est-il prévu ?\n\nCordialement,\nJonas\n")
    own = other_client.login(parties.freelancer)
    own.select_folder("Drafts")
    old = own.search(["ALL"])
    own.append("Drafts", wire(edited), flags=[b"\\Draft", b"\\Seen"])
    own.delete_messages(old)
    own.expunge()

    current = mailbox.get_draft(draft_id)
    assert current is not DRAFT_GONE
    edited = message_from_bytes(current, policy=policy.default)
    assert "Un virement est-il prévu" in edited.get_content()
    assert draft_id in mailbox.sync(first.cursor).drafts_present


# -- sending -----------------------------------------------------------------------------------

def test_send_draft_reaches_the_client_once_and_files_one_copy(
        mailbox, parties, other_client, smtp_server) -> None:
    message = follow_up(parties, 4)
    message["Bcc"] = parties.bystander.address  # never honoured: only To and Cc receive
    draft_id = mailbox.create_draft(message, None)
    assert not mailbox.find_sent(draft_id)

    mailbox.send_draft(draft_id)

    client = other_client.login(parties.client)
    client.select_folder("INBOX")
    received = client.search(["HEADER", "Message-ID", draft_id])
    assert len(received) == 1
    got = message_from_bytes(client.fetch(received, [b"BODY.PEEK[]"])[received[0]][b"BODY[]"])
    assert got["In-Reply-To"] == "<invoice-2026-100@example.test>"
    assert got["Bcc"] is None
    own = other_client.login(parties.freelancer)
    own.select_folder("Sent")
    assert len(own.search(["HEADER", "Message-ID", draft_id])) == 1
    assert mailbox.get_draft(draft_id) is DRAFT_GONE
    assert mailbox.find_sent(draft_id)
    bystander = other_client.login(parties.bystander)
    assert bystander.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"] == 0
    assert smtp_server.received[-1].recipients == (parties.client.address,)


def test_the_follow_up_joins_the_invoice_thread_on_the_client_side(
        mailbox, parties, other_client, smtp_server) -> None:
    sent_invoice = invoice(parties, "2026-100")
    deliver(smtp_server, parties.freelancer, sent_invoice)
    mailbox.send_draft(mailbox.create_draft(follow_up(parties, 15), None))

    client = other_client.login(parties.client)
    client.select_folder("INBOX")
    threads = client.thread("REFERENCES")  # RFC 5256 §4, computed by Dovecot
    assert len(client.search(["ALL"])) == 2
    assert [sorted(t) for t in threads] == [sorted(client.search(["ALL"]))]


def test_find_sent_wants_the_exact_message_id(mailbox, parties, other_client) -> None:
    other_client.login(parties.freelancer).append("Sent", wire(invoice(parties, "2026-110")))
    assert mailbox.find_sent("<invoice-2026-110@example.test>")
    assert not mailbox.find_sent("<invoice-2026-11@example.test>")


def test_sending_a_deleted_draft_sends_nothing(mailbox, parties, smtp_server) -> None:
    draft_id = mailbox.create_draft(follow_up(parties, 5), None)
    mailbox.delete_draft(draft_id)
    count = len(smtp_server.received)
    with pytest.raises(PermanentMailboxError, match="no longer in Drafts"):
        mailbox.send_draft(draft_id)
    assert len(smtp_server.received) == count


def test_a_refused_smtp_login_sends_nothing_and_keeps_the_draft(make_mailbox, parties) -> None:
    box = make_mailbox(parties.freelancer, smtp={"password": "not-the-app-password"})
    draft_id = box.create_draft(follow_up(parties, 6), None)
    with pytest.raises(PermanentMailboxError, match="app password"):
        box.send_draft(draft_id)
    assert box.get_draft(draft_id) is not DRAFT_GONE
    assert not box.find_sent(draft_id)


def test_smtp_with_an_oauth_token_sends(make_mailbox, parties, smtp_server, other_client) -> None:
    smtp_server.add_token(parties.freelancer.address, "ya29.relance-test-token")
    box = make_mailbox(parties.freelancer,
                       smtp={"password": "", "oauth2_token": lambda: "ya29.relance-test-token"})
    draft_id = box.create_draft(follow_up(parties, 11), None)
    box.send_draft(draft_id)
    assert smtp_server.received[-1].login == parties.freelancer.address
    client = other_client.login(parties.client)
    client.select_folder("INBOX")
    assert len(client.search(["HEADER", "Message-ID", draft_id])) == 1


def test_a_refused_oauth_token_says_to_authorise_again(make_mailbox, parties) -> None:
    box = make_mailbox(parties.freelancer,
                       smtp={"password": "", "oauth2_token": lambda: "ya29.expired"})
    draft_id = box.create_draft(follow_up(parties, 12), None)
    with pytest.raises(PermanentMailboxError, match="Authorise relance again"):
        box.send_draft(draft_id)
    assert box.get_draft(draft_id) is not DRAFT_GONE


SEND_IN_ANOTHER_PROCESS = """
import json, sys
from relance.gmail.imap.mailbox import ImapMailbox
from relance.gmail.imap.settings import ImapSettings, Security, SmtpSettings
a = json.loads(sys.argv[1])
common = dict(host="127.0.0.1", security=Security.NONE, username=a["user"], password=a["password"])
box = ImapMailbox(ImapSettings(port=a["imap"], scan_since_days=None, **common),
                  SmtpSettings(port=a["smtp"], **common),
                  address=a["user"])
box.send_draft(a["draft"])
"""


def kill_once_the_server_took_it(smtp_server: DeliveringSmtpServer, dovecot: DovecotServer,
                                 parties, draft_id: str) -> None:
    """Send the draft in another process and SIGKILL it once the SMTP server has the message
    (delivered, and filed where the server files a copy) but has not answered yet."""
    delivered = smtp_server.hold_replies()
    sender = subprocess.Popen([sys.executable, "-c", SEND_IN_ANOTHER_PROCESS, json.dumps({
        "user": parties.freelancer.address, "password": parties.freelancer.password,
        "imap": dovecot.imap_port, "smtp": smtp_server.port, "draft": draft_id})])
    try:
        assert delivered.wait(timeout=30), "the send never reached the SMTP server"
        sender.kill()  # the server has the message; the sender dies before hearing back
        sender.wait()
    finally:
        smtp_server.release_replies()


def test_a_process_killed_after_the_smtp_send_never_sends_twice(
        mailbox, make_mailbox, parties, smtp_server, dovecot, other_client) -> None:
    draft_id = mailbox.create_draft(follow_up(parties, 13), None)
    kill_once_the_server_took_it(smtp_server, dovecot, parties, draft_id)

    restarted = make_mailbox(parties.freelancer)
    assert restarted.find_sent(draft_id)  # the check before any send: so it is never resent
    restarted.delete_draft(draft_id)  # what the cycle then does with the leftover draft
    client = other_client.login(parties.client)
    client.select_folder("INBOX")
    assert len(client.search(["HEADER", "Message-ID", draft_id])) == 1
    assert restarted.get_draft(draft_id) is DRAFT_GONE


# -- errors ------------------------------------------------------------------------------------

def test_a_wrong_password_says_to_check_the_app_password(make_mailbox, parties) -> None:
    box = make_mailbox(parties.freelancer, imap={"password": "hunter2"})
    with pytest.raises(PermanentMailboxError, match="app password") as caught:
        box.sync(None)
    assert "hunter2" not in str(caught.value)


def test_nothing_listening_is_transient(make_mailbox, parties) -> None:
    box = make_mailbox(parties.freelancer, imap={"port": free_port()})
    with pytest.raises(TransientMailboxError, match="will retry"):
        box.sync(None)


def test_a_server_that_goes_away_is_transient_and_the_cursor_still_works(
        make_mailbox, parties, tmp_path) -> None:
    server = DovecotServer(tmp_path)
    server.start()
    try:
        box = make_mailbox(parties.freelancer, imap={"port": server.imap_port})
        first = box.sync(None)
        server.stop()
        with pytest.raises(TransientMailboxError):
            box.sync(first.cursor)
        server.start()
        assert box.sync(first.cursor).messages == ()
    finally:
        server.remove()


def test_a_sync_cut_midway_loses_nothing(make_mailbox, parties, tmp_path) -> None:
    server = DovecotServer(tmp_path)
    server.start()
    try:
        cut_now: list[bool] = []

        def cut_after_sent(folder: Folder, done: int, total: int) -> None:
            if cut_now and folder is Folder.SENT:
                server.stop()  # the connection dies between Sent and the Inbox

        box = make_mailbox(parties.freelancer, imap={"port": server.imap_port},
                           progress=cut_after_sent)
        first = box.sync(None)
        own = IMAPClient(server.host, server.imap_port, ssl=False, timeout=10)
        own.login(parties.freelancer.address, parties.freelancer.password)
        own.append("Sent", wire(invoice(parties, "2026-150")))
        own.append("INBOX", wire(client_reply(parties, "<invoice-2026-150@example.test>", 14)))
        own.logout()
        cut_now.append(True)
        with pytest.raises(TransientMailboxError):
            box.sync(first.cursor)
        cut_now.clear()
        server.start()
        assert sorted(message_ids(box.sync(first.cursor))) == [
            "<invoice-2026-150@example.test>", "<reply-14@client.example.test>"]
    finally:
        server.remove()


# -- waiting for mail --------------------------------------------------------------------------

def in_background(work: Callable[[], None]) -> Callable[[], None]:
    """Start ``work`` in a thread; return a function that joins it and re-raises its failure."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test's thread by join()
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join() -> None:
        thread.join(timeout=60)
        if failures:
            raise failures[0]
    return join


def test_idle_wakes_when_a_reply_is_delivered(mailbox, parties, smtp_server) -> None:
    mailbox.sync(None)
    reply = client_reply(parties, "<invoice-2026-120@example.test>", 7)
    with wire_log() as log:
        def reply_once_idling() -> None:
            log.wait_for_idle()
            deliver(smtp_server, parties.client, reply)

        join = in_background(reply_once_idling)
        try:
            assert mailbox.wait_for_inbox(timeout_s=30) is InboxWait.CHANGED
        finally:
            join()
    assert message_ids(mailbox.sync(None))[-1] == "<reply-7@client.example.test>"


def test_idle_still_wakes_after_it_was_renewed(mailbox, parties, smtp_server) -> None:
    mailbox.sync(None)
    # Renewed every 0.2 s (the daemon: every 25 min); the reply lands after two renewals.
    reply = client_reply(parties, "<invoice-2026-121@example.test>", 10)
    with wire_log() as log:
        def reply_once_renewed() -> None:
            log.wait_for_idle(count=3)
            deliver(smtp_server, parties.client, reply)

        join = in_background(reply_once_renewed)
        try:
            assert mailbox.wait_for_inbox(timeout_s=30, renew_s=0.2) is InboxWait.CHANGED
        finally:
            join()
    assert log.idles_accepted >= 3


def test_the_inbox_watcher_wakes_on_its_own_connection(mailbox, parties, smtp_server,
                                                      dovecot) -> None:
    first = mailbox.sync(None)
    watcher = ImapInboxWatcher(ImapSettings(
        host=dovecot.host, port=dovecot.imap_port, security=Security.NONE,
        username=parties.freelancer.address, password=parties.freelancer.password,
        scan_since_days=None, timeout_s=10.0))
    reply = client_reply(parties, "<invoice-2026-122@example.test>", 11)
    try:
        assert watcher.wait(0.3) is False
        with wire_log() as log:
            def reply_once_idling() -> None:
                log.wait_for_idle()
                deliver(smtp_server, parties.client, reply)

            join = in_background(reply_once_idling)
            try:
                assert watcher.wait(30) is True
            finally:
                join()
    finally:
        watcher.close()
    # The mailbox, on its own connection, syncs meanwhile as the daemon's cycle does.
    assert message_ids(mailbox.sync(first.cursor)) == ["<reply-11@client.example.test>"]


def test_idle_times_out_when_nothing_comes(mailbox) -> None:
    mailbox.sync(None)
    assert mailbox.wait_for_inbox(timeout_s=0.3) is InboxWait.TIMEOUT


def test_mail_that_came_before_the_wait_answers_at_once(mailbox, parties, smtp_server) -> None:
    mailbox.sync(None)
    deliver(smtp_server, parties.client,
            client_reply(parties, "<invoice-2026-130@example.test>", 8))
    # IDLE would never report it (it came before the IDLE began): only the check against the
    # last sync's UIDNEXT can answer CHANGED here.
    assert mailbox.wait_for_inbox(timeout_s=3) is InboxWait.CHANGED


def test_a_message_ref_from_a_rebuilt_folder_cannot_be_fetched(
        mailbox, parties, other_client) -> None:
    other_client.login(parties.freelancer).append("Sent", wire(invoice(parties, "2026-140")))
    ref = mailbox.sync(None).messages[0].ref
    with pytest.raises(PermanentMailboxError, match="no longer"):
        mailbox.fetch(MailRef(ref.folder, "1:99"))
    with pytest.raises(PermanentMailboxError, match="no longer"):
        mailbox.fetch(MailRef(ref.folder, "not-an-imap-ref"))


def test_smtp_unreachable_is_transient_and_nothing_counts_as_sent(make_mailbox, parties) -> None:
    box = make_mailbox(parties.freelancer, smtp={"port": free_port()})
    draft_id = box.create_draft(follow_up(parties, 9), None)
    with pytest.raises(TransientMailboxError, match="will retry"):
        box.send_draft(draft_id)
    assert not box.find_sent(draft_id)
    assert box.get_draft(draft_id) is not DRAFT_GONE


# -- TLS ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_dovecot(tmp_path_factory: pytest.TempPathFactory, dovecot) -> Iterator[DovecotServer]:
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is not installed but CI must run the TLS tests: "
                        "apt-get install -y openssl")
        pytest.skip("openssl is needed to make a test certificate (apt-get install openssl)")
    with DovecotServer(tmp_path_factory.mktemp("dovecot-tls"), tls=True) as server:
        yield server


@pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
def test_tls_with_a_trusted_certificate_works(make_mailbox, parties, tls_dovecot, security) -> None:
    trusted = ssl.create_default_context(cafile=str(tls_dovecot.cert_path))
    port = tls_dovecot.imaps_port if security is Security.TLS else tls_dovecot.imap_port
    box = make_mailbox(parties.freelancer, imap={"port": port, "security": security,
                                                 "ssl_context": trusted})
    assert box.sync(None).messages == ()


def test_an_untrusted_certificate_is_refused_with_a_clear_message(
        make_mailbox, parties, tls_dovecot) -> None:
    box = make_mailbox(parties.freelancer, imap={"port": tls_dovecot.imaps_port,
                                                 "security": Security.TLS})
    with pytest.raises(PermanentMailboxError, match="certificate"):
        box.sync(None)


# -- the pure parts ----------------------------------------------------------------------------

GMAIL_GERMAN = [
    ((b"\\HasNoChildren",), b"/", "INBOX"),
    ((b"\\HasChildren", b"\\Noselect"), b"/", "[Gmail]"),
    ((b"\\All", b"\\HasNoChildren"), b"/", "[Gmail]/Alle Nachrichten"),
    ((b"\\Drafts", b"\\HasNoChildren"), b"/", "[Gmail]/Entwürfe"),
    ((b"\\HasNoChildren", b"\\Sent"), b"/", "[Gmail]/Gesendet"),
    ((b"\\HasNoChildren", b"\\Junk"), b"/", "[Gmail]/Spam"),
    ((b"\\HasNoChildren", b"\\Trash"), b"/", "[Gmail]/Papierkorb"),
]


def test_gmail_localised_folders_are_found_by_their_flags() -> None:
    roles = resolve_folders(GMAIL_GERMAN, {})
    assert roles[Role.SENT] == "[Gmail]/Gesendet" and roles[Role.DRAFTS] == "[Gmail]/Entwürfe"
    assert roles[Role.JUNK] == "[Gmail]/Spam" and roles[Role.TRASH] == "[Gmail]/Papierkorb"


def test_xlist_spellings_count_too() -> None:
    listing = [((b"\\Inbox",), b"/", "Posteingang"), ((b"\\Sent",), b"/", "[Gmail]/Enviados"),
               ((b"\\Drafts",), b"/", "[Gmail]/Borradores"), ((b"\\Spam",), b"/", "[Gmail]/Spam")]
    roles = resolve_folders(listing, {})
    assert (roles[Role.INBOX], roles[Role.JUNK]) == ("Posteingang", "[Gmail]/Spam")


def test_servers_that_mark_nothing_are_matched_by_usual_names() -> None:
    listing = [((), b".", "INBOX"), ((), b".", "INBOX.Sent Items"), ((), b".", "INBOX.Brouillons"),
               ((), b".", "INBOX.Deleted Items")]
    roles = resolve_folders(listing, {})
    assert (roles[Role.SENT], roles[Role.DRAFTS], roles[Role.TRASH]) == (
        "INBOX.Sent Items", "INBOX.Brouillons", "INBOX.Deleted Items")
    assert Role.JUNK not in roles


def test_a_server_without_a_sent_folder_gets_told_which_key_to_set() -> None:
    with pytest.raises(PermanentMailboxError) as caught:
        resolve_folders([((), b"/", "INBOX"), ((), b"/", "Drafts"), ((), b"/", "Outbox")], {})
    assert "account.imap.sent" in str(caught.value) and "'Outbox'" in str(caught.value)


def test_the_cursor_survives_a_round_trip_and_foreign_text_is_named() -> None:
    state = FolderState("Sent", 1795353246, 42, 40, 41, 77)
    cursor = SyncCursor({"sent": state}, DraftsState(9, 3, 1, None, ("<a@example.test>",)))
    assert decode_cursor(encode_cursor(cursor)) == cursor
    assert decode_cursor(None) == EMPTY_CURSOR
    assert decode_cursor("page-token-17") is CURSOR_UNREADABLE


def test_the_scan_plan_follows_uidvalidity_and_uidnext() -> None:
    seen = FolderState("Sent", 100, 42, 40, 41, None)
    assert plan_scan(None, "Sent", FolderStatus(100, 42, 40)).kind is ScanKind.FIRST
    assert plan_scan(seen, "Sent", FolderStatus(100, 42, 39)).kind is ScanKind.NOTHING_NEW
    assert plan_scan(seen, "Sent", FolderStatus(100, 45, 43)) == ScanPlan(ScanKind.NEW_ONLY, 41)
    assert plan_scan(seen, "Sent", FolderStatus(101, 3, 2)).kind is ScanKind.RESYNC
    assert plan_scan(seen, "Gesendet", FolderStatus(100, 42, 40)).kind is ScanKind.RESYNC


def test_only_to_and_cc_receive_and_bcc_never_leaves() -> None:
    raw = (b"From: Jonas <jonas@example.test>\r\nTo: Claire Martin <claire@client.example.test>\r\n"
           b"Cc: compta@client.example.test, CLAIRE@client.example.test\r\n"
           b"Bcc: secret@example.test\r\nDate: Mon, 2 Nov 2026 05:16:00 +0100\r\n"
           b"X-Mozilla-Draft-Info: internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0\r\n"
           b"Subject: Re: Facture\r\n\r\nBonjour,\r\n")
    sent_at = datetime(2026, 11, 24, 5, 16, tzinfo=timezone(timedelta(hours=1)))
    out = message_from_bytes(outgoing_bytes(raw, sent_at))
    assert envelope_recipients(out) == ("claire@client.example.test", "compta@client.example.test")
    assert out["Bcc"] is None and out["X-Mozilla-Draft-Info"] is None
    assert out["Date"] == "Tue, 24 Nov 2026 05:16:00 +0100"
    assert out.get_payload() == "Bonjour,\r\n"


def test_the_fast_header_parser_reads_what_the_email_package_reads() -> None:
    block = ("Message-ID: <r-17@mail.example.test>\r\n"
             "Subject: =?utf-8?q?R=C3=A9ponse_automatique?=\r\n : absent jusqu'au 4\r\n"
             "To: Jonas <jonas@example.test>,\r\n\tcompta@example.test\r\n"
             "Auto-Submitted: auto-replied\r\n"
             "From: Zoë Müller <zoe@client.example.test>\r\n\r\n").encode()
    by_email_package = message_from_bytes(block, policy=policy.compat32)
    assert parse_header_block(block).items() == by_email_package.items()


# A server offering neither IDLE nor CONDSTORE nor SPECIAL-USE (only what RFC 3501 requires,
# plus UIDPLUS): Dovecot told to advertise just that after login.
PLAIN_CAPABILITIES = "imap_capability = IMAP4rev1 LITERAL+ UIDPLUS UNSELECT ENABLE"


def test_without_idle_the_inbox_is_polled(make_mailbox, parties, tmp_path) -> None:
    with DovecotServer(tmp_path, extra_config=PLAIN_CAPABILITIES) as server:
        probe = IMAPClient(server.host, server.imap_port, ssl=False, timeout=10)
        probe.login(parties.freelancer.address, parties.freelancer.password)
        assert not probe.has_capability("IDLE") and not probe.has_capability("CONDSTORE")
        probe.logout()
        box = make_mailbox(parties.freelancer, imap={"port": server.imap_port,
                                                     "poll_interval_s": 0.2})
        first = box.sync(None)

        def land() -> None:
            with smtplib.LMTP(server.host, server.lmtp_port) as lmtp:
                lmtp.sendmail(parties.client.address, [parties.freelancer.address],
                              wire(client_reply(parties, "<invoice-2026-160@example.test>", 16)))

        with wire_log() as log:
            def land_once_polling() -> None:
                log.wait_for_noop()
                land()

            join = in_background(land_once_polling)
            try:
                assert box.wait_for_inbox(timeout_s=30) is InboxWait.CHANGED
            finally:
                join()
        second = box.sync(first.cursor)
        assert message_ids(second) == ["<reply-16@client.example.test>"]
        assert box.sync(second.cursor).drafts_present == frozenset()


@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_smtp_over_tls_sends(
        make_mailbox, parties, dovecot, tls_dovecot, other_client, tls) -> None:
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(str(tls_dovecot.cert_path), str(tls_dovecot.key_path))
    smtps = DeliveringSmtpServer(dovecot.host, dovecot.lmtp_port,
                                 {parties.freelancer.address: parties.freelancer.password},
                                 tls_context=server_side, tls=tls)
    smtps.start()
    try:
        trusted = ssl.create_default_context(cafile=str(tls_dovecot.cert_path))
        box = make_mailbox(parties.freelancer, smtp={
            "port": smtps.port, "security": Security(tls), "ssl_context": trusted})
        draft_id = box.create_draft(follow_up(parties, 17), None)
        box.send_draft(draft_id)
    finally:
        smtps.stop()
    client = other_client.login(parties.client)
    client.select_folder("INBOX")
    assert len(client.search(["HEADER", "Message-ID", draft_id])) == 1
