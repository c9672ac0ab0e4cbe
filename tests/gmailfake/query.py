"""The subset of Gmail's search language (the ``q`` parameter) the fake understands.

Gmail documents its operators in "Search operators you can use with Gmail" (Gmail Help). The
fake implements the ones relance and its tests use:

- ``in:sent``, ``in:inbox``, ``in:drafts`` / ``in:draft`` / ``is:draft``, ``in:trash``,
  ``in:spam``, ``in:anywhere``, ``label:NAME``
- ``has:attachment``
- ``newer_than:Nd`` / ``older_than:Nd`` (units ``d``, ``m`` = 30 days, ``y`` = 365 days)
- ``after:`` / ``before:`` with epoch seconds or ``YYYY/MM/DD``
- ``rfc822msgid:<id>`` (with or without angle brackets)
- ``from:``, ``to:`` (substring of the address headers), ``subject:WORD``
- plain words, matched case-insensitively against the subject and the text body
- ``OR`` between terms, ``{a b}`` (any of), ``( ... )`` grouping, ``-term`` negation;
  juxtaposition means AND, as in Gmail.

Like Gmail, messages in Spam and Trash are left out unless the query names them or
``includeSpamTrash`` is set (the server passes that flag separately).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol


class Searchable(Protocol):
    """What a query needs to know about a message."""

    labels: set[str]
    internal_date_ms: int
    has_attachment: bool
    message_id: str
    subject: str
    sender: str
    recipients: str
    words: frozenset[str]


Predicate = Callable[[Searchable], bool]

_TOKEN = re.compile(r'\s*(\(|\)|\{|\}|-?"[^"]*"|-?[^\s(){}]+)')
_DAY_MS = 86_400_000
_UNIT_DAYS = {"d": 1, "m": 30, "y": 365}
_IN_LABELS = {
    "sent": "SENT",
    "inbox": "INBOX",
    "drafts": "DRAFT",
    "draft": "DRAFT",
    "trash": "TRASH",
    "spam": "SPAM",
    "starred": "STARRED",
    "unread": "UNREAD",
}


class QueryError(ValueError):
    """The query uses syntax the fake does not implement (Gmail would answer something)."""


@dataclass(frozen=True)
class Query:
    """A parsed query: ``matches`` decides one message; ``names_spam_or_trash`` says whether
    the query itself asks for Spam or Trash (then they are not filtered out)."""

    matches: Predicate
    names_spam_or_trash: bool


def words_of(text: str) -> frozenset[str]:
    """Return the lower-cased words of ``text`` (letters and digits, any script)."""
    return frozenset(w.lower() for w in re.findall(r"\w+", text))


def parse(q: str, now_ms: int, user_labels: dict[str, str]) -> Query:
    """Parse ``q`` into a ``Query``; ``now_ms`` anchors ``newer_than``; ``user_labels`` maps
    label names to ids for ``label:``. Raises ``QueryError`` for what is not implemented."""
    tokens = [t for t in _TOKEN.findall(q) if t.strip()]
    parser = _Parser(tokens, now_ms, user_labels)
    pred = parser.expr() if tokens else (lambda m: True)
    if parser.pos != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.pos]!r} in {q!r}")
    return Query(pred, parser.names_spam_or_trash)


class _Parser:
    def __init__(self, tokens: list[str], now_ms: int, user_labels: dict[str, str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.now_ms = now_ms
        self.user_labels = user_labels
        self.names_spam_or_trash = False

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expr(self) -> Predicate:
        """AND of OR-groups: ``a b OR c d`` is ``a AND (b OR c) AND d`` (Gmail binds OR
        tighter than juxtaposition)."""
        parts: list[Predicate] = []
        while self.peek() not in (None, ")", "}"):
            parts.append(self.or_group())
        return lambda m: all(p(m) for p in parts)

    def or_group(self) -> Predicate:
        alts = [self.unary()]
        while self.peek() == "OR":
            self.take()
            alts.append(self.unary())
        return alts[0] if len(alts) == 1 else (lambda m: any(a(m) for a in alts))

    def unary(self) -> Predicate:
        tok = self.take()
        if tok == "(":
            inner = self.expr()
            self._expect(")")
            return inner
        if tok == "{":
            alts: list[Predicate] = []
            while self.peek() not in (None, "}"):
                alts.append(self.unary())
            self._expect("}")
            return lambda m: any(a(m) for a in alts)
        if tok == "-" and self.peek() == "(":
            inner = self.unary()
            return lambda m: not inner(m)
        if tok.startswith("-") and len(tok) > 1:
            inner = self.term(tok[1:])
            return lambda m: not inner(m)
        return self.term(tok)

    def _expect(self, tok: str) -> None:
        if self.peek() != tok:
            raise QueryError(f"expected {tok!r}")
        self.take()

    def term(self, tok: str) -> Predicate:
        if tok.startswith('"'):
            phrase = words_of(tok.strip('"'))
            return lambda m: phrase <= m.words
        op, sep, arg = tok.partition(":")
        if not sep:
            word = tok.lower()
            return lambda m: word in m.words
        op = op.lower()
        if op in ("in", "is", "label"):
            return self._label(op, arg)
        if op == "has" and arg.lower() == "attachment":
            return lambda m: m.has_attachment
        if op in ("newer_than", "older_than"):
            ms = _age_ms(arg)
            cut = self.now_ms - ms
            if op == "newer_than":
                return lambda m: m.internal_date_ms >= cut
            return lambda m: m.internal_date_ms < cut
        if op in ("after", "before"):
            cut = _date_ms(arg)
            if op == "after":
                return lambda m: m.internal_date_ms >= cut
            return lambda m: m.internal_date_ms < cut
        if op == "rfc822msgid":
            wanted = arg.strip("<>").lower()
            return lambda m: m.message_id.strip("<>").lower() == wanted
        if op == "from":
            return lambda m: arg.lower() in m.sender
        if op == "to":
            return lambda m: arg.lower() in m.recipients
        if op == "subject":
            wanted = words_of(arg)
            return lambda m: wanted <= words_of(m.subject)
        raise QueryError(f"operator {op}: is not implemented by the fake")

    def _label(self, op: str, arg: str) -> Predicate:
        name = arg.lower()
        if name == "anywhere":
            self.names_spam_or_trash = True
            return lambda m: True
        label = _IN_LABELS.get(name)
        if label is None:
            label = self.user_labels.get(arg) or self.user_labels.get(name) or arg.upper()
        if label in ("SPAM", "TRASH"):
            self.names_spam_or_trash = True
        return lambda m: label in m.labels


def _age_ms(arg: str) -> int:
    match = re.fullmatch(r"(\d+)([dmy])", arg.lower())
    if not match:
        raise QueryError(f"bad age {arg!r}: want a number and d, m or y")
    return int(match.group(1)) * _UNIT_DAYS[match.group(2)] * _DAY_MS


def _date_ms(arg: str) -> int:
    if arg.isdigit():
        return int(arg) * 1000
    try:
        day = datetime.strptime(arg, "%Y/%m/%d").replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise QueryError(f"bad date {arg!r}") from exc
    return int(day.timestamp() * 1000)
