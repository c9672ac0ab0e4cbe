"""Which domain the receiving server vouches for: the ``Authentication-Results`` header field
(RFC 8601) read as relance needs it, to tell a processor's real payment notice from a forged one.

Anyone can write ``From: Stripe <notifications@stripe.com>``; only the server that received the
message saw the connection and checked the DKIM signature and the DMARC policy of the From
domain. It records what it found in ``Authentication-Results``, which it adds *above* the
header fields already there (RFC 5322 §3.6 trace order, RFC 8601 §5).

**The rule** (a field written lower down may have been written by anyone, the sender included):

- with configured authserv-ids (``detection.authserv_id``), the topmost field whose authserv-id
  is one of them counts, and only that one; without one of them, nothing is vouched;
- without configuration, only the topmost ``Authentication-Results`` counts. RFC 8601 §5 asks
  a receiving server to delete or rename look-alike fields claiming its own authserv-id, and
  Gmail, Microsoft 365 and Fastmail each add theirs at the top. A mailbox whose server adds
  none at all would leave the sender's own field on top: such users should set the
  authserv-id;
- ``ARC-Authentication-Results`` (RFC 8617) and ``Authentication-Results-Original`` are never
  read: they report what an earlier hop saw.

Within that field the From domain is vouched for when ``dmarc=pass`` names it
(``header.from``), or when ``dkim=pass`` names a signing domain (``header.d``, else the domain
of ``header.i``) aligned with it: the same domain, or one a subdomain of the other (DMARC's
relaxed alignment, RFC 7489 §3.1.1, without a public-suffix list: a one-label domain never
aligns). SPF is not enough: it checks the envelope sender, not the From a person reads.

As real servers write it (kept as fixtures in ``tests/data/payments``):

- Gmail: ``mx.google.com; dkim=pass header.i=@stripe.com header.s=... header.b=...;
  spf=pass (google.com: domain of ... designates ... as permitted sender) smtp.mailfrom=...;
  dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=stripe.com``;
- Microsoft 365 and Outlook.com write no authserv-id, and have been observed to append stray
  domains after a semicolon: ``spf=pass (sender IP is 192.0.2.7) smtp.mailfrom=wise.com;
  dkim=pass (signature was verified) header.d=wise.com;dmarc=pass action=none
  header.from=wise.com;compauth=pass reason=100``;
- Fastmail: ``mx4.messagingengine.com; dkim=pass (2048-bit rsa key sha256) header.d=paypal.fr
  header.i=@paypal.fr header.b=... header.a=rsa-sha256 header.s=pp-dkim1 x-bits=2048;
  dmarc=pass policy.published-domain-policy=reject ... header.from=paypal.fr``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message

_MAX_FIELD = 8192  # longer fields are not real servers' work; they are cut, never parsed whole
_COMMENT = re.compile(r"\([^()]*\)")  # innermost comments first, until none is left
_METHOD = re.compile(r"([a-z0-9_-]+)(?:/\d+)?=([a-z]+)$")
_PROPERTY = re.compile(r"([a-z0-9_-]+\.[a-z0-9_-]+)=(\S+)$")


@dataclass(frozen=True)
class MethodResult:
    """One ``method=result`` of an Authentication-Results field and its properties
    (``header.d``, ``header.from``, ``smtp.mailfrom``, ...), names lower-cased."""

    method: str
    result: str
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthResults:
    """One parsed field: the authserv-id ("" when the server wrote none, as Microsoft does)
    and its results in order."""

    authserv_id: str
    results: tuple[MethodResult, ...]


NOT_VOUCHED = ""


def parse_field(value: str) -> AuthResults:
    """Return one ``Authentication-Results`` value parsed leniently (RFC 8601 §2.2): comments
    dropped, quoted values unquoted, a segment without ``method=result`` (Microsoft's stray
    domains, or properties it wrote after a semicolon) attached to the result before it."""
    text = " ".join(value[:_MAX_FIELD].split())
    for _ in range(8):  # nested comments, a few levels deep at most
        stripped = _COMMENT.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    segments = [s.strip() for s in text.split(";")]
    authserv_id = ""
    first = segments[0].split() if segments else []
    if first and "=" not in first[0]:
        authserv_id = first[0].lower()
        segments = segments[1:]
    results: list[MethodResult] = []
    for segment in segments:
        tokens = segment.split()
        method = _METHOD.match(tokens[0].lower()) if tokens else None
        properties = _properties(tokens[1:] if method else tokens)
        if method:
            results.append(MethodResult(method.group(1), method.group(2), properties))
        elif results and properties:
            last = results[-1]
            results[-1] = MethodResult(last.method, last.result,
                                       {**last.properties, **properties})
    return AuthResults(authserv_id, tuple(results))


def _properties(tokens: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for token in tokens:
        match = _PROPERTY.match(token.lower())
        if match:
            found.setdefault(match.group(1), match.group(2).strip('"'))
    return found


def receiver_results(msg: Message, authserv_ids: Collection[str] = ()) -> AuthResults | None:
    """Return the one field that counts under the rule above, or None when none does."""
    wanted = {a.strip().lower() for a in authserv_ids if a.strip()}
    for raw in msg.get_all("Authentication-Results") or []:
        parsed = parse_field(str(raw))
        if not wanted or parsed.authserv_id in wanted:
            return parsed
    return None


def vouched_domain(msg: Message, from_domain: str, authserv_ids: Collection[str] = ()) -> str:
    """Return ``from_domain`` (lower-cased) when the receiving server vouches for it by DKIM
    or DMARC, else ``NOT_VOUCHED``."""
    domain = from_domain.strip().lower().rstrip(".")
    found = receiver_results(msg, authserv_ids)
    if not domain or found is None:
        return NOT_VOUCHED
    for result in found.results:
        if result.result != "pass":
            continue
        if result.method == "dmarc" and result.properties.get("header.from") == domain:
            return domain
        if result.method == "dkim" and aligned(_signer(result), domain):
            return domain
    return NOT_VOUCHED


def _signer(result: MethodResult) -> str:
    signer = result.properties.get("header.d") or result.properties.get("header.i", "")
    return signer.rpartition("@")[2].rstrip(".")


def aligned(signer: str, domain: str) -> bool:
    """Whether a signing domain and a From domain are the same organisation's, by relaxed
    alignment: equal, or one a subdomain of the other, neither a bare top-level label."""
    if "." not in signer or "." not in domain:
        return False
    return signer == domain or domain.endswith("." + signer) or signer.endswith("." + domain)
