"""The user's edits win (issue 12), on a real Dovecot: a draft edited in another mail program,
which saves it as a new message with a new Message-ID and expunges the old copy, is found again
by its thread and its text, and the edited text reaches the client at the slot, once, under
relance's Message-ID."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import make_msgid

import pytest

from tests.gmail.imap.test_imap_cycle import (  # noqa: F401 -- fixtures
    World,
    draft_stage,
    make_world,
    wire,
    world,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def test_a_draft_saved_under_a_new_message_id_reaches_the_client_as_edited(
        world: World) -> None:  # noqa: F811
    w = world
    inv = w.send_invoice()
    draft = draft_stage(w)
    mid = str(draft["Message-ID"])
    body = draft.get_body(("plain",))
    text = body.get_content()
    body.set_content(text.replace(text.splitlines()[0], "Bonjour Léa, j'espère que le salon "
                                  "s'est bien passé !", 1))
    del draft["Message-ID"]
    draft["Message-ID"] = make_msgid("apple-mail", domain="weber-traductions.example.test")
    del draft["X-Relance-Stage"]
    with w.connect(w.me) as own:  # as Apple Mail saves an edit: new copy, new id, old expunged
        own.select_folder("Drafts")
        old = own.search(["ALL"])
        own.append("Drafts", wire(draft), flags=[b"\\Draft", b"\\Seen"])
        own.delete_messages(old)
        own.expunge()
    w.walk(datetime(2026, 3, 11, tzinfo=timezone.utc), step=timedelta(hours=1))
    # what reached the client's Inbox from relance (the edit dropped relance's stage header)
    (arrived,) = [m for _, m in w.folder(w.client, "INBOX")
                  if str(m["Message-ID"]).strip() == mid]
    assert "le salon s'est bien passé" in arrived.get_body(("plain",)).get_content()
    assert str(arrived["Message-ID"]).strip() == mid
    assert w.sent_copies(mid) == 1
    assert w.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"
    assert w.drafts() == []
