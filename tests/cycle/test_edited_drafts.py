"""The user's edits win (issue 12), on the folder mailbox: a draft edited in a mail program and
saved as a new message with a new Message-ID (and relance's X-Relance-Stage mark dropped, as
Apple Mail does) is found again by its thread and its text, and the edited text goes at the
slot, once, under relance's Message-ID. A draft the user really deleted still cancels its stage,
even when another draft of theirs sits in the same thread."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid

from tests.cycle.test_engine import _delivered, _drafts, _invoice, _read, _walk, world  # noqa: F401

DRAFTED_BY = datetime(2026, 3, 9, 12, tzinfo=timezone.utc)  # the reminder's draft is there
AFTER_SLOT = datetime(2026, 3, 11, tzinfo=timezone.utc)


def _resaved(draft: EmailMessage, text: str, *, keep_mark: bool) -> EmailMessage:
    """The draft as a mail program saves an edit: a new Message-ID, relance's mark dropped
    unless ``keep_mark``, the body rewritten; In-Reply-To and References kept."""
    del draft["Message-ID"]
    draft["Message-ID"] = make_msgid("edit", domain="atelier-martin.example")
    if not keep_mark:
        del draft["X-Relance-Stage"]
    draft.get_body(("plain",)).set_content(text)
    return draft


def test_a_draft_saved_again_under_a_new_message_id_goes_out_as_edited(world):  # noqa: F811
    engine, clock, root = world
    inv = _invoice(root)
    _walk(engine, clock, DRAFTED_BY, step=timedelta(days=1))
    (path,) = _drafts(root)
    ours = _read(path)
    mid = str(ours["Message-ID"])
    text = ours.get_body(("plain",)).get_content()
    edited = text.replace(text.splitlines()[0], "Hi Tom, I hope the move went well!", 1) \
        + "\nPS: a PDF copy is attached again.\n"
    path.unlink()  # the mail program replaces the draft: old copy gone, new one saved
    (root / "drafts" / "edited-by-apple-mail.eml").write_bytes(
        _resaved(ours, edited, keep_mark=False).as_bytes())
    _walk(engine, clock, AFTER_SLOT, step=timedelta(hours=1))
    (sent,) = _delivered(root)
    message = _read(sent)
    body = message.get_body(("plain",)).get_content()
    assert "I hope the move went well" in body and "a PDF copy is attached again" in body
    assert str(message["Message-ID"]) == mid  # relance's id: sent at most once, found in Sent
    assert message["In-Reply-To"] == inv["Message-ID"]
    assert engine.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"
    assert _drafts(root) == []  # nothing left in Drafts to be sent twice by hand


def test_a_rewritten_draft_that_kept_relances_mark_goes_out_as_rewritten(world):  # noqa: F811
    engine, clock, root = world
    inv = _invoice(root)
    _walk(engine, clock, DRAFTED_BY, step=timedelta(days=1))
    (path,) = _drafts(root)
    ours = _read(path)
    path.unlink()
    (root / "drafts" / "thunderbird-draft.eml").write_bytes(_resaved(
        ours, "Tom, a quick word about INV-2026-031, due Thursday. Claire", keep_mark=True
    ).as_bytes())
    _walk(engine, clock, AFTER_SLOT, step=timedelta(hours=1))
    (sent,) = _delivered(root)
    assert "a quick word" in _read(sent).get_body(("plain",)).get_content()
    assert engine.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"


def test_a_deleted_draft_still_cancels_even_beside_another_draft_in_the_thread(world):  # noqa: F811
    engine, clock, root = world
    inv = _invoice(root)
    _walk(engine, clock, DRAFTED_BY, step=timedelta(days=1))
    (path,) = _drafts(root)
    ours = _read(path)
    path.unlink()  # deleted: the user will write to Tom in their own words, later
    own = _resaved(ours, "Tom, could we have a call about the spring catalogue next week? "
                   "Claire", keep_mark=False)
    (root / "drafts" / "own-note.eml").write_bytes(own.as_bytes())
    _walk(engine, clock, AFTER_SLOT, step=timedelta(hours=1))
    assert _delivered(root) == []
    assert engine.store.followup(str(inv["Message-ID"]), "reminder").state == "cancelled"
    assert [p.name for p in _drafts(root)] == ["own-note.eml"]  # the user's draft untouched
