"""The fake Gmail server against Gmail's documented behaviour, through the real client."""

from __future__ import annotations

import base64
import io
import socket
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload

from tests.gmailfake.faults import Quota
from tests.gmailfake.fixtures import CLIENT, USER, build_service, mail
from tests.gmailfake.server import GmailFake

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def b64(msg: Any) -> str:
    return base64.urlsafe_b64encode(msg.as_bytes()).decode()


def send(svc: Any, msg: Any, thread_id: str | None = None) -> dict:
    body = {"raw": b64(msg)} | ({"threadId": thread_id} if thread_id else {})
    return svc.users().messages().send(userId="me", body=body).execute()


def invoice() -> Any:
    return mail(USER, CLIENT, "Invoice INV-2031", "Hello, please find invoice INV-2031 "
                "attached, due on 31 March.", "<inv-2031@example.test>", pdf=PDF)


def test_reply_joins_thread_only_with_thread_id_references_and_subject(
        gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    first = invoice()
    tid = send(svc, first)["threadId"]
    good = mail(USER, CLIENT, "Re: Invoice INV-2031", "Gentle reminder.", "<r1@example.test>",
                reply_to=first)
    assert send(svc, good, tid)["threadId"] == tid
    # Each of the three conditions missing starts a new thread.
    no_thread_id = mail(USER, CLIENT, "Re: Invoice INV-2031", "x", "<r2@example.test>",
                        reply_to=first)
    assert send(svc, no_thread_id)["threadId"] != tid
    no_refs = mail(USER, CLIENT, "Re: Invoice INV-2031", "x", "<r3@example.test>")
    assert send(svc, no_refs, tid)["threadId"] != tid
    other_subject = mail(USER, CLIENT, "Lunch on Friday?", "x", "<r4@example.test>",
                         reply_to=first)
    assert send(svc, other_subject, tid)["threadId"] != tid


def test_delivery_lands_in_recipient_inbox_and_a_reply_threads_back(gmail_fake: GmailFake) -> None:
    me, client = build_service(gmail_fake), build_service(gmail_fake, CLIENT)
    first = invoice()
    tid = send(me, first)["threadId"]
    inbox = client.users().messages().list(userId="me", q="in:inbox").execute()["messages"]
    assert len(inbox) == 1
    answer = mail(CLIENT, USER, "RE: Invoice INV-2031", "Merci, le virement part vendredi.",
                  "<ans@client.example.test>", reply_to=first)
    send(client, answer, inbox[0]["threadId"])
    mine = me.users().messages().list(userId="me", q="in:inbox").execute()["messages"]
    assert [m["threadId"] for m in mine] == [tid]


def test_drafts_send_files_in_sent_keeps_thread_and_removes_draft(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    first = invoice()
    tid = send(svc, first)["threadId"]
    follow = mail(USER, CLIENT, "Re: Invoice INV-2031", "A short reminder about INV-2031.",
                  "<fu-1@example.test>", reply_to=first)
    draft = svc.users().drafts().create(
        userId="me", body={"message": {"raw": b64(follow), "threadId": tid}}).execute()
    assert draft["message"]["threadId"] == tid
    sent = svc.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    assert sent["threadId"] == tid and "SENT" in sent["labelIds"]
    assert svc.users().drafts().list(userId="me").execute().get("drafts", []) == []
    found = svc.users().messages().list(userId="me", q="in:sent rfc822msgid:fu-1@example.test")
    assert found.execute()["messages"][0]["id"] == sent["id"]
    with pytest.raises(HttpError) as err:
        svc.users().drafts().get(userId="me", id=draft["id"]).execute()
    assert err.value.resp.status == 404


def test_draft_update_replaces_text_and_delete_removes(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    d = svc.users().drafts().create(userId="me", body={"message": {"raw": b64(invoice())}})
    draft_id = d.execute()["id"]
    edited = mail(USER, CLIENT, "Invoice INV-2031", "Edited by hand.", "<inv-2031@example.test>")
    svc.users().drafts().update(userId="me", id=draft_id,
                                body={"message": {"raw": b64(edited)}}).execute()
    got = svc.users().drafts().get(userId="me", id=draft_id, format="raw").execute()
    assert b"Edited by hand." in base64.urlsafe_b64decode(got["message"]["raw"])
    svc.users().drafts().delete(userId="me", id=draft_id).execute()
    assert svc.users().drafts().list(userId="me").execute().get("drafts", []) == []


def test_history_ids_increase_not_contiguously_and_expire_with_404(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    start = svc.users().getProfile(userId="me").execute()["historyId"]
    for n in range(5):
        send(svc, mail(USER, CLIENT, f"Note {n}", "x", f"<n{n}@example.test>"))
    hist = svc.users().history().list(userId="me", startHistoryId=start,
                                      historyTypes=["messageAdded"]).execute()
    ids = [int(h["id"]) for h in hist["history"]]
    assert len(ids) == 5 and ids == sorted(ids) and ids[0] > int(start)
    assert any(b - a > 1 for a, b in zip(ids, ids[1:], strict=False))
    gmail_fake.accounts[USER].expire_history()
    with pytest.raises(HttpError) as err:
        svc.users().history().list(userId="me", startHistoryId=start).execute()
    assert err.value.resp.status == 404


def test_batch_answers_each_part_and_charges_each(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    ids = [send(svc, mail(USER, CLIENT, f"Factura {n}", "x", f"<f{n}@example.test>"))["id"]
           for n in range(3)]
    gmail_fake.quota.reset()
    got: dict[str, Any] = {}
    batch = svc.new_batch_http_request(
        callback=lambda rid, resp, exc: got.update({rid: resp or exc}))
    for mid in ids + ["ffffffffffffffff"]:
        batch.add(svc.users().messages().get(userId="me", id=mid, format="metadata",
                                             metadataHeaders=["Subject"]), request_id=mid)
    batch.execute()
    assert [got[m]["payload"]["headers"][0]["value"] for m in ids] == [
        "Factura 0", "Factura 1", "Factura 2"]
    assert isinstance(got["ffffffffffffffff"], HttpError)
    assert gmail_fake.quota.http_requests == 1
    assert gmail_fake.quota.units[USER] == 4 * 5


def test_quota_per_user_per_minute_answers_429() -> None:
    clock = [0.0]
    with GmailFake() as fake:
        fake.quota = Quota(limit=12, clock=lambda: clock[0])
        fake.add_account(USER)
        svc = build_service(fake)
        for _ in range(2):
            svc.users().messages().list(userId="me").execute()  # 5 units each
        with pytest.raises(HttpError) as err:
            svc.users().messages().list(userId="me").execute()
        assert err.value.resp.status == 429
        clock[0] = 61.0  # the minute has moved on
        svc.users().messages().list(userId="me").execute()
        assert fake.quota.units[USER] == 15


@pytest.mark.parametrize("resumable", [False, True])
def test_upload_paths_send_the_message(gmail_fake: GmailFake, resumable: bool) -> None:
    svc = build_service(gmail_fake)
    raw = invoice().as_bytes()
    media = MediaIoBaseUpload(io.BytesIO(raw), mimetype="message/rfc822", resumable=resumable)
    sent = svc.users().messages().send(userId="me", body={}, media_body=media).execute()
    got = svc.users().messages().get(userId="me", id=sent["id"], format="raw").execute()
    assert base64.urlsafe_b64decode(got["raw"]) == raw
    assert "SENT" in got["labelIds"]


def test_search_subset(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    send(svc, invoice())
    send(svc, mail(USER, CLIENT, "Rechnung 77", "Bitte überweisen Sie den Betrag.", "<r77@x>"))
    send(svc, mail(USER, CLIENT, "Photos", "From the trip.", "<p@x>"))

    def count(q: str) -> int:
        return svc.users().messages().list(userId="me", q=q).execute()["resultSizeEstimate"]

    assert count("in:sent newer_than:7d (has:attachment OR rechnung)") == 2
    assert count("in:sent -has:attachment") == 2
    assert count("in:inbox") == 0
    assert count("older_than:7d") == 0
    assert count("rfc822msgid:<r77@x>") == 1


def test_faults_and_revoked_token(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    gmail_fake.faults.queue("500", "403")
    for status in (500, 403):
        with pytest.raises(HttpError) as err:
            svc.users().getProfile(userId="me").execute()
        assert err.value.resp.status == status
    gmail_fake.revoke(USER)
    fresh = build_service(gmail_fake)
    import google.auth.exceptions
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        fresh.users().getProfile(userId="me").execute()


def test_dropped_connection_closes_without_answer(gmail_fake: GmailFake) -> None:
    gmail_fake.faults.queue("drop")
    host, port = gmail_fake.url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /gmail/v1/users/me/profile HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Bearer access-me@example.test\r\n\r\n")
        assert sock.recv(100) == b""
    assert gmail_fake.faults.injected["drop"] == 1
