"""The fake's settings and labels, each as the Gmail reference describes it: settings.sendAs.list
gives the primary address with its display name and HTML signature, settings.getLanguage an
RFC 3066 tag; a user label gets an id like Label_1, and putting it on a message is a
labelsAdded history record carrying the label's id (ListHistoryResponse.history)."""

from __future__ import annotations

from tests.gmailfake.fixtures import USER, build_service
from tests.gmailfake.server import GmailFake
from tests.gmailfake.test_server import invoice, send


def test_send_as_and_language_are_what_the_user_set(gmail_fake: GmailFake) -> None:
    acc = gmail_fake.accounts[USER]
    acc.display_name, acc.signature_html, acc.language = "Ana", "<b>Ana</b>", "en-GB"
    svc = build_service(gmail_fake).users().settings()
    (primary,) = svc.sendAs().list(userId="me").execute()["sendAs"]
    assert primary["sendAsEmail"] == USER and primary["isPrimary"] is True
    assert (primary["displayName"], primary["signature"]) == ("Ana", "<b>Ana</b>")
    assert svc.getLanguage(userId="me").execute() == {"displayLanguage": "en-GB"}
    assert gmail_fake.quota.units[USER] == 2  # 1 unit each


def test_a_user_label_put_on_a_message_is_a_labels_added_record(gmail_fake: GmailFake) -> None:
    svc = build_service(gmail_fake)
    users = svc.users()
    sent = send(svc, invoice())
    start = users.getProfile(userId="me").execute()["historyId"]
    label = users.labels().create(userId="me", body={"name": "relance/paid"}).execute()
    assert label["id"].startswith("Label_") and label["type"] == "user"
    users.messages().modify(userId="me", id=sent["id"],
                            body={"addLabelIds": [label["id"]]}).execute()
    (record,) = users.history().list(userId="me", startHistoryId=start).execute()["history"]
    assert record["labelsAdded"] == [{"message": {"id": sent["id"],
                                                  "threadId": sent["threadId"]},
                                      "labelIds": [label["id"]]}]
    names = {lbl["id"]: lbl["name"] for lbl in users.labels().list(userId="me").execute()
             ["labels"]}
    assert names[label["id"]] == "relance/paid"
