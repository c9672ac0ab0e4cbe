"""Running Gmail API requests: retries with backoff, batches, quota counting, and turning the
Google libraries' errors into relance's error family.

Retried (the call was refused or may not have reached Gmail): 429, 403 with a rate-limit
reason (``rateLimitExceeded``, ``userRateLimitExceeded``), 5xx, dropped connections. Not
retried: 401 after the library's own token refresh, 4xx. ``invalid_grant`` from the token
endpoint means the user revoked access (or a Testing-mode app's refresh token expired after 7
days): that is a ``PermanentMailboxError`` telling the user to run ``relance setup`` again.
"""

from __future__ import annotations

import enum
import http.client
import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import google.auth.exceptions
import httplib2
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, HttpRequest

from ...daemon.core.errors import PermanentMailboxError, TransientMailboxError
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


def _reason(exc: HttpError) -> str:
    try:
        body = json.loads(exc.content or b"{}")
        return str(body["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def retryable(exc: BaseException) -> bool:
    """Say whether a retry may succeed where ``exc`` failed."""
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
    if isinstance(exc, HttpError) and exc.resp.status == 403 and not retryable(exc):
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
        if not retryable(exc):
            raise TransientMailboxError(
                f"Gmail refused {method_name(method)}: {exc}. relance will try again at the "
                "next cycle; if this repeats, check `relance status`.") from exc
        if attempt + 1 >= self.backoff.attempts:
            raise TransientMailboxError(
                f"Gmail is unavailable or rate-limiting ({exc}) after {attempt + 1} tries of "
                f"{method_name(method)}; relance will try again at the next cycle.") from exc
