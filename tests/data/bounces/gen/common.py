"""What every family shape shares: the user, the invoice that bounced, the kinds of failure and
the MIME scaffolding (multipart/report per RFC 6522, delivery-status per RFC 3464).

A variant is one report: its recipients, each with a kind of failure, and the invoice. A family
turns a variant into the bytes its MTA would write; the expectations follow from the kinds.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

ME = "factures@atelier-lumen.example"
ME_NAME = "Atelier Lumen"
ME_HOST = "mail.atelier-lumen.example"


@dataclass(frozen=True)
class Kind:
    """A kind of failure: hard or soft by relance's rule, and its usual words and codes."""

    name: str
    hard: bool
    code: str      # basic SMTP reply code
    status: str    # enhanced status code (RFC 3463) as an MTA puts it in Status:
    text: str      # the usual wording


KINDS = {
    "unknown": Kind("unknown", True, "550", "5.1.1", "User unknown"),
    "nodomain": Kind("nodomain", True, "550", "5.1.2", "Host or domain name not found"),
    "disabled": Kind("disabled", True, "550", "5.2.1", "Mailbox disabled, not accepting messages"),
    "policy": Kind("policy", True, "554", "5.7.1", "Message rejected due to local policy"),
    "full": Kind("full", False, "552", "5.2.2", "Mailbox full"),
    # A full mailbox reported with a 5 and no X.2.2: only the words say it is full.
    "full_nox": Kind("full_nox", False, "552", "5.0.0",
                     "Requested mail action aborted: exceeded storage allocation"),
    "expired": Kind("expired", False, "421", "4.4.7", "retry timeout exceeded"),
    "temp": Kind("temp", False, "451", "4.3.0", "Temporary local problem - please try later"),
}


@dataclass(frozen=True)
class Variant:
    """One report to write: who failed how, which invoice, and a serial for unique details."""

    n: int
    rcpts: tuple[tuple[str, Kind], ...]
    subject: str
    domain_hint: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        digest = hashlib.sha1(f"{self.n}{self.subject}".encode()).hexdigest()[:10]
        return f"<inv-{self.n:03d}.{digest}@atelier-lumen.example>"

    @property
    def first(self) -> str:
        return self.rcpts[0][0]

    @property
    def kind(self) -> Kind:
        return self.rcpts[0][1]

    def date(self, day: int = 3) -> str:
        return f"Tue, {day} Mar 2026 06:{13 + self.n % 40:02d}:{self.n % 60:02d} +0100"

    def qid(self) -> str:
        return hashlib.md5(str(self.n).encode()).hexdigest()[:10].upper()


def headers(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"{k}: {v}\n" for k, v in pairs)


def original_headers(v: Variant) -> str:
    """The invoice's headers as a returned copy shows them."""
    to = ", ".join(a for a, _ in v.rcpts)
    return headers([
        ("Received", f"from [10.0.0.7] by {ME_HOST} with ESMTPSA id {v.qid()}; {v.date()}"),
        ("From", f"{ME_NAME} <{ME}>"), ("To", to), ("Subject", v.subject),
        ("Date", v.date()), ("Message-ID", v.msgid), ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ])


def original_message(v: Variant) -> str:
    return (original_headers(v) + "\nBonjour,\n\nVeuillez trouver ci-joint la facture "
            f"{v.subject.split()[-1]}.\n\nCordialement,\n{ME_NAME}\n")


def dsn_block(addr: str, action: str, status: str, diag: str, *, remote: str = "",
              order: str = "std", original: str = "") -> str:
    """One per-recipient block (RFC 3464 §2.3); ``order`` imitates MTAs that write fields in
    another order, leave Action out, or write a non-standard action."""
    fields = []
    if original:
        fields.append(("Original-Recipient", f"rfc822;{original}"))
    fields.append(("Final-Recipient", f"rfc822; {addr}"))
    fields.append(("Action", action))
    fields.append(("Status", status))
    if remote:
        fields.append(("Remote-MTA", f"dns; {remote}"))
    if diag:
        fields.append(("Diagnostic-Code", f"smtp; {diag}"))
    if order == "status_first":
        fields.sort(key=lambda f: f[0] != "Status")
    elif order == "action_last":
        fields = [f for f in fields if f[0] != "Action"] + [f for f in fields if f[0] == "Action"]
    elif order == "no_action":
        fields = [f for f in fields if f[0] != "Action"]
    return headers(fields)


def delivery_status(mta: str, blocks: list[str], *, extra: list[tuple[str, str]] = ()) -> str:
    per_message = headers([("Reporting-MTA", f"dns; {mta}"), *extra])
    return per_message + "\n" + "\n".join(blocks)


def report(top: list[tuple[str, str]], parts: list[tuple[str, str]], *,
           boundary: str, report_type: str = "delivery-status",
           kind: str = "report") -> str:
    """A multipart message; ``parts`` are (content-type line + headers, body)."""
    ctype = (f'multipart/report; report-type={report_type};\n\tboundary="{boundary}"'
             if kind == "report" else f'multipart/{kind}; boundary="{boundary}"')
    out = headers(top + [("MIME-Version", "1.0"), ("Content-Type", ctype)])
    out += "\nThis is a MIME-encapsulated message.\n\n"
    for head, body in parts:
        out += f"--{boundary}\n{head}\n\n{body.rstrip()}\n\n"
    return out + f"--{boundary}--\n"


def text_part(body: str, charset: str = "us-ascii") -> tuple[str, str]:
    return (f"Content-Type: text/plain; charset={charset}", body)


def b64_text_part(body: str, charset: str = "utf-8", subtype: str = "plain") -> tuple[str, str]:
    data = base64.encodebytes(body.encode(charset)).decode()
    return (f"Content-Type: text/{subtype}; charset={charset}\n"
            "Content-Transfer-Encoding: base64", data)


def status_part(body: str) -> tuple[str, str]:
    return ("Content-Type: message/delivery-status", body)


def rfc822_part(v: Variant, *, headers_only: bool = False) -> tuple[str, str]:
    if headers_only:
        return ("Content-Type: text/rfc822-headers", original_headers(v))
    return ("Content-Type: message/rfc822", original_message(v))


def plain(top: list[tuple[str, str]], body: str, charset: str = "us-ascii") -> str:
    return headers(top + [("MIME-Version", "1.0"),
                          ("Content-Type", f"text/plain; charset={charset}"),
                          ("Content-Transfer-Encoding", "8bit")]) + "\n" + body


def daemon_top(v: Variant, frm: str, subject: str, host: str,
               more: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    return [("Return-Path", "<>"),
            ("Received", f"from {host} by {ME_HOST} with ESMTP id {v.qid()}; {v.date()}"),
            ("From", frm), ("To", ME), ("Subject", subject), ("Date", v.date()),
            ("Message-ID", f"<{v.qid()}.{v.n}@{host}>"), *more]
