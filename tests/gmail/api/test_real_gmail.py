"""The Gmail plugin against Gmail as it really behaves (``tests/gmailfake/rules.py``): a search
index that lags writes (on in every test here), history records with only id and threadId,
400s for bad messages, filters that keep a reply out of the Inbox, Gmail's own bounces, and
the shapes of its rate and sending limits. Through the real google-api-python-client."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import google.oauth2.credentials
import httplib2
import pytest

from relance.daemon.core.errors import (
    PermanentMailboxError,
    RefusedMessageError,
    SendingLimitError,
    TransientMailboxError,
)
from relance.daemon.core.mailbox import Folder
from relance.gmail.api.mailbox import DraftMissingError, GmailMailbox
from relance.gmail.api.marks import Marks
from relance.gmail.api.quota import Backoff
from tests.gmail.api.test_api import follow_up, ids_of, mailbox, seed_invoices
from tests.gmailfake.fixtures import CLIENT, USER, build_service, mail
from tests.gmailfake.rules import Filter
from tests.gmailfake.server import GmailFake


def fresh_box(fake: GmailFake, marks: Path | None = None,
              sleeps: list[float] | None = None) -> GmailMailbox:
    """A mailbox as a restarted process opens it: no memory but the marks file."""
    creds = google.oauth2.credentials.Credentials(**fake.credentials(USER))
    return GmailMailbox(creds, endpoint=fake.url, http=httplib2.Http(proxy_info=None),
                        sleep=(sleeps if sleeps is not None else []).append,
                        rng=random.Random(3), marks=Marks(marks),
                        backoff=Backoff(base=0.01, attempts=3))


def search_is_blind(fake: GmailFake, message_id: str) -> bool:
    svc = build_service(fake)
    q = f"rfc822msgid:{message_id.strip('<>')}"
    return svc.users().messages().list(userId="me", q=q).execute()["resultSizeEstimate"] == 0


def test_a_lost_send_answer_is_confirmed_through_history_while_search_is_blind(
        gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    draft_id = box.create_draft(follow_up(s["messages"]["inv_en"], "Reminder.",
                                          "<fu-lag@example.test>"), s["inv_en"].thread_id)
    gmail_fake.faults.queue("drop_after", method="drafts.send")
    box.send_draft(draft_id)  # the retry finds no draft (404): sent, or deleted?
    assert search_is_blind(gmail_fake, "<fu-lag@example.test>")
    assert box.find_sent("<fu-lag@example.test>")
    copies = [m for m in gmail_fake.accounts[CLIENT].messages.values()
              if m.message_id == "<fu-lag@example.test>"]
    assert len(copies) == 1


def test_after_a_kill_the_marks_say_what_was_sent_and_what_was_not(
        gmail_fake: GmailFake, tmp_path: Path) -> None:
    s = seed_invoices(gmail_fake)
    marks = tmp_path / "token.marks.json"
    box = fresh_box(gmail_fake, marks)
    inv = s["messages"]["inv_en"]
    sent_id = box.create_draft(follow_up(inv, "One.", "<fu-k1@example.test>"),
                               s["inv_en"].thread_id)
    kept_id = box.create_draft(follow_up(inv, "Two.", "<fu-k2@example.test>"),
                               s["inv_en"].thread_id)
    # Killed right after Gmail accepted drafts.send, before its answer was noted: what
    # send_draft notes before the call survives (the history id), the rest is lost.
    svc = build_service(gmail_fake)
    history = svc.users().getProfile(userId="me").execute()["historyId"]
    box.outbox.marks.note("<fu-k1@example.test>", history=history)
    svc.users().drafts().send(userId="me", body={"id": sent_id}).execute()
    # a send of the second was about to be asked when the process died
    box.outbox.marks.note("<fu-k2@example.test>", history=history)
    restarted = fresh_box(gmail_fake, marks)
    assert search_is_blind(gmail_fake, "<fu-k1@example.test>")
    assert restarted.find_sent("<fu-k1@example.test>")
    assert not restarted.find_sent("<fu-k2@example.test>")
    assert restarted.find_draft("<fu-k2@example.test>") == kept_id


def test_a_draft_whose_id_was_never_recorded_is_found_without_search(
        gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    draft_id = mailbox(gmail_fake).create_draft(
        follow_up(s["messages"]["inv_en"], "Reminder.", "<fu-twin@example.test>"),
        s["inv_en"].thread_id)
    restarted = fresh_box(gmail_fake)  # no marks at all
    assert restarted.find_draft("<fu-twin@example.test>") == draft_id
    gmail_fake.quota.reset()
    assert restarted.find_draft("<fu-none@example.test>") is None
    # the drafts' headers were read once: looking again costs one drafts.list
    assert gmail_fake.quota.calls == {"drafts.list": 1}


def test_a_draft_deleted_in_gmail_shows_in_the_next_sync(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    cursor = box.sync(None).cursor
    keep = box.create_draft(follow_up(s["messages"]["inv_en"], "A.", "<fu-a@example.test>"),
                            s["inv_en"].thread_id)
    gone = box.create_draft(follow_up(s["messages"]["inv_en"], "B.", "<fu-b@example.test>"),
                            s["inv_en"].thread_id)
    cursor = box.sync(cursor).cursor
    build_service(gmail_fake).users().drafts().delete(userId="me", id=gone).execute()
    assert box.sync(cursor).drafts_present == frozenset({keep})


def test_a_reply_a_filter_kept_out_of_the_inbox_is_still_fetched(gmail_fake: GmailFake) -> None:
    gmail_fake.add_filter(USER, Filter(CLIENT, skip_inbox=True, label="Clients"))
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    cursor = box.sync(None).cursor
    client = build_service(gmail_fake, CLIENT)
    answer = mail(CLIENT, USER, "Re: Invoice INV-0142", "Paid this morning.",
                  "<paid-0142@client.example.test>", reply_to=s["messages"]["inv_en"])
    client.users().messages().send(userId="me", body={
        "raw": base64.urlsafe_b64encode(answer.as_bytes()).decode()}).execute()
    (got,) = box.sync(cursor).messages
    assert b"Paid this morning" in got.raw and got.thread_id == s["inv_en"].thread_id
    assert got.ref.folder is Folder.INBOX  # what the cycle reads as received mail
    again = mailbox(gmail_fake).sync(None)  # a first sync finds it too, search lag or not
    assert got.ref.id in ids_of(again)


def test_gmails_bounce_in_the_invoice_thread_is_fetched(gmail_fake: GmailFake) -> None:
    gmail_fake.refuse_address("gone@client.example.test")
    box = mailbox(gmail_fake)
    cursor = box.sync(None).cursor
    inv = mail(USER, "gone@client.example.test", "Invoice INV-0199", "Invoice attached.",
               "<inv-0199@example.test>", pdf=b"%PDF-1.4\n%%EOF\n")
    build_service(gmail_fake).users().messages().send(userId="me", body={
        "raw": base64.urlsafe_b64encode(inv.as_bytes()).decode()}).execute()
    got = box.sync(cursor).messages
    assert [m.ref.folder for m in got] == [Folder.SENT, Folder.INBOX]
    assert got[0].thread_id == got[1].thread_id
    assert b"mailer-daemon@googlemail.com" in got[1].raw


@pytest.mark.parametrize(("to", "reason"), [("", "Recipient address required"),
                                             ("dana at example", "Invalid To header")])
def test_a_message_gmail_refuses_is_a_refused_message_error(gmail_fake: GmailFake, to: str,
                                                            reason: str) -> None:
    s = seed_invoices(gmail_fake)
    sleeps: list[float] = []
    box = mailbox(gmail_fake, sleeps)
    bad = follow_up(s["messages"]["inv_en"], "Reminder.", "<fu-400@example.test>")
    del bad["To"]
    if to:
        bad["To"] = to
    draft_id = box.create_draft(bad, s["inv_en"].thread_id)
    with pytest.raises(RefusedMessageError, match=reason) as err:
        box.send_draft(draft_id)
    assert isinstance(err.value, PermanentMailboxError) and sleeps == []  # not retried
    with pytest.raises(RefusedMessageError, match="Invalid thread_id value"):
        box.create_draft(follow_up(s["messages"]["inv_en"], "x", "<fu-t@example.test>"),
                         "18f00000deadbeef")


def test_a_deleted_draft_is_a_refused_message_not_a_crash(gmail_fake: GmailFake) -> None:
    assert issubclass(DraftMissingError, RefusedMessageError)


def test_the_sending_limit_is_transient_says_when_and_is_not_hammered(
        gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    sleeps: list[float] = []
    box = mailbox(gmail_fake, sleeps)
    draft_id = box.create_draft(follow_up(s["messages"]["inv_en"], "x", "<fu-lim@example.test>"),
                                s["inv_en"].thread_id)
    gmail_fake.sending.per_day = 0
    with pytest.raises(TransientMailboxError, match="sending limit") as err:
        box.send_draft(draft_id)
    assert "Retry after" in str(err.value) and sleeps == []
    assert gmail_fake.quota.calls["drafts.send"] == 1
    assert draft_id in gmail_fake.accounts[USER].drafts  # nothing lost, nothing sent
    # Gmail said until when: before then, no call and no quota is spent on asking again
    gmail_fake.quota.reset()
    with pytest.raises(SendingLimitError, match="not asked again"):
        box.send_draft(draft_id)
    assert gmail_fake.quota.http_requests == 0
    retry = err.value.retry_at  # type: ignore[attr-defined]
    gmail_fake.sending.per_day = None
    box.outbox.clock = lambda: retry + 1
    box.send_draft(draft_id)
    assert box.find_sent("<fu-lim@example.test>")


def test_the_daily_limit_is_transient_not_a_call_to_rerun_setup(gmail_fake: GmailFake) -> None:
    box = mailbox(gmail_fake)
    gmail_fake.faults.queue("403daily")
    with pytest.raises(TransientMailboxError, match="dailyLimitExceeded") as err:
        box.sync(None)
    assert "relance setup" not in str(err.value)


@pytest.mark.parametrize("kind", ["429user", "403", "429"])
def test_the_per_user_rate_limit_is_waited_out(gmail_fake: GmailFake, kind: str) -> None:
    seed_invoices(gmail_fake)
    sleeps: list[float] = []
    box = mailbox(gmail_fake, sleeps)
    gmail_fake.faults.queue(kind, kind)
    assert box.sync(None).full
    assert len(sleeps) == 2 and gmail_fake.faults.injected[kind] == 2


def test_draft_versions_gmail_saved_and_replaced_meanwhile_are_not_fetched(
        gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    cursor = box.sync(None).cursor
    svc = build_service(gmail_fake)
    draft = mail(USER, CLIENT, "Lunch?", "Are you free on", "<lunch@example.test>")
    made = svc.users().drafts().create(userId="me", body={"message": {
        "raw": base64.urlsafe_b64encode(draft.as_bytes()).decode()}}).execute()
    for text in ("Are you free on Friday", "Are you free on Friday at noon?"):
        draft.set_content(text)  # the web app saves the draft anew as the user types
        svc.users().drafts().update(userId="me", id=made["id"], body={"message": {
            "raw": base64.urlsafe_b64encode(draft.as_bytes()).decode()}}).execute()
    gmail_fake.quota.reset()
    changes = box.sync(cursor)
    assert changes.messages == () and made["id"] in (changes.drafts_present or ())
    assert gmail_fake.quota.calls["messages.get"] == 1  # the last version only, a draft
    assert s["inv_en"].id not in ids_of(changes)


def test_a_first_sync_right_after_sending_finds_the_invoice_search_cannot_see_yet(
        gmail_fake: GmailFake) -> None:
    box = mailbox(gmail_fake)  # a new user: no invoice Gmail's search could find
    inv = mail(USER, CLIENT, "Invoice INV-0300", "Invoice INV-0300 attached.",
               "<inv-0300@example.test>", pdf=b"%PDF-1.4\n%%EOF\n")
    sent = build_service(gmail_fake).users().messages().send(userId="me", body={
        "raw": base64.urlsafe_b64encode(inv.as_bytes()).decode()}).execute()
    assert search_is_blind(gmail_fake, "<inv-0300@example.test>")
    changes = box.sync(None)
    assert ids_of(changes) == {sent["id"]}
    assert [m.ref.folder for m in changes.messages] == [Folder.SENT]
