"""Settings of a Gmail account reached through the Gmail API, and what its first sync looks for.

Frozen dataclasses, built from the configuration by the CLI's wiring module. Whatever the
configuration supplies has no default here (the configuration's default is the only one); what
it does not supply (the search words, Google's addresses) keeps one. Pure: no Google library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GOOGLE_ENDPOINT = "https://gmail.googleapis.com/"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"

# Who sends delivery status notifications (RFC 3464) and the subject words of automatic
# replies (RFC 3834) and reports in the languages relance reads; a wide net is cheap, since
# the cycle classifies what it fetches.
NOTICE_SENDERS = ("mailer-daemon", "postmaster")
NOTICE_SUBJECT_WORDS = (
    "undelivered", "undeliverable", "delivery", "failure", "returned", "automatic", "auto",
    "autoreply", "office", "absent", "absence", "automatique", "unzustellbar", "abwesend",
    "abwesenheit", "automatische", "automat", "nelivrat", "ausente", "automática",
    "automatica", "entrega")


@dataclass(frozen=True, kw_only=True)
class GmailSettings:
    """The Gmail account to open.

    ``token_file`` holds the OAuth token ``relance setup`` stored; ``labels`` says whether
    gmail.modify was asked for (the token must grant it); ``address`` is the user's own
    address ("" : asked of Gmail with ``getProfile``).
    """

    token_file: Path
    labels: bool
    address: str


@dataclass(frozen=True)
class SearchSettings:
    """What the first sync searches for: how far back, and the invoice words of the user's
    languages (matched by Gmail in subject and body)."""

    days: int = 120
    words: tuple[str, ...] = ("invoice", "facture", "factura", "rechnung", "fattura",
                              "fatura", "faktura")

    def candidate_query(self) -> str:
        """Return the Gmail query for invoice candidates in Sent."""
        any_of = " OR ".join(("has:attachment",) + tuple(self.words))
        return f"in:sent newer_than:{self.days}d ({any_of})"

    def notices_query(self, after: int) -> str:
        """Return the Gmail query for delivery reports and automatic replies received since
        ``after`` (epoch seconds), wherever they are filed (the Inbox, or archived or
        labelled by a filter; Spam and Trash are left out, as Gmail's search does). Gmail
        files neither in the invoice's thread when the subject differs ("Undelivered Mail
        Returned to Sender", "Automatic reply: ..."), so the first sync looks for them
        apart."""
        senders = " OR ".join(f"from:{s}" for s in NOTICE_SENDERS)
        words = " OR ".join(f"subject:{w}" for w in NOTICE_SUBJECT_WORDS)
        return f"-in:sent -in:drafts after:{after} ({senders} OR {words})"
