"""pytest fixtures for the fake Gmail server, and the real Gmail client pointed at it. The
``gmail_fake`` fixture reaches the tests through the ``conftest.py`` of ``tests/gmailfake`` and
``tests/gmail/api``; ``build_service`` is imported where it is used."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from email.message import EmailMessage
from importlib import resources
from typing import Any

import google.oauth2.credentials
import google_auth_httplib2
import httplib2
import pytest
from googleapiclient import discovery

from tests.gmailfake.server import GmailFake

USER = "me@example.test"
CLIENT = "client@example.test"


@pytest.fixture
def gmail_fake() -> Iterator[GmailFake]:
    """A started fake with two accounts, the user's and a client's; stopped afterwards."""
    fake = GmailFake().start()
    fake.add_account(USER)
    fake.add_account(CLIENT)
    try:
        yield fake
    finally:
        fake.stop()


def _discovery() -> dict[str, Any]:
    path = resources.files("googleapiclient") / "discovery_cache/documents/gmail.v1.json"
    return json.loads(path.read_text(encoding="utf-8"))


_DOC = _discovery()


def build_service(fake: GmailFake, address: str = USER) -> Any:
    """The real google-api-python-client service for ``address``, pointed at ``fake``."""
    doc = copy.deepcopy(_DOC)
    doc["rootUrl"] = doc["baseUrl"] = fake.url
    creds = google.oauth2.credentials.Credentials(**fake.credentials(address))
    http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(proxy_info=None))
    return discovery.build_from_document(doc, http=http)


def mail(sender: str, to: str, subject: str, body: str, message_id: str, *,
         reply_to: EmailMessage | None = None, pdf: bytes | None = None,
         date: str = "Tue, 03 Mar 2026 09:12:00 +0100") -> EmailMessage:
    """A plain-text message; ``reply_to`` fills In-Reply-To/References as a mail client
    would (RFC 5322 §3.6.4); ``pdf`` attaches an invoice file."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"], msg["Message-ID"] = date, message_id
    if reply_to is not None:
        parent = str(reply_to["Message-ID"])
        refs = str(reply_to.get("References", "")).split()
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join(refs + [parent])
    msg.set_content(body)
    if pdf is not None:
        msg.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"{subject.split()[-1]}.pdf")
    return msg
