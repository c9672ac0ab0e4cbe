"""Which IMAP folder plays which role (Inbox, Sent, Drafts, Junk, Trash) — pure, no socket.

Servers name folders in the user's language ("Gesendet", "[Gmail]/Messages envoyés"), so the
role comes, in this order, from:
1. the user's override (config ``account.imap.<role>``);
2. the folder's attribute in LIST: RFC 6154 §2 SPECIAL-USE (``\\Sent``, ``\\Drafts``,
   ``\\Junk``, ``\\Trash``), or Gmail's older XLIST, which says ``\\Spam`` for Junk and
   ``\\Inbox`` for the Inbox;
3. a table of names common servers use when they mark nothing.
The Inbox is always ``INBOX`` unless overridden (RFC 3501 §5.1: the name is case-insensitive
and always exists).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from ...daemon.core.errors import PermanentMailboxError
from ...daemon.core.mailbox import Folder

CONFIG_KEY = "account.imap"  # overrides are set as account.imap.sent = "Outbox", etc.


class Role(enum.StrEnum):
    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    JUNK = "junk"
    TRASH = "trash"


REQUIRED_ROLES = (Role.INBOX, Role.SENT, Role.DRAFTS)
ROLE_OF_FOLDER = {Folder.INBOX: Role.INBOX, Folder.SENT: Role.SENT, Folder.DRAFTS: Role.DRAFTS}

# RFC 6154 attributes, plus XLIST's own spellings (Gmail before SPECIAL-USE).
_FLAG_ROLES: Mapping[bytes, Role] = {
    b"\\inbox": Role.INBOX,
    b"\\sent": Role.SENT,
    b"\\drafts": Role.DRAFTS,
    b"\\junk": Role.JUNK,
    b"\\spam": Role.JUNK,
    b"\\trash": Role.TRASH,
}

# Names seen on servers that mark nothing, compared case-insensitively on the last path
# component (so "INBOX.Sent", "INBOX/Sent" and "[Gmail]/Sent Mail" all match).
_NAME_ROLES: Mapping[str, Role] = {
    **dict.fromkeys(
        ["sent", "sent items", "sent messages", "sent mail", "gesendet", "gesendete objekte",
         "gesendete elemente", "envoyés", "éléments envoyés", "messages envoyés", "enviados",
         "elementos enviados", "posta inviata", "inviata", "verzonden items", "wysłane"],
        Role.SENT),
    **dict.fromkeys(
        ["drafts", "draft", "entwürfe", "brouillons", "borradores", "bozze", "concepten",
         "kopie robocze"],
        Role.DRAFTS),
    **dict.fromkeys(
        ["junk", "spam", "junk e-mail", "junk email", "bulk mail", "courrier indésirable"],
        Role.JUNK),
    **dict.fromkeys(["trash", "bin", "deleted items", "deleted messages", "papierkorb",
                     "corbeille", "papelera", "cestino", "prullenbak"],
                    Role.TRASH),
}

ListEntry = tuple[tuple[bytes, ...], bytes | None, str]  # (attributes, delimiter, name) from LIST


def resolve_folders(listing: Iterable[ListEntry],
                    overrides: Mapping[str, str]) -> Mapping[Role, str]:
    """Return the folder name of each role found in ``listing`` (imapclient's ``list_folders``).

    Every required role (Inbox, Sent, Drafts) is in the answer; Junk and Trash only when found.
    Raises PermanentMailboxError naming the missing role, the folders the server has, and the
    config key that fixes it; also when an override names a folder the server does not have.
    """
    entries = [(tuple(f.lower() for f in flags), delim, name) for flags, delim, name in listing]
    names = [name for _, _, name in entries]
    found: dict[Role, str] = {}
    for role_text, name in overrides.items():
        role = _role_named(role_text)
        if name not in names and name.upper() != "INBOX":
            raise PermanentMailboxError(
                f"The IMAP folder {name!r} set in {CONFIG_KEY}.{role} does not exist on the "
                f"server. Folders there: {_listing_text(names)}. Fix or remove that setting.")
        found[role] = name
    for flags, _, name in entries:
        for flag in flags:
            flagged = _FLAG_ROLES.get(flag)
            if flagged is not None:
                found.setdefault(flagged, name)
    for _, delim, name in entries:
        named = _NAME_ROLES.get(_last_component(name, delim).lower())
        if named is not None:
            found.setdefault(named, name)
    found.setdefault(Role.INBOX, "INBOX")
    for role in REQUIRED_ROLES:
        if role not in found:
            raise PermanentMailboxError(
                f"No {role.value.capitalize()} folder found on the IMAP server (it marks none "
                f"with RFC 6154 special-use and none has a usual name). Folders there: "
                f"{_listing_text(names)}. Set {CONFIG_KEY}.{role} to the right one.")
    return MappingProxyType(found)


def missing_folder_error(role: Role, name: str) -> PermanentMailboxError:
    """The error for a folder that vanished after discovery (SELECT answered NO)."""
    return PermanentMailboxError(
        f"The IMAP folder {name!r} (used as {role.value.capitalize()}) cannot be opened on the "
        f"server: it was deleted or renamed. Set {CONFIG_KEY}.{role} to the folder to use.")


def _role_named(text: str) -> Role:
    try:
        return Role(text.lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise PermanentMailboxError(
            f"{CONFIG_KEY}.{text} is not a folder role; the roles are: {known}.") from None


def _last_component(name: str, delimiter: bytes | None) -> str:
    if not delimiter:
        return name
    return name.rsplit(delimiter.decode(), 1)[-1]


def _listing_text(names: list[str]) -> str:
    return ", ".join(repr(n) for n in sorted(names)) or "(none)"
