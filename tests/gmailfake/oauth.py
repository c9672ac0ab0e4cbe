"""Local OAuth endpoints for the fake Gmail: the consent page (``GET /auth``) and the code
exchange on ``POST /token`` (RFC 6749 §4.1 with PKCE, RFC 7636), beside the fake's refresh,
and ``GET /oauth2/v3/tokeninfo?access_token=...``, where a mail server checks a token.

``OAuthGmailFake`` is a ``GmailFake`` whose ``/auth`` grants (or refuses) at once, as a user
pressing Allow (or Cancel) would, and redirects to the client's loopback address with ``code``
and ``state``. The code exchange checks the client, the redirect URI and the PKCE verifier and
answers with the account's tokens, which the fake's API then accepts. ``client_file`` writes the
JSON a user downloads for a Desktop OAuth client, pointing at these endpoints; ``tokeninfo_url``
is what a mail server (Dovecot's oauth2 passdb, the test SMTP server) is configured with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from tests.gmailfake.server import CLIENT_ID, CLIENT_SECRET, GmailFake, Reply

TOKENINFO_PATH = "/oauth2/v3/tokeninfo"
GMAIL_SCOPE = "https://mail.google.com/"  # the scope IMAP, POP and SMTP access need


@dataclass(frozen=True)
class Grant:
    address: str
    redirect_uri: str
    challenge: str
    scope: str


class OAuthGmailFake(GmailFake):
    """A fake Gmail with a consent page. ``consent_as`` is who presses Allow; ``refuse`` makes
    the next consents answer ``error=access_denied``; ``unticked`` are the scopes the user
    leaves unticked on the consent page. ``auth_requests`` keeps each /auth query,
    ``tokeninfo_asked`` each token a server asked tokeninfo about.

    Google's consent page shows one checkbox per scope, and what is granted may be less than
    what was asked: the redirect and the token response's ``scope`` then list only the scopes
    granted (Google Identity, "How to handle granular permissions"; RFC 6749 §5.1: ``scope``
    is returned when it differs from the request)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.consent_as = ""
        self.refuse = False
        self.unticked: set[str] = set()
        self.auth_requests: list[dict[str, str]] = []
        self.tokeninfo_asked: list[str] = []  # each token /oauth2/v3/tokeninfo was asked about
        self._grants: dict[str, Grant] = {}

    def client_file(self, path: Path, kind: str = "installed") -> Path:
        """Write a downloaded-client JSON for these endpoints; return its path."""
        path.write_text(json.dumps({kind: {
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "project_id": "relance-test",
            "auth_uri": self.url + "auth", "token_uri": self.url + "token",
            "redirect_uris": ["http://localhost"]}}))
        return path

    def handle(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        url = urllib.parse.urlsplit(target)
        if url.path == "/auth" and verb == "GET":
            return self._consent({k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()})
        if url.path == TOKENINFO_PATH and verb == "GET":
            return self._tokeninfo(urllib.parse.parse_qs(url.query).get("access_token", [""])[0])
        if url.path == "/token" and verb == "POST":
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
            if form.get("grant_type") == "authorization_code":
                return self._exchange(form, headers.get("authorization", ""))
        return super().handle(verb, target, headers, body)

    def _consent(self, query: dict[str, str]) -> Reply:
        self.auth_requests.append(query)
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or not redirect.startswith("http://localhost"):
            return Reply(400, b"Error 400: invalid_request", {"Content-Type": "text/plain"})
        if self.refuse:
            answer = {"error": "access_denied", "state": query.get("state", "")}
        else:
            code = "4/" + secrets.token_urlsafe(24)
            granted = " ".join(s for s in query.get("scope", "").split()
                               if s not in self.unticked)
            self._grants[code] = Grant(self.consent_as, redirect,
                                       query.get("code_challenge", ""), granted)
            answer = {"state": query.get("state", ""), "code": code, "scope": granted}
        return Reply(302, b"", {"Location": redirect + "?" + urllib.parse.urlencode(answer)})

    def _exchange(self, form: dict[str, str], authorization: str) -> Reply:
        """RFC 6749 §4.1.3; the client authenticates in the form or with HTTP Basic (§2.3.1)."""
        grant = self._grants.pop(form.get("code", ""), None)
        scheme, _, basic = authorization.partition(" ")
        if scheme.lower() == "basic":
            pair = base64.b64decode(basic).decode()
            named = zip(("client_id", "client_secret"), pair.split(":", 1), strict=False)
            form = {**form, **dict(named)}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply.json(401, {"error": "invalid_client"})
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return Reply.json(400, {"error": "invalid_grant", "error_description": "Bad code."})
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return Reply.json(400, {"error": "invalid_grant",
                                    "error_description": "Missing code verifier."})
        creds = self.credentials(grant.address)
        return Reply.json(200, {"access_token": creds["token"], "expires_in": 3599,
                                "refresh_token": creds["refresh_token"], "scope": grant.scope,
                                "token_type": "Bearer"})

    @property
    def tokeninfo_url(self) -> str:
        """The tokeninfo address with the query open for the token, as a mail server's
        configuration names it (Dovecot's ``tokeninfo_url`` appends the token)."""
        return self.url.rstrip("/") + TOKENINFO_PATH + "?access_token="

    def _tokeninfo(self, token: str) -> Reply:
        """Google's tokeninfo endpoint, ``https://www.googleapis.com/oauth2/v3/tokeninfo
        ?access_token=``, the address Dovecot's documentation configures for Google
        (doc.dovecot.org, "Open Authentication v2.0 database"). For a live access token it
        answers the v3 fields: ``azp``/``aud`` (the client), ``sub``, ``scope``, ``exp``,
        ``expires_in``, ``email``, ``email_verified``, ``access_type`` (the OAuth2 API's
        Tokeninfo resource lists their v2 counterparts: issued_to, audience, user_id, scope,
        expires_in, email, verified_email, access_type); strings, as Google sends them. For
        an unknown or expired token: 400 ``{"error": "invalid_token", "error_description":
        "Invalid Value"}``."""
        with self._lock:
            self.tokeninfo_asked.append(token)
            address = self._tokens.get(token)
        if address is None or not token:
            return Reply.json(400, {"error": "invalid_token",
                                    "error_description": "Invalid Value"})
        expires_in = 3599
        subject = str(int(hashlib.sha256(address.encode()).hexdigest()[:15], 16))
        return Reply.json(200, {
            "azp": CLIENT_ID, "aud": CLIENT_ID, "sub": subject,
            "scope": GMAIL_SCOPE, "exp": str(int(self.clock()) + expires_in),
            "expires_in": str(expires_in), "email": address, "email_verified": "true",
            "access_type": "offline"})
