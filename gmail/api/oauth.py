"""The Gmail account's OAuth grant: the OAuth client file a user downloads, the installed-app
consent flow (RFC 8252: a loopback redirect, PKCE), the token kept as JSON, and loading it again.

Two ways to consent:
- with a browser on this machine: ``InstalledAppFlow.run_local_server`` listens on a loopback
  port, opens the consent page and catches the redirect (RFC 8252 §7.3);
- on a machine without one (over SSH): the consent page is opened on any other machine; its
  redirect to ``http://localhost:PORT/?state=...&code=...`` fails to load there, and the user
  pastes that address back (Google retired the copy-the-code flow in 2022). With an SSH port
  forward (``ssh -L PORT:localhost:PORT``) the loopback server catches it instead.

The wizard's dialogue (what to click in the Google Cloud console, why each scope) is the CLI's;
this module raises from relance's error family with what to do next.
"""

from __future__ import annotations

import json
import urllib.parse
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import google.auth.exceptions
import google.oauth2.credentials
import google_auth_httplib2  # type: ignore[import-untyped]  # ships no type information
import httplib2
from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from ...daemon.core.errors import (
    PermanentMailboxError,
    SecretFileError,
    TransientMailboxError,
    UsageError,
)
from .settings import GOOGLE_TOKEN_URI
from .transport import REAUTHORIZE

Grant = google.oauth2.credentials.Credentials  # what a consent gives, and a token file holds
Browser = Callable[[str], None]  # opens a URL for the user
CONSENT_TIMEOUT_S = 300


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
    client: dict[str, Any] = data
    return client


def consent_with_browser(client: dict[str, Any], scopes: tuple[str, ...], *,
                         browser: Browser | None, port: int, open_browser: bool) -> Grant:
    """Run the loopback flow for the OAuth ``client`` and ``scopes``; with ``open_browser``
    False only print the URL (SSH port forward). ``browser`` replaces the system browser
    (tests hand in a stand-in). ``port`` 0 picks a free one."""
    flow = _flow(client, scopes)
    name = None
    if browser is not None:
        name = "relance-setup"
        webbrowser.register(name, None, _Handoff(browser))
    try:
        grant: Grant = flow.run_local_server(
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
    return grant


def consent_by_paste(client: dict[str, Any], scopes: tuple[str, ...], *, port: int,
                     show: Callable[[str], None], ask: Callable[[str], str]) -> Grant:
    """The headless flow: show the consent URL, read back the address the browser landed on,
    and exchange its code (RFC 6749 §4.1.2: the redirect carries ``code`` and ``state``)."""
    flow = _flow(client, scopes)
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
    grant: Grant = flow.credentials
    return grant


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


def token_json(grant: Grant) -> str:
    """Return the grant as the JSON a token file holds (never a pickle); raise when Google
    gave no refresh token (relance could not work past the hour)."""
    if not grant.refresh_token:
        raise PermanentMailboxError(
            "Google gave no refresh token. Remove relance's access at "
            "https://myaccount.google.com/permissions and run `relance setup` again.")
    text: str = grant.to_json()  # type: ignore[no-untyped-call]  # google-auth: no annotations
    return text


def load_credentials(token_file: Path, wanted_scopes: tuple[str, ...],
                     http: httplib2.Http | None = None,
                     token_uri: str = GOOGLE_TOKEN_URI) -> Grant:
    """Return the OAuth credentials stored by ``relance setup`` in ``token_file`` (JSON, never
    pickle), refreshed once so that a revoked grant shows now rather than at the first send.

    Raises SecretFileError, naming ``relance setup``, when the file is missing, unreadable or
    lacks a refresh token; PermanentMailboxError when it lacks a scope relance needs or the
    grant was revoked;
    TransientMailboxError when the token endpoint cannot be reached."""
    again = "Run `relance setup` to connect the Gmail account again."
    try:
        info = json.loads(token_file.read_text(encoding="utf-8"))
        # google-auth's own loader forces Google's token endpoint; build it so a test's local
        # endpoint can stand in. (google-auth's functions carry no annotations.)
        creds = Grant(  # type: ignore[no-untyped-call]
            token=info.get("token"), refresh_token=info["refresh_token"],
            client_id=info["client_id"], client_secret=info["client_secret"],
            token_uri=token_uri, scopes=info.get("scopes"))
    # A token file missing, unreadable or broken is the configuration's problem (exit status
    # 2 at start: a service does not restart in a loop on it); a revoked grant is not.
    except FileNotFoundError:
        raise SecretFileError(
            f"{token_file}: no Gmail token there yet. Run `relance setup` to connect your "
            "Gmail account (it writes this file).") from None
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        raise SecretFileError(f"{token_file}: not a token relance can use ({exc!r}). "
                              f"{again}") from None
    missing = [s for s in wanted_scopes if s not in (creds.scopes or wanted_scopes)]
    if missing:
        raise PermanentMailboxError(
            f"{token_file}: the access granted lacks {', '.join(missing)} (needed since Gmail "
            f"labels were turned on or off). {again}")
    _refresh(creds, http)
    return creds


def _refresh(creds: Grant, http: httplib2.Http | None) -> None:
    """Get a fresh access token; raise PermanentMailboxError when the grant is gone,
    TransientMailboxError when Google's token endpoint cannot be reached."""
    try:
        creds.refresh(  # type: ignore[no-untyped-call]  # google-auth carries no annotations
            google_auth_httplib2.Request(http or httplib2.Http()))
    except google.auth.exceptions.RefreshError as exc:
        if getattr(exc, "retryable", False):
            raise TransientMailboxError(f"Google's token endpoint is unavailable ({exc}); "
                                        "relance will try again.") from None
        raise PermanentMailboxError(f"{REAUTHORIZE} (token endpoint said: {exc})") from None
    except (OSError, httplib2.HttpLib2Error, google.auth.exceptions.TransportError) as exc:
        raise TransientMailboxError(f"Cannot reach Google's token endpoint ({exc}); relance "
                                    "will try again. Check the network.") from None


def _flow(client: dict[str, Any], scopes: tuple[str, ...]) -> InstalledAppFlow:
    return InstalledAppFlow.from_client_config(client, scopes=list(scopes))


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
        # oauthlib's "Scope has changed" warning carries what was asked and what was granted
        asked, granted = (set(getattr(exc, name, None) or ()) for name in
                          ("old_scope", "new_scope"))
        unticked = ", ".join(sorted(s.rsplit("/", 1)[-1] for s in asked - granted))
        return PermanentMailboxError(
            "Some permissions were left unticked on Google's consent page"
            + (f" (left unticked: {unticked})" if unticked else "") + "; relance needs every "
            "one of them (the reasons are listed above), and keeps no token without them. Run "
            "`relance setup` again and tick every box relance asks for.")
    return PermanentMailboxError(f"The consent did not complete ({exc}). Run `relance setup` "
                                 "again.")


class _Handoff(webbrowser.BaseBrowser):
    """A ``webbrowser`` controller that hands the URL to a function."""

    def __init__(self, opener: Browser) -> None:
        super().__init__("relance-setup")
        self._opener = opener

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self._opener(url)
        return True
