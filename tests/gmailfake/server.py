"""A Gmail-compatible HTTP server for tests: ``GmailFake``.

It serves the Gmail v1 REST paths the real google-api-python-client calls once the discovery
document's ``rootUrl``/``baseUrl`` point at it (JSON calls, ``/upload/...`` paths with
``uploadType=media|multipart|resumable``, ``POST /batch``) and an OAuth token endpoint
(``POST /token``) for refresh. It hosts several accounts and delivers mail between them.

Usage::

    fake = GmailFake().start()
    acc = fake.add_account("me@example.test")
    creds = fake.credentials("me@example.test")   # token, refresh_token, token_uri, ...
    ...
    fake.quota.units["me@example.test"], fake.quota.http_requests
    fake.faults.queue("429"); fake.revoke("me@example.test")
    fake.search_lag = 0                            # the search index sees writes at once
    fake.add_filter("me@example.test", Filter("client@", skip_inbox=True, label="Clients"))
    fake.refuse_address("gone@client.test")        # mail to it bounces, as Gmail bounces
    fake.sending.per_day = 2                       # the mail-sending limit (429)
    fake.open_connections                          # 0: no client can still change anything
    fake.stop()

Authentication: ``Authorization: Bearer <token>`` names the account; ``users/me`` is that
account. A revoked account answers 401 and its refresh token gets ``invalid_grant``.
"""

from __future__ import annotations

import itertools
import json
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.gmailfake import batch as wire
from tests.gmailfake import resources as res
from tests.gmailfake import routes, rules
from tests.gmailfake.faults import PER_USER_PER_MINUTE, Faults, Quota
from tests.gmailfake.store import Account, Message

CLIENT_ID = "fake-client.apps.example.test"
CLIENT_SECRET = "fake-secret"


@dataclass
class Reply:
    """An HTTP answer; ``drop`` closes the connection instead of answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, status: int, payload: object) -> Reply:
        data = b"" if payload is None else json.dumps(payload).encode()
        return cls(status, data, {"Content-Type": "application/json; charset=UTF-8"})


DROPPED = Reply(drop=True)


class GmailFake:
    """The fake Gmail service: accounts, tokens, quota, faults, and the HTTP server."""

    def __init__(self, clock: Callable[[], float] = time.time,
                 quota_limit: int | None = PER_USER_PER_MINUTE, seed: int = 0,
                 search_lag: float = rules.DEFAULT_SEARCH_LAG) -> None:
        self.clock = clock
        self.search_lag = search_lag  # seconds before an API write is searchable (rules.py)
        self.sending = rules.SendingLimit()
        self.refused: set[str] = set()  # addresses that do not exist: mail to them bounces
        self.quota = Quota(quota_limit)
        self.faults = Faults()
        self.accounts: dict[str, Account] = {}
        self._ids = itertools.count(0x18F0000000000000 + seed * 0x1000000)
        self._rng = random.Random(seed)
        self._tokens: dict[str, str] = {}  # access token -> address
        self._refresh: dict[str, str] = {}  # refresh token -> address
        self._uploads: dict[str, tuple[str, str, dict, dict[str, str]]] = {}
        self._lock = threading.RLock()
        self._httpd: _Server | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> GmailFake:
        """Listen on a free loopback port in a background thread; return self."""
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        threading.Thread(target=httpd.serve_forever, args=(0.05,), name="gmailfake",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> GmailFake:
        return self.start()

    @property
    def open_connections(self) -> int:
        """How many client connections the server holds open now. A killed client's connection
        counts until the server has read and answered (or dropped) what it had sent."""
        return self._httpd.open_connections if self._httpd is not None else 0

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ accounts and tokens
    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def add_account(self, address: str) -> Account:
        """Create an account with a valid access token and refresh token."""
        acc = Account(address, self._ids, self._rng)
        with self._lock:
            self.accounts[acc.address] = acc
            self._tokens[f"access-{acc.address}"] = acc.address
            self._refresh[f"refresh-{acc.address}"] = acc.address
        return acc

    def credentials(self, address: str) -> dict[str, str]:
        """What an OAuth client holds for ``address``: tokens, client id/secret, token URI."""
        address = address.lower()
        return {"token": f"access-{address}", "refresh_token": f"refresh-{address}",
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "token_uri": self.url + "token"}

    def expire_tokens(self, address: str) -> None:
        """Invalidate the access tokens of ``address`` (the refresh token still works)."""
        with self._lock:
            for tok in [t for t, a in self._tokens.items() if a == address.lower()]:
                del self._tokens[tok]

    def revoke(self, address: str) -> None:
        """The user revoked the grant: 401 on calls, ``invalid_grant`` on refresh."""
        with self._lock:
            self.expire_tokens(address)
            for tok in [t for t, a in self._refresh.items() if a == address.lower()]:
                del self._refresh[tok]

    def seed(self, address: str, raw: bytes, labels: set[str], date_ms: int,
             thread_id: str | None = None) -> Message:
        """Put a message straight into an account (no quota, no HTTP): test set-up."""
        with self._lock:
            return self.accounts[address.lower()].add(raw, labels, date_ms, thread_id)

    def add_filter(self, address: str, rule: rules.Filter) -> None:
        """Give ``address`` a Gmail filter on its incoming mail (rules.py)."""
        with self._lock:
            self.accounts[address.lower()].filters.append(rule)

    def refuse_address(self, address: str) -> None:
        """Mail to ``address`` bounces back to its sender, as Gmail files bounces."""
        self.refused.add(address.lower())

    def deliver(self, sender: Account, msg: Message) -> None:
        """File a copy of a sent message in the INBOX of each hosted recipient (after that
        account's filters), and a bounce in the sender's thread for each refused one."""
        failed = []
        for addr in dict.fromkeys(msg.delivery_addresses()):
            target = self.accounts.get(addr)
            if addr in self.refused:
                failed.append(addr)
            elif target is not None and target is not sender:
                labels = rules.apply_filters(target, {"INBOX", "UNREAD"}, msg.sender)
                target.index_from_ms = self._index_from()
                try:
                    target.add(msg.raw, labels, self.now_ms(), deliver=True)
                finally:
                    target.index_from_ms = 0
        if failed:
            raw = rules.bounce(msg, failed, self.now_ms(), self._rng.getrandbits(32))
            sender.add(raw, {"INBOX", "UNREAD"}, self.now_ms(), msg.thread_id, keep_thread=True)

    def _index_from(self) -> int:
        return self.now_ms() + int(self.search_lag * 1000)

    # ------------------------------------------------------------------ requests
    def handle(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (headers lower-cased)."""
        self.quota.count_request()
        url = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/token" and verb == "POST":
            return self._token(body)
        if url.path in ("/batch", "/batch/gmail/v1") and verb == "POST":
            return self._batch(headers, body)
        if url.path.startswith("/upload/"):
            return self._upload(verb, url.path, query, headers, body)
        return self.call(verb, url.path, query, headers, body)

    def call(self, verb: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
             body: bytes, raw: bytes | None = None, meta: dict | None = None) -> Reply:
        """One API call: authenticate, inject faults, charge quota, run the method."""
        found = routes.route(verb, path)
        if found is None:
            return Reply.json(404, res.error(404, f"no such method: {verb} {path}", "notFound"))
        name, handler, ids = found
        account = self._account(headers.get("authorization", ""), ids.get("user", ""))
        if account is None:
            return Reply.json(401, res.error(401, "Request had invalid authentication "
                                             "credentials.", "authError"))
        fault = self.faults.next(name)
        if fault not in ("", "drop", "drop_after"):
            return _fault_reply(fault, self.now_ms())
        if fault == "drop":
            return DROPPED
        if not self.quota.charge(account.address, name, routes.UNITS.get(name, 5)):
            return _fault_reply("429user", self.now_ms())
        call = routes.Call(self, account, ids, query, body, raw, meta or {})
        with self._lock:
            account.index_from_ms = self._index_from()
            try:
                status, payload = routes.run(handler, call)
            finally:
                account.index_from_ms = 0
        return DROPPED if fault == "drop_after" else Reply.json(status, payload)

    def _account(self, authorization: str, user: str) -> Account | None:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            address = self._tokens.get(token) if scheme.lower() == "bearer" else None
        if address is None or (user not in ("me", address)):
            return None
        return self.accounts.get(address)

    def _token(self, body: bytes) -> Reply:
        form = urllib.parse.parse_qs(body.decode())
        refresh = form.get("refresh_token", [""])[0]
        with self._lock:
            address = self._refresh.get(refresh)
            if form.get("grant_type", [""])[0] != "refresh_token" or address is None:
                return Reply.json(400, {"error": "invalid_grant",
                                        "error_description": "Token has been expired or revoked."})
            token = f"access-{address}-{self._rng.getrandbits(32):08x}"
            self._tokens[token] = address
        return Reply.json(200, {"access_token": token, "expires_in": 3599,
                                "token_type": "Bearer", "scope": " ".join(form.get("scope", []))})

    def _batch(self, headers: dict[str, str], body: bytes) -> Reply:
        try:
            parts = wire.parse_batch(headers.get("content-type", ""), body)
        except ValueError as exc:
            return Reply.json(400, res.error(400, str(exc), "invalidArgument"))
        if len(parts) > wire.MAX_PARTS:
            return Reply.json(400, res.error(400, f"at most {wire.MAX_PARTS} calls in a batch",
                                             "invalidArgument"))
        answers, dropped = [], False
        for part in parts:
            url = urllib.parse.urlsplit(part.path)
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            auth = {"authorization": part.headers.get("authorization")
                    or headers.get("authorization", "")}
            reply = self.call(part.verb, url.path, query, auth, part.body)
            dropped = dropped or reply.drop
            answers.append((part.content_id, reply.status,
                            json.loads(reply.body) if reply.body else None))
        if dropped:
            return DROPPED
        ctype, data = wire.batch_response(answers)
        return Reply(200, data, {"Content-Type": ctype})

    def _upload(self, verb: str, path: str, query: dict[str, list[str]],
                headers: dict[str, str], body: bytes) -> Reply:
        kind = query.get("uploadType", ["media"])[0]
        session = query.get("upload_id", [""])[0]
        if session:  # the second leg of a resumable upload: the bytes themselves
            with self._lock:
                verb0, path0, meta, auth = self._uploads.pop(session, ("", "", {}, {}))
            if not verb0:
                return Reply.json(404, res.error(404, "unknown upload session", "notFound"))
            return self.call(verb0, path0, {}, auth, b"", raw=body, meta=meta)
        if kind == "resumable":
            sid = f"{self._rng.getrandbits(64):016x}"
            meta = json.loads(body or b"{}")
            with self._lock:
                self._uploads[sid] = (verb, path, meta, {"authorization":
                                                        headers.get("authorization", "")})
            location = f"{self.url.rstrip('/')}{path}?uploadType=resumable&upload_id={sid}"
            return Reply(200, b"", {"Location": location, "Content-Length": "0"})
        if kind == "multipart":
            try:
                meta, raw = wire.parse_related(headers.get("content-type", ""), body)
            except ValueError as exc:
                return Reply.json(400, res.error(400, str(exc), "invalidArgument"))
            return self.call(verb, path, query, headers, b"", raw=raw, meta=meta)
        return self.call(verb, path, query, headers, b"", raw=body, meta={})


def _fault_reply(kind: str, now_ms: int) -> Reply:
    """The error bodies Gmail sends, by the shapes of the "Resolve errors" guide and the
    "Usage limits" page: the per-user rate limit as 403 or 429 with ``userRateLimitExceeded``
    (or ``rateLimitExceeded``), the project's daily limit as 403 ``dailyLimitExceeded``, the
    mail-sending limit as 429 "User-rate limit exceeded" "(Mail sending)" with the time to
    retry (an hour on here)."""
    if kind == "429":
        return Reply.json(429, res.error(429, "User-rate limit exceeded.", "rateLimitExceeded"))
    if kind == "429user":
        return Reply.json(429, res.error(429, "User-rate limit exceeded.",
                                         "userRateLimitExceeded"))
    if kind == "429send":
        return Reply.json(429, res.error(429, rules.sending_limit_message(now_ms + 3_600_000),
                                         "rateLimitExceeded"))
    if kind == "403":
        return Reply.json(403, res.error(403, "User Rate Limit Exceeded",
                                         "userRateLimitExceeded"))
    if kind == "403daily":
        return Reply.json(403, res.error(403, "Daily Limit Exceeded", "dailyLimitExceeded"))
    return Reply.json(int(kind), res.error(int(kind), "Backend Error", "backendError"))


class _Server(ThreadingHTTPServer):
    """The HTTP server, counting its connections from their accept until their thread ends."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._open = 0
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def open_connections(self) -> int:
        with self._open_lock:
            return self._open

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open -= 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # http.server writes headers and body in separate sends: without TCP_NODELAY each answer
    # waits for the client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.fake.handle(self.command, self.path, headers, body)  # type: ignore[attr-defined]
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "Content-Length" not in reply.headers:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass
