"""The IMAP plugin against a Dovecot laid out and logged into the way Gmail's IMAP is.

The server imitates what Gmail documents for IMAP clients ("Gmail IMAP extensions" and "OAuth
2.0 Mechanism" in Google's Gmail developer guide): folders ``[Gmail]/Sent Mail``,
``[Gmail]/Drafts``, ``[Gmail]/All Mail``, ``[Gmail]/Spam`` and ``[Gmail]/Trash`` marked with
RFC 6154 SPECIAL-USE attributes; every message also in All Mail; login with SASL XOAUTH2, the
access token checked at Google's tokeninfo endpoint. Here that endpoint is the local OAuth fake
(``tests/gmailfake/oauth.py``), asked by Dovecot's own oauth2 passdb on IMAP and by the test
SMTP server on submission, so a token the fake no longer knows is refused by both. What Gmail's
SMTP server accepts it files under Sent Mail by itself ("your sent messages will be automatically
copied to the [Gmail]/Sent Mail folder", Gmail Help, "Recommended IMAP client settings"), shown
in All Mail too: the test SMTP server files its copy in both (``FilesSent``), as the sender.

The plugin asks Gmail nothing of Gmail's own IMAP extensions (X-GM-EXT-1): it reads and files as
on any IMAP server, threads by the headers, and keeps one copy of a follow-up in Sent Mail by
taking its own out once Gmail filed one (``relance.gmail.imap.sentcopy``).
"""

from __future__ import annotations

import itertools
import json
import re
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from relance.daemon.core.errors import PermanentMailboxError
from relance.daemon.core.mailbox import DRAFT_GONE, Folder
from relance.gmail.imap.folders import Role
from relance.gmail.imap.mailbox import ImapMailbox
from relance.gmail.imap.settings import ImapSettings, Security, SmtpSettings
from tests.gmailfake.oauth import OAuthGmailFake
from tests.servers.dovecot import DovecotServer, dovecot_binary
from tests.servers.smtp import DeliveringSmtpServer, FilesSent

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SENT_MAIL, DRAFTS, ALL_MAIL = "[Gmail]/Sent Mail", "[Gmail]/Drafts", "[Gmail]/All Mail"
SENT_AT = datetime(2026, 2, 10, 9, 0, tzinfo=timezone.utc)

# Gmail's folder list as its IMAP server answers LIST (the names of an English account).
GMAIL_NAMESPACE = """namespace inbox {
  inbox = yes
  separator = /
  mailbox "[Gmail]/All Mail" {
    special_use = \\All
    auto = subscribe
  }
  mailbox "[Gmail]/Drafts" {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox "[Gmail]/Sent Mail" {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox "[Gmail]/Spam" {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox "[Gmail]/Trash" {
    special_use = \\Trash
    auto = subscribe
  }
}
"""


class GmailLikeDovecot(DovecotServer):
    """The test Dovecot with Gmail's folders instead of its own, and the oauth2 passdb (Dovecot's
    documented configuration for Google) asking ``tokeninfo_url`` about each token."""

    def __init__(self, workdir: Path, tokeninfo_url: str) -> None:
        self.tokeninfo_url = tokeninfo_url
        super().__init__(workdir)

    def _config(self) -> str:
        oauth = self.workdir / "dovecot-oauth2.conf.ext"
        oauth.write_text(f"tokeninfo_url = {self.tokeninfo_url}\nusername_attribute = email\n")
        config = _replace_once(r"namespace inbox \{.*?\n\}\n", GMAIL_NAMESPACE, super()._config())
        config = _replace_once(r"passdb \{.*?\n\}\n", (
            "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {oauth}\n}}\n"), config)
        config = _replace_once(r"auth_mechanisms = plain login\n",
                               "auth_mechanisms = xoauth2 oauthbearer\n", config)
        # No auth penalty (Dovecot's documented switch: the anvil-auth-penalty socket at mode 0):
        # anvil would delay every login from 127.0.0.1 after a refused one, by 2 s and more.
        return config + ("service anvil {\n  unix_listener anvil-auth-penalty {\n"
                         "    mode = 0\n  }\n}\n")


def _replace_once(pattern: str, replacement: str, config: str) -> str:
    """Replace the one block of the base configuration ``pattern`` matches; fail loudly when
    the base configuration changed shape, rather than test a server not laid out as Gmail."""
    changed, count = re.subn(pattern, lambda _: replacement, config, count=1, flags=re.DOTALL)
    if count != 1:
        raise RuntimeError(f"the test Dovecot's configuration has no {pattern!r} any more")
    return changed


class TokenInfoLogins:
    """The test SMTP server's token → login table, answered by the tokeninfo endpoint: the
    ``email`` of a token it calls valid, nothing for one it refuses (400)."""

    def __init__(self, tokeninfo_url: str) -> None:
        self.tokeninfo_url = tokeninfo_url
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback

    def get(self, token: str, default: str | None = None) -> str | None:
        try:
            with self._opener.open(self.tokeninfo_url + urllib.parse.quote(token),
                                   timeout=5) as answer:
                return str(json.load(answer)["email"])
        except urllib.error.HTTPError:
            return default


class Gmailish:
    """The world of these tests: the OAuth fake, the Gmail-like Dovecot, the SMTP server."""

    def __init__(self, fake: OAuthGmailFake, dovecot: GmailLikeDovecot,
                 smtp: DeliveringSmtpServer) -> None:
        self.fake, self.dovecot, self.smtp = fake, dovecot, smtp
        self._serial = itertools.count(1)
        self.opened: list[IMAPClient | ImapMailbox] = []

    def accounts(self) -> tuple[str, str]:
        """Fresh Google accounts for one test: the freelancer's and the client's."""
        n = next(self._serial)
        me, client = f"jonas.weber.{n}@example.test", f"lea.fontaine.{n}@example.test"
        self.fake.add_account(me)
        self.fake.add_account(client)
        return me, client

    def token(self, address: str) -> str:
        return self.fake.credentials(address)["token"]

    def imap(self, address: str) -> IMAPClient:
        """The user's mail program (or Gmail itself) logged in with XOAUTH2."""
        client = IMAPClient(self.dovecot.host, self.dovecot.imap_port, ssl=False, timeout=10)
        client.oauth2_login(address, self.token(address))
        self.opened.append(client)
        return client

    def submit(self, address: str, message: EmailMessage) -> None:
        """Send ``message`` as a mail program does on Gmail's submission port: XOAUTH2. The
        server files it under Sent Mail and All Mail, as Gmail does."""
        initial = f"user={address}\x01auth=Bearer {self.token(address)}\x01\x01"
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=10) as client:
            client.ehlo()  # smtplib's auth() does not say EHLO itself
            client.auth("XOAUTH2", lambda challenge=None: "" if challenge else initial)
            client.send_message(message)

    def mailbox(self, address: str, token: str | None = None,
                smtp_token: str | None = None) -> ImapMailbox:
        """The plugin on ``address``, logging in with the account's live token (or ``token``;
        ``smtp_token`` for submission only)."""
        source = (lambda: token) if token is not None else (lambda: self.token(address))
        smtp_source = source if smtp_token is None else (lambda: smtp_token)
        box = ImapMailbox(
            ImapSettings(host=self.dovecot.host, port=self.dovecot.imap_port,
                         security=Security.NONE, username=address, password="",
                         scan_since_days=None, timeout_s=10.0, oauth2_token=source),
            SmtpSettings(host=self.smtp.host, port=self.smtp.port, security=Security.NONE,
                         username=address, password="", timeout_s=10.0, oauth2_token=smtp_source),
            address=address)
        self.opened.append(box)
        return box

    def close(self) -> None:
        for item in self.opened:
            if isinstance(item, ImapMailbox):
                item.close()
            else:
                item.logout()
        self.opened.clear()


@pytest.fixture(scope="module")
def gmailish(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gmailish]:
    if dovecot_binary() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
    with OAuthGmailFake(search_lag=0) as fake:
        with GmailLikeDovecot(tmp_path_factory.mktemp("gmail-dovecot"),
                              fake.tokeninfo_url) as dovecot:
            smtp = DeliveringSmtpServer(dovecot.host, dovecot.lmtp_port, files_sent=FilesSent(
                dovecot.host, dovecot.imap_port, folders=(SENT_MAIL, ALL_MAIL)))
            smtp._handler.tokens = TokenInfoLogins(fake.tokeninfo_url)  # type: ignore[assignment]
            smtp.start()
            try:
                yield Gmailish(fake, dovecot, smtp)
            finally:
                smtp.stop()


@pytest.fixture
def world(gmailish: Gmailish) -> Iterator[Gmailish]:
    yield gmailish
    gmailish.close()


# -- the mail around relance -----------------------------------------------------------------

def invoice(me: str, client: str) -> EmailMessage:
    """An invoice as a freelancer writes it in Gmail's web client."""
    msg = EmailMessage()
    msg["From"] = f"Jonas Weber <{me}>"
    msg["To"] = f"Léa Fontaine <{client}>"
    msg["Subject"] = "Facture 2026-031 — traduction du catalogue"
    msg["Date"] = format_datetime(SENT_AT)
    msg["Message-ID"] = "<CAH7x2+invoice-2026-031@mail.gmail.com>"
    msg.set_content("Bonjour Léa,\n\nVoici ma facture n° 2026-031 (1 440,00 €), payable "
                    "au 10/03/2026.\n\nJonas\n")
    return msg


def reply(to: EmailMessage, client: str, text: str, message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Léa Fontaine <{client}>"
    msg["To"] = str(to["From"])
    msg["Subject"] = "Re: " + str(to["Subject"]).removeprefix("Re: ")
    msg["Date"] = format_datetime(SENT_AT)
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = str(to["Message-ID"])
    msg["References"] = str(to["Message-ID"])
    msg.set_content(text)
    return msg


def follow_up(sent: EmailMessage, me: str, client: str, message_id: str) -> EmailMessage:
    """relance's follow-up in the invoice's thread, as the cycle drafts it."""
    msg = reply(sent, client, "Bonjour Léa,\n\nPetit rappel : la facture 2026-031 arrive à "
                "échéance le 10/03/2026.\n\nJonas\n", message_id)
    del msg["From"], msg["To"]
    msg["From"], msg["To"] = f"Jonas Weber <{me}>", f"Léa Fontaine <{client}>"
    return msg


def gmail_files_received(world: Gmailish, me: str) -> None:
    """Gmail shows what reached the Inbox in All Mail too."""
    imap = world.imap(me)
    imap.select_folder("INBOX")
    imap.copy(imap.search(["ALL"]), ALL_MAIL)


def filed_by_gmail(world: Gmailish, address: str, folder: str, message_id: str) -> list[bool]:
    """For each copy of ``message_id`` in ``folder``: whether the SMTP server filed it (its
    ``Received:`` field) rather than relance."""
    imap = world.imap(address)
    imap.select_folder(folder, readonly=True)
    found = imap.fetch(imap.search(["NOT", "DELETED", "HEADER", "Message-ID", message_id]),
                       [b"BODY.PEEK[HEADER]"])
    return [b"with ESMTPSA" in v[b"BODY[HEADER]"] for v in found.values()]


def message_ids(world: Gmailish, address: str, folder: str) -> list[str]:
    imap = world.imap(address)
    imap.select_folder(folder, readonly=True)
    found = imap.fetch(imap.search(["NOT", "DELETED"]), [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    return sorted(" ".join(v[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split()[1:])
                  for v in found.values())


# -- the tests ------------------------------------------------------------------------------

def test_imap_login_with_xoauth2_is_checked_at_the_tokeninfo_endpoint(world: Gmailish) -> None:
    me, _ = world.accounts()
    names = world.mailbox(me).folder_names()
    assert world.token(me) in world.fake.tokeninfo_asked  # Dovecot asked the OAuth server
    assert (names[Role.SENT], names[Role.DRAFTS]) == (SENT_MAIL, DRAFTS)
    assert (names[Role.JUNK], names[Role.TRASH]) == ("[Gmail]/Spam", "[Gmail]/Trash")


def test_a_token_the_oauth_server_refuses_is_a_refused_imap_login(world: Gmailish) -> None:
    me, _ = world.accounts()
    with pytest.raises(PermanentMailboxError, match="refused the login"):
        world.mailbox(me, token="ya29.revoked-meanwhile").sync(None)
    assert "ya29.revoked-meanwhile" in world.fake.tokeninfo_asked


def test_a_live_token_of_another_account_is_refused(world: Gmailish) -> None:
    """The server compares the token's ``email`` with the login, as Gmail does."""
    me, client = world.accounts()
    with pytest.raises(PermanentMailboxError, match="refused the login"):
        world.mailbox(me, token=world.token(client)).sync(None)
    with pytest.raises(PermanentMailboxError, match="Authorise relance again"):
        world.mailbox(me, smtp_token=world.token(client)).send_draft(
            world.mailbox(me).create_draft(follow_up(invoice(me, client), me, client,
                                                     "<relance-other@example.test>"), None))


def test_a_token_the_oauth_server_refuses_is_a_refused_smtp_login(world: Gmailish) -> None:
    me, client = world.accounts()
    box = world.mailbox(me, smtp_token="ya29.revoked-meanwhile")
    draft_id = box.create_draft(follow_up(invoice(me, client), me, client,
                                          "<relance-refused@example.test>"), None)
    with pytest.raises(PermanentMailboxError, match="Authorise relance again"):
        box.send_draft(draft_id)
    assert box.get_draft(draft_id) is not DRAFT_GONE  # nothing lost: the draft is still there
    assert message_ids(world, client, "INBOX") == []


def test_invoice_reply_and_follow_up_walk_through_gmails_folders(world: Gmailish) -> None:
    me, client = world.accounts()
    sent = invoice(me, client)
    world.submit(me, sent)  # Gmail files it under Sent Mail and All Mail
    answer = reply(sent, client, "Bien reçue, merci ! Je la transmets à la comptabilité.",
                   "<CAJ9-reply-2026-031@mail.gmail.com>")
    world.submit(client, answer)
    gmail_files_received(world, me)
    box = world.mailbox(me)

    first = box.sync(None)
    seen = sorted((m.ref.folder, str(message_from_bytes(m.raw)["Message-ID"]))
                  for m in first.messages)
    # Each once, from Inbox and Sent Mail: All Mail's copies are not read.
    assert seen == [(Folder.INBOX, str(answer["Message-ID"])),
                    (Folder.SENT, str(sent["Message-ID"]))]
    assert not first.drafts_present

    draft_id = box.create_draft(follow_up(sent, me, client, "<relance-2026-031-1@example.test>"),
                                None)
    assert message_ids(world, me, DRAFTS) == [draft_id]
    assert draft_id in box.sync(first.cursor).drafts_present
    box.send_draft(draft_id)

    assert message_ids(world, me, DRAFTS) == []
    # Gmail filed its own copy: relance took its copy out, Sent Mail and All Mail hold Gmail's
    assert filed_by_gmail(world, me, SENT_MAIL, draft_id) == [True]
    assert filed_by_gmail(world, me, ALL_MAIL, draft_id) == [True]
    assert draft_id in message_ids(world, client, "INBOX")
    assert [a.login for a in world.smtp.received if draft_id.encode() in a.content] == [me]
    after = box.sync(first.cursor)
    assert [m.ref.folder for m in after.messages] == [Folder.SENT]
    assert b"Petit rappel" in after.messages[0].raw


def test_threads_come_from_the_headers_as_on_any_imap_server(world: Gmailish) -> None:
    """No Gmail thread id is asked for (X-GM-THRID): each message comes without one, and the
    reply names the invoice in In-Reply-To and References, which the cycle threads by."""
    me, client = world.accounts()
    sent = invoice(me, client)
    world.submit(me, sent)
    world.submit(client, reply(sent, client, "Je regarde ça demain.",
                               "<CAJ9-reply-2026-031-b@mail.gmail.com>"))
    gmail_files_received(world, me)
    changes = world.mailbox(me).sync(None)
    assert [m.thread_id for m in changes.messages] == [None, None]
    (answer,) = [message_from_bytes(m.raw) for m in changes.messages
                 if m.ref.folder is Folder.INBOX]
    assert answer["In-Reply-To"] == answer["References"] == sent["Message-ID"]
