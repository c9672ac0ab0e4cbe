"""``relance preview`` shows the follow-up as it will go out: on the sample mailbox, what the
preview composes for each planned follow-up equals the draft the cycle wrote (every header but
Date, both bodies, every attachment's name, type and size), the "copy is attached" sentence
included; and the invoice with statutory interest turned on states it."""

from __future__ import annotations

from dataclasses import replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from relance.daemon.cli.demo import DEMO_NOW, run_demo
from relance.daemon.cli.preview import preview_text
from relance.daemon.cli.wiring import open_folder_mailbox, sample_mailbox
from relance.daemon.cycle.apply import message_id_for
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store


def _without_date(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("Date: "))


def _drafts(folder: Path) -> dict[str, EmailMessage]:
    parser = BytesParser(policy=policy.default)
    found = {}
    for path in (folder / "mailbox" / "drafts").glob("*.eml"):
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        found[str(message["Message-ID"]).strip()] = message
    return found


def test_preview_equals_the_draft_but_for_its_date(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo")
    drafts = _drafts(result.folder)
    assert drafts
    with sample_mailbox() as sample:
        config = load_config(sample / "config.toml", {"HOME": str(result.folder)})
    config = replace(config, store_path=result.folder / "relance.sqlite3")
    mailbox = open_folder_mailbox(result.folder / "mailbox", config.account.address)
    seen = 0
    with Store.open(config.store_path) as store:
        engine = Engine(config=config, store=store, mailbox=mailbox, clock=lambda: DEMO_NOW)
        for planned in engine.plan().followups:
            message_id = message_id_for(planned, engine.domain)
            if message_id not in drafts:
                continue  # a follow-up a statement speaks for has no draft of its own
            slot = planned.slot.isoformat(timespec="minutes")
            shown = preview_text(engine.compose(planned, message_id), slot)
            assert _without_date(shown) == _without_date(preview_text(drafts[message_id], slot))
            assert "Attachments: none" not in shown  # the invoice goes along, as in the draft
            seen += 1
    assert seen == len(drafts)


def test_the_preview_lists_the_files_and_the_sentence_that_announces_them(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo")
    statement = next(m for m in _drafts(result.folder).values()
                     if "Voici le relevé" in m.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    shown = preview_text(statement, "2026-03-10T05:58+01:00")
    assert "Attachments: Facture_F-2026-006.pdf (application/pdf, " in shown
    assert "Facture_F-2026-002.pdf (application/pdf, " in shown
    assert "Vous trouverez les factures en pièces jointes." in shown
    assert "--- text/html ---" in shown and "<p>Bonjour Hélène,</p>" in shown


def test_the_demo_shows_one_invoice_with_statutory_interest(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo")
    bodies = [m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
              for m in _drafts(result.folder).values()]
    stated = [b for b in bodies if "article L441-10 du Code de commerce" in b]
    assert len(stated) == 1
    # F-2026-008, 880 EUR due 2 March 2026, drafted for 10 March: 8 days at 2.15 % + 10 points,
    # 880 × 0.1215 × 8/365 = 2.3434 → 2.34 EUR, and the 40 EUR indemnité forfaitaire.
    assert "s'élèvent à 2,34\u00a0€ au 10 mars 2026" in stated[0]
    assert "l'indemnité forfaitaire de 40,00\u00a0€" in stated[0]
    assert "Total dû à ce jour\u00a0: 922,34\u00a0€." in stated[0]


def test_the_preview_command_prints_the_draft_as_it_will_go_out(capsys, tmp_path: Path) -> None:
    from tests.cli.test_cli import run

    result = run_demo(tmp_path / "demo")
    with sample_mailbox() as sample:
        text = (sample / "config.toml").read_text(encoding="utf-8")
    store = result.folder / "relance.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(text.replace('path = "~/relance-demo.sqlite3"', f'path = "{store}"'),
                      encoding="utf-8")
    status, out, err = run(capsys, tmp_path, "--config", str(config), "preview", "F-2026-008")
    assert status == 0, err
    draft = next(m for m in _drafts(result.folder).values()
                 if m["To"] == "contact@fermes-dubreuil.example")
    slot = next(line for line in out.splitlines() if line.startswith("Slot: "))[6:]
    assert _without_date(out) == _without_date(preview_text(draft, slot))
    assert "Attachments: Facture_F-2026-008.pdf (application/pdf, " in out
    assert "Vous la trouverez de nouveau en pièce jointe." in out
