"""The Gmail API plugin through the real google-api-python-client, against the fake Gmail
server of ``tests/gmailfake`` (a real HTTP server on loopback)."""

from __future__ import annotations

import base64
import random
import time
from email.message import EmailMessage
from typing import Any

import google.oauth2.credentials
import httplib2
import pytest

from relance.daemon.core.errors import PermanentMailboxError
from relance.daemon.core.mailbox import DRAFT_GONE, Folder, Mailbox
from relance.gmail.api.mailbox import DraftMissingError, GmailMailbox
from relance.gmail.api.quota import SCOPE_MODIFY, scopes
from tests.gmailfake.fixtures import CLIENT, USER, build_service, mail
from tests.gmailfake.server import GmailFake

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DAY_MS = 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def mailbox(fake: GmailFake, sleeps: list[float] | None = None) -> GmailMailbox:
    creds = google.oauth2.credentials.Credentials(**fake.credentials(USER))
    waits = sleeps if sleeps is not None else []
    return GmailMailbox(creds, endpoint=fake.url, http=httplib2.Http(proxy_info=None),
                        sleep=waits.append, rng=random.Random(7))


def seed_invoices(fake: GmailFake) -> dict[str, Any]:
    """A small realistic mailbox: three invoices (English, French, Romanian), a client's reply
    to one, a sent note with no invoice, and unrelated inbox mail."""
    inv_en = mail(USER, CLIENT, "Invoice INV-0142", "Hi Dana,\nattached is invoice INV-0142 "
                  "for the March design work, 1,850.00 EUR, due 30 April.\nBest, Ana",
                  "<inv-0142@example.test>", pdf=PDF)
    inv_fr = mail(USER, "compta@atelier.example.test", "Facture F-2026-031",
                  "Bonjour,\nveuillez trouver ci-joint la facture F-2026-031 (920,00 EUR), "
                  "payable à 30 jours.\nCordialement", "<f-2026-031@example.test>", pdf=PDF)
    inv_ro = mail(USER, "office@firma.example.test", "Factura RO-88",
                  "Bună ziua,\nvă trimit factura RO-88 în valoare de 4.200 RON, scadentă "
                  "la 15 mai.\nMulțumesc", "<ro-88@example.test>", pdf=PDF)
    note = mail(USER, "friend@example.test", "Saturday hike", "Meet at the station at eight?",
                "<hike@example.test>")
    reply = mail(CLIENT, USER, "Re: Invoice INV-0142", "Thanks Ana, we will pay next week.",
                 "<r-0142@client.example.test>", reply_to=inv_en)
    news = mail("news@shop.example.test", USER, "Spring sale", "Everything must go.",
                "<sale@shop.example.test>")
    old = now_ms() - 20 * DAY_MS
    seeded = {
        "inv_en": fake.seed(USER, inv_en.as_bytes(), {"SENT"}, old),
        "inv_fr": fake.seed(USER, inv_fr.as_bytes(), {"SENT"}, old + DAY_MS),
        "inv_ro": fake.seed(USER, inv_ro.as_bytes(), {"SENT"}, old + 2 * DAY_MS),
        "note": fake.seed(USER, note.as_bytes(), {"SENT"}, old + 3 * DAY_MS),
        "news": fake.seed(USER, news.as_bytes(), {"INBOX"}, old + 4 * DAY_MS),
    }
    inv = seeded["inv_en"]
    seeded["reply"] = fake.accounts[USER].add(reply.as_bytes(), {"INBOX"}, old + 5 * DAY_MS,
                                              deliver=True)
    seeded["messages"] = {"inv_en": inv_en}
    assert seeded["reply"].thread_id == inv.thread_id
    return seeded


def ids_of(changes: Any) -> set[str]:
    return {m.ref.id for m in changes.messages}


def follow_up(invoice: EmailMessage, text: str, message_id: str) -> EmailMessage:
    return mail(USER, CLIENT, f"Re: {invoice['Subject']}", text, message_id, reply_to=invoice)


def test_satisfies_the_mailbox_protocol_and_scopes(gmail_fake: GmailFake) -> None:
    box = mailbox(gmail_fake)
    assert isinstance(box, Mailbox)
    assert box.address == USER
    assert SCOPE_MODIFY not in scopes(labels_enabled=False)
    assert SCOPE_MODIFY not in scopes(labels_enabled=True)  # labels are not built


def test_first_sync_fetches_invoices_and_their_threads_only(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    gmail_fake.quota.reset()
    before = box.quota.units
    changes = box.sync(None)
    wanted = {s[k].id for k in ("inv_en", "inv_fr", "inv_ro", "reply")}
    assert ids_of(changes) == wanted
    assert changes.full and changes.drafts_present == frozenset()
    by_id = {m.ref.id: m for m in changes.messages}
    assert by_id[s["reply"].id].ref.folder is Folder.INBOX
    assert by_id[s["reply"].id].thread_id == s["inv_en"].thread_id
    assert b"INV-0142" in by_id[s["inv_en"].id].raw
    # profile 1 + two lists 10 + notices list 5 + the newest listed with and without a query
    # 10 + drafts.list 5 + four gets 20 + labels.list 1 (no control label created, so no
    # listing of labelled messages); the gets in one batch
    assert gmail_fake.quota.units[USER] == 52 == box.quota.units - before
    assert gmail_fake.quota.calls["messages.get"] == 4
    assert gmail_fake.quota.http_requests == 10  # labels.list is one more request


def test_incremental_sync_returns_only_new_mail_and_idle_costs_two_units(
        gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    cursor = box.sync(None).cursor
    client = build_service(gmail_fake, CLIENT)
    answer = mail(CLIENT, USER, "Re: Facture F-2026-031", "Paiement effectué ce matin.",
                  "<paid@atelier.example.test>")
    client.users().messages().send(userId="me", body={
        "raw": base64.urlsafe_b64encode(answer.as_bytes()).decode()}).execute()
    changes = box.sync(cursor)
    assert not changes.full
    assert [m.raw.count(b"Paiement") for m in changes.messages] == [1]
    assert changes.drafts_present is None  # no draft changed: nothing to report
    gmail_fake.quota.reset()
    idle = box.sync(changes.cursor)
    assert idle.messages == () and idle.cursor == changes.cursor
    assert gmail_fake.quota.units[USER] == 2 and gmail_fake.quota.http_requests == 1
    assert s["inv_en"].id not in ids_of(changes)


def test_expired_history_triggers_full_resync_that_loses_nothing(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    cursor = box.sync(None).cursor
    late = mail(USER, CLIENT, "Invoice INV-0150", "Invoice INV-0150 attached.",
                "<inv-0150@example.test>", pdf=PDF)
    new = gmail_fake.seed(USER, late.as_bytes(), {"SENT"}, now_ms())
    gmail_fake.accounts[USER].expire_history()
    changes = box.sync(cursor)
    assert changes.full
    expected = {new.id, s["inv_en"].id, s["inv_fr"].id, s["inv_ro"].id, s["reply"].id}
    assert expected <= ids_of(changes)
    assert box.sync(changes.cursor).messages == ()


def test_follow_up_draft_is_sent_in_the_invoice_thread(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    cursor = box.sync(None).cursor
    invoice = s["messages"]["inv_en"]
    draft_id = box.create_draft(follow_up(invoice, "A gentle reminder about INV-0142.",
                                          "<fu-0142-1@example.test>"), s["inv_en"].thread_id)
    changes = box.sync(cursor)
    # a draft added takes none away: no drafts.list (history does not say it was a draft)
    assert changes.drafts_present is None and changes.messages == ()
    assert not box.find_sent("<fu-0142-1@example.test>")
    box.send_draft(draft_id)
    assert box.find_sent("<fu-0142-1@example.test>")
    after = box.sync(changes.cursor)
    sent = [m for m in after.messages if m.ref.folder is Folder.SENT]
    assert [m.thread_id for m in sent] == [s["inv_en"].thread_id]
    assert after.drafts_present == frozenset()
    client_inbox = gmail_fake.accounts[CLIENT].messages.values()
    assert sum(b"gentle reminder" in m.raw for m in client_inbox) == 1


def test_edited_draft_is_sent_as_edited(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    invoice = s["messages"]["inv_en"]
    draft_id = box.create_draft(follow_up(invoice, "Reminder text by relance.",
                                          "<fu-e@example.test>"), s["inv_en"].thread_id)
    edited = follow_up(invoice, "Dana, a friendly nudge from me personally.", "<fu-e@example.test>")
    build_service(gmail_fake).users().drafts().update(userId="me", id=draft_id, body={
        "message": {"raw": base64.urlsafe_b64encode(edited.as_bytes()).decode(),
                    "threadId": s["inv_en"].thread_id}}).execute()
    now = box.get_draft(draft_id)
    assert isinstance(now, bytes) and b"friendly nudge" in now
    box.send_draft(draft_id)
    sent = [m for m in gmail_fake.accounts[USER].messages.values() if "SENT" in m.labels
            and m.message_id == "<fu-e@example.test>"]
    assert len(sent) == 1 and b"friendly nudge" in sent[0].raw
    assert sent[0].thread_id == s["inv_en"].thread_id


def test_deleted_draft_is_gone(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    draft_id = box.create_draft(follow_up(s["messages"]["inv_en"], "Reminder.",
                                          "<fu-d@example.test>"), s["inv_en"].thread_id)
    build_service(gmail_fake).users().drafts().delete(userId="me", id=draft_id).execute()
    assert box.get_draft(draft_id) is DRAFT_GONE
    box.delete_draft(draft_id)  # already gone: not an error
    with pytest.raises(DraftMissingError, match="deleted in Gmail"):
        box.send_draft(draft_id)
    assert not box.find_sent("<fu-d@example.test>")


def test_twenty_percent_errors_still_do_everything_exactly_once(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    sleeps: list[float] = []
    box = mailbox(gmail_fake, sleeps)
    gmail_fake.faults.rate(0.2, ("429", "500", "403"), seed=3)
    changes = box.sync(None)
    assert {s[k].id for k in ("inv_en", "inv_fr", "inv_ro", "reply")} == ids_of(changes)
    invoice = s["messages"]["inv_en"]
    for n in range(3):
        mid = f"<fu-x{n}@example.test>"
        draft_id = box.create_draft(follow_up(invoice, f"Reminder {n}.", mid),
                                    s["inv_en"].thread_id)
        box.send_draft(draft_id)
        assert box.find_sent(mid)
    gmail_fake.faults.clear()
    sent = [m.message_id for m in gmail_fake.accounts[USER].messages.values()
            if "SENT" in m.labels and m.message_id.startswith("<fu-x")]
    assert sorted(sent) == [f"<fu-x{n}@example.test>" for n in range(3)]
    assert gmail_fake.accounts[USER].drafts == {}
    assert sum(gmail_fake.faults.injected.values()) > 0 and len(sleeps) > 0


def test_connection_dropped_after_send_is_not_sent_twice(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    draft_id = box.create_draft(follow_up(s["messages"]["inv_en"], "Reminder.",
                                          "<fu-drop@example.test>"), s["inv_en"].thread_id)
    # Gmail sends it, then the connection drops: the client never hears back.
    gmail_fake.faults.queue("drop_after", method="drafts.send")
    box.send_draft(draft_id)
    assert gmail_fake.faults.injected["drop_after"] == 1
    assert gmail_fake.quota.calls["drafts.send"] >= 2  # the send was retried...
    copies = [m for m in gmail_fake.accounts[CLIENT].messages.values()
              if m.message_id == "<fu-drop@example.test>"]
    assert len(copies) == 1  # ...and still went out once
    assert box.find_sent("<fu-drop@example.test>")


def test_revoked_grant_is_a_permanent_error_telling_to_run_setup(gmail_fake: GmailFake) -> None:
    seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    gmail_fake.revoke(USER)
    with pytest.raises(PermanentMailboxError, match="relance setup") as err:
        box.sync(None)
    assert "invalid_grant" in str(err.value)


def test_fetch_returns_a_message_again_or_says_it_is_gone(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    ref = next(m.ref for m in box.sync(None).messages if m.ref.id == s["inv_fr"].id)
    assert box.fetch(ref) == s["inv_fr"].raw
    gmail_fake.accounts[USER].delete(s["inv_fr"].id)
    with pytest.raises(PermanentMailboxError, match="no longer in the mailbox"):
        box.fetch(ref)


def test_a_draft_is_found_again_by_its_message_id(gmail_fake: GmailFake) -> None:
    s = seed_invoices(gmail_fake)
    box = mailbox(gmail_fake)
    assert box.find_draft("<fu-f@example.test>") is None
    draft_id = box.create_draft(follow_up(s["messages"]["inv_en"], "Reminder.",
                                          "<fu-f@example.test>"), s["inv_en"].thread_id)
    box.create_draft(follow_up(s["messages"]["inv_en"], "Another one.", "<fu-g@example.test>"),
                     s["inv_en"].thread_id)
    assert box.find_draft("<fu-f@example.test>") == draft_id
