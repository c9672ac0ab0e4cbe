"""What real Gmail does that a naive store would not: the rules the fake enforces on top of
``store.py``, each with where it is documented or observed.

- **Search lags writes.** ``messages.list``/``drafts.list``/``threads.list`` with ``q`` answer
  from a search index; the messages.list reference and the filtering guide promise nothing
  about its freshness, and other projects report mail just sent missing from search for
  seconds to hours while ``messages.get`` by id finds it. The fake indexes a message written
  through the API only ``search_lag`` seconds (of the fake's clock) after the write
  (``DEFAULT_SEARCH_LAG``, on in every test; ``GmailFake(search_lag=0)`` turns it off).
  Listing by ``labelIds`` alone (no ``q``) and ``history.list`` are not searches: they see
  every write at once. Mail seeded by a test (``GmailFake.seed``) is old mail, indexed.
- **Refused messages (400 invalidArgument).** Sending a message (``messages.send``,
  ``drafts.send``) without any recipient answers "Recipient address required"; a To, Cc or
  Bcc header that does not parse as addresses answers "Invalid To header" (resp. Cc, Bcc);
  any write naming a ``threadId`` the account does not have answers "Invalid thread_id value"
  (all three as reported in other projects' trackers; GMAIL-FACTS.md). A draft may be saved
  without recipients, as in the web app.
- **Filters** (Gmail Help, "Create rules to filter your emails"): a filter matches incoming
  mail by sender and can skip the Inbox (archive) and apply a label; the message still joins
  its thread.
- **Bounces** (observed Gmail bounce, ``tests/data/bounces/b03_gmail_x_failed_recipients.eml``):
  a message to an address that does not exist comes back from
  ``mailer-daemon@googlemail.com`` with ``X-Failed-Recipients``, ``In-Reply-To`` and
  ``References`` naming the original, and Gmail shows it inside the original conversation.
- **Mail sending limit** (Resolve errors guide, "Mail sending limits"): past the daily
  sending limit, sends answer 429 "User-rate limit exceeded" "(Mail sending)" with a time to
  retry, for up to hours; other calls still work.
"""

from __future__ import annotations

import collections
import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import getaddresses

from tests.gmailfake.store import Account, Message, _text

DEFAULT_SEARCH_LAG = 600.0  # seconds: ten minutes, within the reported "seconds to hours"
DAY_MS = 86_400_000
BOUNCER = "mailer-daemon@googlemail.com"
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")


class Refused(ValueError):
    """Gmail refuses the request with 400 invalidArgument and this message."""


class Limited(RuntimeError):
    """Gmail refuses the send with 429 and this message (the mail-sending limit)."""


def probe(raw: bytes) -> Message:
    """A message not stored anywhere, to check before a write."""
    return Message("", "", raw, set(), 0)


def check_thread(account: Account, thread_id: str | None) -> None:
    """Refuse a write that names a thread this account does not have."""
    if thread_id and thread_id not in account.threads:
        raise Refused("Invalid thread_id value")


def check_recipients(msg: Message) -> None:
    """Refuse to send a message without a recipient or with an unparseable address header."""
    found = 0
    for name in ("To", "Cc", "Bcc"):
        value = _text(msg.parsed.get(name))
        if not value.strip():
            continue
        addresses = [addr for _, addr in getaddresses([value])]
        if not addresses or not all(_ADDRESS.match(a) for a in addresses):
            raise Refused(f"Invalid {name} header")
        found += len(addresses)
    if not found:
        raise Refused("Recipient address required")


@dataclass(frozen=True)
class Filter:
    """A Gmail filter on incoming mail: ``sender`` (a substring of From, as Gmail's "from"
    criterion); ``skip_inbox`` archives; ``label`` (a name) is applied, created if needed."""

    sender: str
    skip_inbox: bool = False
    label: str = ""


def apply_filters(account: Account, labels: set[str], sender: str) -> set[str]:
    """Return the labels an incoming message gets once the account's filters have run."""
    out = set(labels)
    for rule in account.filters:
        if rule.sender.lower() not in sender.lower():
            continue
        if rule.skip_inbox:
            out.discard("INBOX")
        if rule.label:
            by_name = account.label_ids_by_name()
            out.add(by_name.get(rule.label) or account.create_label(rule.label))
    return out


def bounce(original: Message, failed: list[str], now_ms: int, serial: int) -> bytes:
    """The bounce Gmail files in the sender's account for ``failed`` recipients, shaped on an
    observed one (see the module docstring)."""
    when = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    date = email.utils.format_datetime(when)
    refs = " ".join(original.references() + [original.message_id]).strip()
    first = failed[0]
    text = (f"** Address not found **\r\n\r\nYour message wasn't delivered to {first} because "
            "the address couldn't be found, or is unable to receive mail.\r\n\r\nThe response "
            "from the remote server was:\r\n550 5.1.1 The email account that you tried to "
            "reach does not exist.\r\n")
    sender = original.parsed.get("From", "")
    head = (f"X-Failed-Recipients: {', '.join(failed)}\r\nDate: {date}\r\n"
            f"From: Mail Delivery Subsystem <{BOUNCER}>\r\nTo: {sender}\r\n"
            "Subject: Delivery Status Notification (Failure)\r\n"
            f"References: {refs}\r\nIn-Reply-To: {original.message_id}\r\n"
            f"Message-ID: <bounce-{serial}.GMR@mx.google.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"gmailfake-bounce\"\r\n\r\n")
    body = (f"--gmailfake-bounce\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n{text}"
            "\r\n--gmailfake-bounce\r\nContent-Type: message/rfc822\r\n\r\n")
    return head.encode() + body.encode() + original.raw + b"\r\n--gmailfake-bounce--\r\n"


class SendingLimit:
    """Gmail's daily mail-sending limit per user: past ``per_day`` sends in 24 hours, a send is
    refused until the oldest of them is a day old. ``None`` means no limit."""

    def __init__(self, per_day: int | None = None) -> None:
        self.per_day = per_day
        self._sent: dict[str, collections.deque[int]] = {}

    def retry_at(self, user: str, now_ms: int) -> int | None:
        """Return when a send may be tried again (epoch ms), or None if it may go now."""
        sent = self._sent.setdefault(user, collections.deque())
        while sent and sent[0] <= now_ms - DAY_MS:
            sent.popleft()
        if self.per_day is None or len(sent) < self.per_day:
            return None
        return (sent[0] if sent else now_ms) + DAY_MS

    def record(self, user: str, now_ms: int) -> None:
        self._sent.setdefault(user, collections.deque()).append(now_ms)


def sending_limit_message(retry_ms: int) -> str:
    """The text Gmail gives with a mail-sending 429 ("User-rate limit exceeded" ... "(Mail
    sending)" with the time to retry)."""
    when = datetime.fromtimestamp(retry_ms / 1000, tz=timezone.utc)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return f"User-rate limit exceeded.  Retry after {stamp} (Mail sending)"
