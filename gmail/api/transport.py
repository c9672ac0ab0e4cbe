"""Running Gmail API requests: retries with backoff, batches, quota counting, and turning the
Google libraries' errors into relance's error family.

Retried with exponential backoff (the call was refused or may not have reached Gmail): the
per-user rate limit, which Gmail answers as 429 or as 403 with ``userRateLimitExceeded`` or
``rateLimitExceeded`` ("Usage limits" page, "Resolve errors" guide), 5xx, dropped
connections. Not retried within the call, but transient for the cycle (``TransientMailboxError``
with the wait in its message): the mail-sending limit, a 429 "User-rate limit exceeded"
"(Mail sending)" with a time to retry that may be hours away, and the project's daily limit
(403 ``dailyLimitExceeded``). A 400 is Gmail refusing one message (no recipient, an invalid To,
an unknown thread): ``RefusedMessageError``, which holds that follow-up alone. Not retried: 401
after the library's own token refresh. ``invalid_grant`` from the token endpoint means the user
revoked access (or a Testing-mode app's refresh token expired after 7 days): that is a
``PermanentMailboxError`` telling the user to run ``relance setup`` again.
"""

from __future__ import annotations

import enum
import http.client
import json
import random
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import google.auth.exceptions
import httplib2
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, HttpRequest

from ...daemon.core.errors import (
    PermanentMailboxError,
    RefusedMessageError,
    SendingLimitError,
    TransientMailboxError,
)
from .quota import DEFAULT_BACKOFF, Backoff, QuotaMeter, method_name

MAX_BATCH = 50  # Gmail advises at most 50 calls a batch; larger ones get rate-limited
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
_NETWORK_ERRORS = (OSError, http.client.HTTPException, httplib2.HttpLib2Error)

REAUTHORIZE = ("Gmail no longer accepts relance's access (the grant was revoked or has "
               "expired). Nothing will be sent until you run `relance setup` again to "
               "reconnect the account.")


class Missing(enum.Enum):
    """The named answer for a resource Gmail says does not exist (404)."""

    MISSING = "missing"


MISSING = Missing.MISSING


def _error(exc: HttpError) -> tuple[str, str]:
    """Return the ``(reason, message)`` of Gmail's error body ("" for what is missing)."""
    try:
        body = json.loads(exc.content or b"{}")
        first = body["error"]["errors"][0]
        return str(first.get("reason", "")), str(body["error"].get("message", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "", ""


def _reason(exc: HttpError) -> str:
    return _error(exc)[0]


def sending_limit(exc: BaseException) -> bool:
    """Whether ``exc`` is Gmail's mail-sending limit (429 "... (Mail sending)")."""
    return isinstance(exc, HttpError) and exc.resp.status == 429 \
        and "mail sending" in _error(exc)[1].lower()


_RETRY_AFTER = re.compile(r"Retry after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)")


def retry_at(text: str) -> float | None:
    """Read the "Retry after 2026-03-10T07:00:00.000Z" of a Gmail limit message."""
    found = _RETRY_AFTER.search(text)
    if found is None:
        return None
    stamp = found.group(1).replace("Z", "+00:00")
    return datetime.fromisoformat(stamp).timestamp()


def _waits_long(exc: BaseException) -> TransientMailboxError | None:
    """The transient error for a limit that a retry within seconds cannot lift."""
    if sending_limit(exc):
        return SendingLimitError(
            f"Gmail's sending limit for this account is reached ({_error(exc)[1]}); nothing "
            "was sent. relance sends the waiting follow-ups once Gmail accepts mail again, "
            "which can take hours.", retry_at(_error(exc)[1]), "Gmail")
    if isinstance(exc, HttpError) and exc.resp.status == 403 \
            and _reason(exc) == "dailyLimitExceeded":
        return TransientMailboxError(
            "Gmail's daily request limit of the Google Cloud project behind relance is used "
            "up (403 dailyLimitExceeded); relance tries again at the next cycle. If it lasts "
            "past a day, check the project's Gmail API quota in the Cloud console.")
    return None


def retryable(exc: BaseException) -> bool:
    """Say whether a retry within the call may succeed where ``exc`` failed."""
    if _waits_long(exc) is not None:
        return False
    if isinstance(exc, HttpError):
        status = exc.resp.status
        return status == 429 or status >= 500 or (status == 403 and _reason(exc) in _RATE_REASONS)
    if isinstance(exc, google.auth.exceptions.RefreshError):
        return bool(getattr(exc, "retryable", False))
    return isinstance(exc, _NETWORK_ERRORS)


def permanent(exc: BaseException) -> PermanentMailboxError | None:
    """Return the user-facing permanent error for ``exc``, or None if it is not one."""
    if isinstance(exc, google.auth.exceptions.RefreshError) and not retryable(exc):
        return PermanentMailboxError(f"{REAUTHORIZE} (token endpoint said: {exc})")
    if isinstance(exc, HttpError) and exc.resp.status == 401:
        return PermanentMailboxError(f"{REAUTHORIZE} (Gmail answered 401)")
    if isinstance(exc, HttpError) and exc.resp.status == 400:
        reason, text = _error(exc)
        return RefusedMessageError(
            f"Gmail refused it: {text or reason or 'bad request'}. Correct the draft in "
            "Gmail (it is kept), or delete it to cancel this follow-up.")
    if isinstance(exc, HttpError) and exc.resp.status == 403 and not retryable(exc) \
            and _waits_long(exc) is None:
        return PermanentMailboxError(
            f"Gmail refused the call ({_reason(exc) or 'forbidden'}): the granted scopes do "
            "not allow it. Run `relance setup` again and accept every permission asked.")
    return None


class Transport:
    """Executes requests for one account with retries; counts quota in ``meter``."""

    def __init__(self, service: Any, *, sleep: Callable[[float], None], rng: random.Random,
                 backoff: Backoff = DEFAULT_BACKOFF, meter: QuotaMeter | None = None) -> None:
        self.service = service
        self.sleep = sleep
        self.rng = rng
        self.backoff = backoff
        self.meter = meter or QuotaMeter()

    def execute(self, request: HttpRequest, missing_ok: bool = False) -> dict[str, Any] | Missing:
        """Run ``request`` until it succeeds or cannot; return its JSON, or ``MISSING`` for a
        404 when ``missing_ok``. Raises Transient/PermanentMailboxError."""
        for attempt in range(self.backoff.attempts):
            self.meter.charge(method_name(request.methodId))
            self.meter.http_requests += 1
            try:
                return request.execute(num_retries=0) or {}
            except Exception as exc:
                if missing_ok and isinstance(exc, HttpError) and exc.resp.status == 404:
                    return MISSING
                self._give_up_unless_retryable(exc, request.methodId, attempt)
            self.sleep(self.backoff.delay(attempt, self.rng))
        raise AssertionError("unreachable")  # the last attempt raises in _give_up...

    def execute_many(self, requests: Mapping[str, HttpRequest]
                     ) -> dict[str, dict[str, Any] | Missing]:
        """Run many read requests in batches of at most ``MAX_BATCH``; return each answer (or
        ``MISSING``) by key. Parts refused with a retryable error are sent again in a later
        batch, after a backoff."""
        pending = dict(requests)
        answers: dict[str, dict[str, Any] | Missing] = {}
        for attempt in range(self.backoff.attempts):
            failed: dict[str, HttpRequest] = {}
            last_exc: BaseException | None = None
            keys = list(pending)
            for start in range(0, len(keys), MAX_BATCH):
                chunk = {k: pending[k] for k in keys[start:start + MAX_BATCH]}
                errors = self._one_batch(chunk, answers)
                for key, exc in errors.items():
                    if isinstance(exc, HttpError) and exc.resp.status == 404:
                        answers[key] = MISSING
                        continue
                    self._give_up_unless_retryable(exc, chunk[key].methodId, attempt)
                    failed[key], last_exc = chunk[key], exc
            if not failed:
                return answers
            pending = failed
            self.sleep(self.backoff.delay(attempt, self.rng))
        raise TransientMailboxError(
            f"Gmail kept refusing {len(pending)} read(s) ({last_exc}); relance will try again "
            "at the next cycle.")

    def _one_batch(self, chunk: Mapping[str, HttpRequest],
                   answers: dict[str, dict[str, Any] | Missing]) -> dict[str, BaseException]:
        """Send one batch; return the errors by key (all keys if the batch itself failed)."""
        errors: dict[str, BaseException] = {}

        def done(key: str, response: Any, exc: BaseException | None) -> None:
            if exc is None:
                answers[key] = response or {}
            else:
                errors[key] = exc

        batch: BatchHttpRequest = self.service.new_batch_http_request(callback=done)
        for key, request in chunk.items():
            self.meter.charge(method_name(request.methodId))
            batch.add(request, request_id=key)
        self.meter.http_requests += 1
        try:
            batch.execute()
        except Exception as exc:
            return {key: exc for key in chunk if key not in answers}
        return errors

    def _give_up_unless_retryable(self, exc: BaseException, method: str, attempt: int) -> None:
        """Raise the right relance error unless ``exc`` is worth another attempt."""
        fatal = permanent(exc)
        if fatal is not None:
            raise fatal from exc
        waiting = _waits_long(exc)
        if waiting is not None:
            raise waiting from exc
        if not retryable(exc):
            raise TransientMailboxError(
                f"Gmail refused {method_name(method)}: {exc}. relance will try again at the "
                "next cycle; if this repeats, check `relance status`.") from exc
        if attempt + 1 >= self.backoff.attempts:
            raise TransientMailboxError(
                f"Gmail is unavailable or rate-limiting ({exc}) after {attempt + 1} tries of "
                f"{method_name(method)}; relance will try again at the next cycle.") from exc
