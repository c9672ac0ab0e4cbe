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
    inbox = client.users().messages().list(userId="me", labelIds=["INBOX"]).execute()[
        "messages"]
    assert len(inbox) == 1
    answer = mail(CLIENT, USER, "RE: Invoice INV-2031", "Merci, le virement part vendredi.",
                  "<ans@client.example.test>", reply_to=first)
    send(client, answer, inbox[0]["threadId"])
    mine = me.users().messages().list(userId="me", labelIds=["INBOX"]).execute()["messages"]
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
    found = svc.users().messages().list(userId="me", labelIds=["SENT"]).execute()["messages"]
    assert found[0]["id"] == sent["id"]
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


def test_search_subset() -> None:
    with GmailFake(search_lag=0) as fake:
        fake.add_account(USER)
        _search_subset(build_service(fake))


def _search_subset(svc: Any) -> None:
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


# -- Gmail as it really behaves (rules.py) -------------------------------------------------------

def lagging_fake() -> tuple[GmailFake, list[float]]:
    clock = [1_772_000_000.0]
    fake = GmailFake(clock=lambda: clock[0]).start()
    fake.add_account(USER)
    fake.add_account(CLIENT)
    return fake, clock


def test_search_lags_writes_while_get_and_label_listing_see_them_at_once() -> None:
    fake, clock = lagging_fake()
    try:
        svc = build_service(fake)
        sent = send(svc, invoice())
        msgs = svc.users().messages()
        assert msgs.list(userId="me", q="rfc822msgid:inv-2031@example.test").execute()[
            "resultSizeEstimate"] == 0
        assert msgs.get(userId="me", id=sent["id"]).execute()["id"] == sent["id"]
        by_label = msgs.list(userId="me", labelIds=["SENT"]).execute()["messages"]
        assert [m["id"] for m in by_label] == [sent["id"]]
        draft = svc.users().drafts().create(userId="me", body={"message": {"raw": b64(mail(
            USER, CLIENT, "Re: Invoice INV-2031", "x", "<d1@example.test>"))}}).execute()
        drafts = svc.users().drafts()
        assert drafts.list(userId="me", q="rfc822msgid:d1@example.test").execute()[
            "resultSizeEstimate"] == 0
        assert [d["id"] for d in drafts.list(userId="me").execute()["drafts"]] == [draft["id"]]
        clock[0] += fake.search_lag + 61  # the index has caught up (and the minute moved on)
        assert msgs.list(userId="me", q="rfc822msgid:inv-2031@example.test").execute()[
            "resultSizeEstimate"] == 1
        assert drafts.list(userId="me", q="rfc822msgid:d1@example.test").execute()[
            "resultSizeEstimate"] == 1
    finally:
        fake.stop()


def test_search_lag_knob_off_sees_writes_at_once() -> None:
    with GmailFake(search_lag=0) as fake:
        fake.add_account(USER)
        svc = build_service(fake)
        send(svc, invoice())
        assert svc.users().messages().list(userId="me", q="in:sent").execute()[
            "resultSizeEstimate"] == 1


def test_history_records_carry_only_id_and_thread_id(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    start = svc.users().getProfile(userId="me").execute()["historyId"]
    sent = send(svc, invoice())
    svc.users().messages().modify(userId="me", id=sent["id"],
                                  body={"addLabelIds": ["STARRED"]}).execute()
    records = svc.users().history().list(userId="me", startHistoryId=start).execute()["history"]
    for record in records:
        for ref in record["messages"]:
            assert set(ref) == {"id", "threadId"}
    added = records[0]["messagesAdded"][0]["message"]
    assert set(added) == {"id", "threadId"}
    assert records[1]["labelsAdded"][0]["labelIds"] == ["STARRED"]
    # the labelId filter still works: Gmail knows the labels, it just does not send them
    sent_only = svc.users().history().list(userId="me", startHistoryId=start,
                                           labelId="SENT").execute()["history"]
    assert len(sent_only) == 2


@pytest.mark.parametrize(("to", "expected"), [
    ("", "Recipient address required"),
    ("dana at example dot test", "Invalid To header"),
])
def test_sending_a_bad_draft_answers_400(gmail_fake: GmailFake, to: str, expected: str) -> None:
    svc = build_service(gmail_fake)
    msg = mail(USER, CLIENT, "Re: Invoice", "x", "<bad@example.test>")
    del msg["To"]
    if to:
        msg["To"] = to
    draft = svc.users().drafts().create(userId="me", body={"message": {"raw": b64(msg)}})
    draft_id = draft.execute()["id"]  # Gmail keeps a draft without recipients...
    with pytest.raises(HttpError) as err:
        svc.users().drafts().send(userId="me", body={"id": draft_id}).execute()
    assert err.value.resp.status == 400 and expected in str(err.value)
    assert draft_id in gmail_fake.accounts[USER].drafts  # ...and still has it afterwards


def test_an_unknown_thread_id_answers_400(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    body = {"message": {"raw": b64(invoice()), "threadId": "18f00000deadbeef"}}
    with pytest.raises(HttpError) as err:
        svc.users().drafts().create(userId="me", body=body).execute()
    assert err.value.resp.status == 400 and "Invalid thread_id value" in str(err.value)


def test_a_filter_skips_the_inbox_and_labels_but_the_reply_joins_its_thread(
        gmail_fake: GmailFake) -> None:
    from tests.gmailfake.rules import Filter

    gmail_fake.add_filter(USER, Filter(CLIENT, skip_inbox=True, label="Clients"))
    me, client = build_service(gmail_fake), build_service(gmail_fake, CLIENT)
    first = invoice()
    tid = send(me, first)["threadId"]
    answer = mail(CLIENT, USER, "Re: Invoice INV-2031", "Paid today.", "<paid@client.test>",
                  reply_to=first)
    theirs = client.users().messages().list(userId="me", labelIds=["INBOX"]).execute()
    send(client, answer, theirs["messages"][0]["threadId"])
    (got,) = [m for m in gmail_fake.accounts[USER].messages.values()
              if m.message_id == "<paid@client.test>"]
    labels = {lbl["name"]: lbl["id"] for lbl in
              me.users().labels().list(userId="me").execute()["labels"]}
    assert "INBOX" not in got.labels and labels["Clients"] in got.labels
    assert got.thread_id == tid


def test_mail_to_an_address_that_does_not_exist_bounces_into_the_original_thread(
        gmail_fake: GmailFake) -> None:
    gmail_fake.refuse_address("gone@client.test")
    svc = build_service(gmail_fake)
    first = mail(USER, "gone@client.test", "Invoice INV-7", "Invoice attached.",
                 "<inv-7@example.test>", pdf=PDF)
    tid = send(svc, first)["threadId"]
    thread = svc.users().threads().get(userId="me", id=tid, format="minimal").execute()
    assert len(thread["messages"]) == 2
    got = svc.users().messages().get(userId="me", id=thread["messages"][1]["id"],
                                     format="raw").execute()
    import email
    parsed = email.message_from_bytes(base64.urlsafe_b64decode(got["raw"]))
    assert parsed["From"] == "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
    assert parsed["X-Failed-Recipients"] == "gone@client.test"
    assert parsed["In-Reply-To"] == "<inv-7@example.test>"
    assert "INBOX" in thread["messages"][1]["labelIds"]


def test_the_mail_sending_limit_answers_429_with_a_time_to_retry(gmail_fake: GmailFake) -> None:
    gmail_fake.sending.per_day = 1
    svc = build_service(gmail_fake)
    send(svc, invoice())
    with pytest.raises(HttpError) as err:
        send(svc, mail(USER, CLIENT, "Another", "x", "<another@example.test>"))
    assert err.value.resp.status == 429
    assert "Retry after" in str(err.value) and "(Mail sending)" in str(err.value)
    svc.users().getProfile(userId="me").execute()  # other calls still work


@pytest.mark.parametrize(("kind", "status", "reason"), [
    ("429user", 429, "userRateLimitExceeded"), ("403", 403, "userRateLimitExceeded"),
    ("403daily", 403, "dailyLimitExceeded"), ("429send", 429, "rateLimitExceeded"),
])
def test_limit_errors_have_gmails_shapes(gmail_fake: GmailFake, kind: str, status: int,
                                         reason: str) -> None:
    import json
    gmail_fake.faults.queue(kind)
    svc = build_service(gmail_fake)
    with pytest.raises(HttpError) as err:
        svc.users().getProfile(userId="me").execute()
    body = json.loads(err.value.content)["error"]
    assert err.value.resp.status == status == body["code"]
    assert body["errors"][0]["reason"] == reason and body["errors"][0]["domain"] == "global"
