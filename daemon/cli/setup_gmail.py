"""The Gmail half of ``relance setup``: the OAuth client file, the installed-app consent flow
(RFC 8252: a loopback redirect, PKCE), and the token kept as JSON, readable by the user alone.

Two ways to consent:
- with a browser on this machine: ``InstalledAppFlow.run_local_server`` listens on a loopback
  port, opens the consent page and catches the redirect (RFC 8252 §7.3);
- on a machine without one (over SSH): the consent page is opened on any other machine; its
  redirect to ``http://localhost:PORT/?state=...&code=...`` fails to load there, and the user
  pastes that address back (Google retired the copy-the-code flow in 2022). With an SSH port
  forward (``ssh -L PORT:localhost:PORT``) the loopback server catches it instead.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.parse
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import google.oauth2.credentials
from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from ...gmail.api.quota import SCOPE_REASONS
from ..core.errors import PermanentMailboxError, UsageError

Browser = Callable[[str], None]  # opens a URL for the user
CONSENT_TIMEOUT_S = 300

GUIDE = """\
relance reaches Gmail through Google's API, with an OAuth client of your own. Once:
  1. Open https://console.cloud.google.com/ and create a project (any name, e.g. "relance").
  2. APIs & Services > Library: search "Gmail API" and press Enable.
  3. Google Auth Platform (or "OAuth consent screen"): user type "External"; add your own
     address as a test user.
  4. Clients (or Credentials) > Create client > Application type "Desktop app".
  5. Download its JSON file (the button with the arrow); you will give its path below.
"""

TESTING_WARNING = """\
Important: while the consent screen's publishing status is "Testing", Google revokes the
access after 7 days and relance stops until you run `relance setup` again. For your own use,
open the consent screen (Audience), press "Publish app" and confirm "In production". Google
does not need to verify an app that only you use; at consent it shows "Google hasn't verified
this app": choose Advanced, then "Go to ... (unsafe)" — the app is yours.
"""


def scope_lines(scopes: tuple[str, ...]) -> list[str]:
    """One line per requested scope, saying why relance needs it."""
    return [f"  - {s.rsplit('/', 1)[-1]}: {SCOPE_REASONS[s]}" for s in scopes]


def read_client_file(path: Path) -> dict[str, Any]:
    """Return the OAuth client configuration in ``path``; raise UsageError saying what to
    download instead when it is missing, not JSON, or not a Desktop app client."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file. Give the path of the JSON file you downloaded "
                         "for your Desktop OAuth client (step 5 above).") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not an OAuth client file ({exc}). Download the client's "
                         "JSON again from the Google Cloud console (Clients > download).") from None
    if isinstance(data, dict) and "web" in data:
        raise UsageError(f"{path}: this is a \"Web application\" client. relance needs a "
                         "\"Desktop app\" client: create one (step 4) and download its JSON.")
    installed = data.get("installed") if isinstance(data, dict) else None
    needed = ("client_id", "client_secret", "auth_uri", "token_uri")
    if not isinstance(installed, dict) or any(k not in installed for k in needed):
        raise UsageError(f"{path}: not a Desktop OAuth client file (it lacks "
                         f"\"installed\" with {', '.join(needed)}). Download the JSON of a "
                         "\"Desktop app\" client from the Google Cloud console.")
    return data  # type: ignore[no-any-return]


def consent_with_browser(flow: InstalledAppFlow, *, browser: Browser | None, port: int,
                         open_browser: bool) -> google.oauth2.credentials.Credentials:
    """Run the loopback flow; with ``open_browser`` False only print the URL (SSH port
    forward). ``browser`` replaces the system browser (tests hand in a stand-in)."""
    name = None
    if browser is not None:
        name = "relance-setup"
        webbrowser.register(name, None, _Handoff(browser))
    try:
        return flow.run_local_server(  # type: ignore[no-any-return]
            host="localhost", port=port, open_browser=open_browser, browser=name,
            timeout_seconds=CONSENT_TIMEOUT_S, access_type="offline", prompt="consent",
            authorization_prompt_message="If no browser window opened, open this address:\n"
                                         "{url}\n",
            success_message="relance is connected. You can close this tab and go back to the "
                            "terminal.")
    except WSGITimeoutError:
        raise UsageError(f"No answer from the browser within {CONSENT_TIMEOUT_S // 60} "
                         "minutes. Run `relance setup` again, or `relance setup "
                         "--no-browser` to paste the address back by hand.") from None
    except webbrowser.Error:
        raise UsageError("No web browser could be started on this machine. Run "
                         "`relance setup --no-browser` and open the address it prints on "
                         "any device.") from None
    except OSError as exc:
        raise UsageError(f"Cannot listen on localhost port {port} for Google's answer ({exc}). "
                         "Choose another port with --port, or leave --port out to let "
                         "relance pick a free one.") from None
    except Exception as exc:
        raise _oauth_failure(exc) from None


def consent_by_paste(flow: InstalledAppFlow, *, port: int, show: Callable[[str], None],
                     ask: Callable[[str], str]) -> google.oauth2.credentials.Credentials:
    """The headless flow: show the consent URL, read back the address the browser landed on,
    and exchange its code (RFC 6749 §4.1.2: the redirect carries ``code`` and ``state``)."""
    flow.redirect_uri = f"http://localhost:{port}/"
    url, state = flow.authorization_url(access_type="offline", prompt="consent")
    show("Open this address in a browser on any device and allow access:\n\n"
         f"{url}\n\nThe browser then goes to http://localhost:{port}/... and shows an error "
         "page: that is expected. Copy the whole address from its address bar.")
    code = code_from_redirect(ask("Paste that address here"), state)
    try:
        flow.fetch_token(code=code)
    except Exception as exc:
        raise _oauth_failure(exc) from None
    return flow.credentials  # type: ignore[no-any-return]


def code_from_redirect(pasted: str, state: str) -> str:
    """Return the authorization code from the pasted redirect address; raise with what to do
    when consent was refused, the address belongs to another attempt, or holds no code."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(pasted.strip()).query)
    error = query.get("error", [""])[0]
    if error:
        raise _denied(error)
    if query.get("state", [""])[0] != state:
        raise UsageError("That address belongs to another attempt (its state does not match). "
                         "Open the address printed just above, then paste where it lands.")
    code = query.get("code", [""])[0]
    if not code:
        raise UsageError("That address holds no code. Copy the whole address from the browser's "
                         "address bar, starting with http://localhost.")
    return code


def _denied(error: str) -> PermanentMailboxError:
    if error == "access_denied":
        return PermanentMailboxError(
            "Access was not granted (you pressed Cancel, or Google blocked the app). Run "
            "`relance setup` again and press Allow; if Google says the app is blocked, add "
            "your address as a test user on the consent screen (step 3).")
    return PermanentMailboxError(f"Google refused the consent ({error}). Check the OAuth "
                                 "client (steps 3-5) and run `relance setup` again.")


def _oauth_failure(exc: BaseException) -> Exception:
    """Turn what the OAuth libraries raise into one sentence saying what to do."""
    if isinstance(exc, OAuth2Error):
        if exc.error in ("invalid_client", "unauthorized_client"):
            return UsageError("Google does not know this OAuth client (invalid_client): the "
                              "JSON file may be from a deleted client. Download it again.")
        return _denied(exc.error)
    if isinstance(exc, Warning) and "scope" in str(exc).lower():
        return PermanentMailboxError(
            "Some permissions were left unticked on Google's consent page. Run `relance setup` "
            "again and tick every box relance asks for (the reasons are listed above).")
    return PermanentMailboxError(f"The consent did not complete ({exc}). Run `relance setup` "
                                 "again.")


def make_flow(client: dict[str, Any], scopes: tuple[str, ...]) -> InstalledAppFlow:
    return InstalledAppFlow.from_client_config(client, scopes=list(scopes))


def save_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by the user alone (mode 0600), through
    a temporary file renamed over the old one, so a crash never leaves half a secret."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_token(creds: google.oauth2.credentials.Credentials, path: Path) -> None:
    """Store the credentials as JSON (never pickle), mode 0600; raise when Google gave no
    refresh token (relance could not work past the hour)."""
    if not creds.refresh_token:
        raise PermanentMailboxError(
            "Google gave no refresh token. Remove relance's access at "
            "https://myaccount.google.com/permissions and run `relance setup` again.")
    save_private(path, creds.to_json())


class _Handoff(webbrowser.BaseBrowser):
    """A ``webbrowser`` controller that hands the URL to a function."""

    def __init__(self, opener: Browser) -> None:
        super().__init__("relance-setup")
        self._opener = opener

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self._opener(url)
        return True
