"""The bounce corpora, table-driven: tests/data/bounces/corpus (ours, 48 MTA and provider
families shaped on real samples) and tests/data/bounces/flufl (flufl.bounce 6.0.0's published
test messages). Each measure must stay at or above the level measured when it was last raised
(``FLOORS``: right answers out of the files it applies to); raise a floor when a fix lifts it.
``python -m bench.bench_bounces --misses`` lists the files still read wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from relance.daemon.core.bounce import detect_bounce
from relance.daemon.core.message import parse
from relance.daemon.core.model import Bounce
from tests.core.bounce_corpus import expectations, raw, read_relance, score

DATA = Path(__file__).resolve().parents[1] / "data"

# (corpus, measure) -> right answers at the last measurement
FLOORS = {
    ("ours", "recognised"): 325, ("ours", "hard_soft"): 310, ("ours", "recipients"): 311,
    ("ours", "message_id"): 303,
    ("flufl", "recognised"): 117, ("flufl", "hard_soft"): 115, ("flufl", "recipients"): 115,
}


@pytest.mark.parametrize("corpus", ["ours", "flufl"])
def test_no_measure_falls_below_its_floor(corpus: str) -> None:
    totals, files = score(corpus)
    for (name, measure), floor in FLOORS.items():
        if name == corpus:
            right, total = totals[measure]
            wrong = sorted(f for f, v in files.items() if v[measure] is False)
            assert right >= floor, f"{corpus} {measure}: {right}/{total}; wrong: {wrong}"


def test_the_corpus_is_as_large_as_the_issue_asks() -> None:
    rows = expectations("ours")
    families = {r.file.split("/")[0] for r in rows if r.is_bounce} - {"dsn_oddities"}
    assert len([r for r in rows if r.is_bounce]) >= 300
    assert len(families) >= 40
    assert all(raw("ours", r.file).startswith(b"X-Fixture-Imitates: ") for r in rows)


@pytest.mark.parametrize("file", [r.file for r in expectations("ours") if not r.is_bounce])
def test_lookalikes_are_no_bounce(file: str) -> None:
    assert not read_relance(raw("ours", file)).is_bounce


@pytest.mark.parametrize("folder", ["replies", "autoreplies", "invoices", "payments", "other"])
def test_no_other_message_of_tests_data_reads_as_a_bounce(folder: str) -> None:
    for path in sorted((DATA / folder).rglob("*.eml")):
        assert not isinstance(detect_bounce(parse(path.read_bytes())), Bounce), path


# The failure list of issue 10, one file each.
CASES = [
    # text bounce from a mail system with an unfamiliar subject
    ("ezweb/254-full.eml", False, None, None),
    ("virusscan/281-unknown.eml", True, None, None),
    ("listmanager/278-unknown.eml", True, None, None),
    # Action after Status, no Action, Action: expired
    ("dsn_oddities/297-action_last-unknown.eml", True, None, None),
    ("dsn_oddities/300-no_action-unknown.eml", True, None, None),
    ("dsn_oddities/303-expired-expired.eml", False, None, None),
    # queue timeouts and full mailboxes without X.2.2 are soft
    ("exim/025-expired.eml", False, None, None),
    ("qmail/040-full_nox.eml", False, None, None),
    # one hard and one soft recipient: both named, the soft one as soft
    ("sendmail/010-unknown+full.eml", True, None, None),
]


@pytest.mark.parametrize(("file", "permanent", "_hard", "_soft"), CASES)
def test_issue_cases(file: str, permanent: bool, _hard: object, _soft: object) -> None:
    row = next(r for r in expectations("ours") if r.file == file)
    got = read_relance(raw("ours", file))
    assert got.is_bounce and got.permanent == permanent
    assert got.hard | got.soft == row.hard | row.soft
    assert got.soft == row.soft


def test_a_clean_dsn_names_its_recipients() -> None:
    for row in expectations("ours"):
        if row.file.startswith(("sendmail/", "postfix/", "dsn_oddities/")):
            got = read_relance(raw("ours", row.file))
            assert got.hard | got.soft, row.file


def test_a_quoted_printable_status_part_is_read() -> None:
    """Like the base64 reports of dsn_oddities, with a soft line break in a field."""
    report = (b"From: MAILER-DAEMON@relay.example\nTo: factures@atelier-lumen.example\n"
              b"Subject: Delivery report\nMIME-Version: 1.0\nContent-Type: multipart/report; "
              b"report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
              b"Report.\n\n--b\nContent-Type: message/delivery-status\n"
              b"Content-Transfer-Encoding: quoted-printable\n\nReporting-MTA: dns; relay.example"
              b"\n\nFinal-Recipient: rfc822; bob@client.example\nAction: failed\nStatus: 5.1.1\n"
              b"Diagnostic-Code: smtp; 550 5.1.1 <bob@client.example>: user =\nunknown\n\n--b--\n")
    got = detect_bounce(parse(report))
    assert isinstance(got, Bounce)
    assert (got.recipients, got.status, got.permanent) == (("bob@client.example",), "5.1.1", True)
