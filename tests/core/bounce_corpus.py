"""The two bounce corpora and how a detector scores on them: tests/data/bounces/corpus (ours,
written by tests/data/bounces/make_corpus.py) and tests/data/bounces/flufl (flufl.bounce's own
published test messages). Used by test_bounce_corpus and by ``python -m bench.bench_bounces``.

A reading is scored on three measures, each a ratio over the files it applies to:
recognised (bounce or not, every file), hard/soft right (expected bounces: hard when any
recipient failed hard, and which recipients are only soft), recipients exactly right (expected
bounces: the set of failed addresses, nothing more, nothing less).
"""

from __future__ import annotations

import email
import email.policy
import tomllib
from dataclasses import dataclass
from pathlib import Path

from relance.daemon.core.bounce import detect_bounce
from relance.daemon.core.message import parse
from relance.daemon.core.model import Bounce

BOUNCES = Path(__file__).resolve().parents[1] / "data" / "bounces"
CORPORA = {"ours": BOUNCES / "corpus", "flufl": BOUNCES / "flufl"}


@dataclass(frozen=True)
class Expected:
    """What a file is, from its corpus's expectations.toml."""

    file: str
    is_bounce: bool
    hard: frozenset[str]
    soft: frozenset[str]
    message_id: str | None


@dataclass(frozen=True)
class Reading:
    """What a detector made of a file, in the same terms."""

    is_bounce: bool
    hard: frozenset[str]
    soft: frozenset[str]
    permanent: bool
    message_id: str | None = None


def expectations(corpus: str) -> list[Expected]:
    """Return the expected readings of a corpus, in file order."""
    root = CORPORA[corpus]
    table = tomllib.loads((root / "expectations.toml").read_text(encoding="utf-8"))
    out = []
    for row in table.get("report", []) + table.get("message", []):
        if "recipients" in row:  # flufl's table: one list, all hard or all soft
            addrs = frozenset(a.lower() for a in row["recipients"])
            permanent = row.get("permanent", True)
            hard, soft = (addrs, frozenset()) if permanent else (frozenset(), addrs)
            if row["is_bounce"] and not addrs:
                hard, soft = (frozenset({"?"}), frozenset()) if permanent else \
                    (frozenset(), frozenset({"?"}))
        else:
            hard = frozenset(row.get("hard", []))
            soft = frozenset(row.get("soft", []))
        out.append(Expected(row["file"], row["is_bounce"], hard, soft, row.get("message_id")))
    return out


def raw(corpus: str, file: str) -> bytes:
    return (CORPORA[corpus] / file).read_bytes()


def read_relance(data: bytes) -> Reading:
    """relance's reading of one message."""
    found = detect_bounce(parse(data))
    if not isinstance(found, Bounce):
        return Reading(False, frozenset(), frozenset(), False)
    soft = frozenset(found.transient)
    return Reading(True, frozenset(found.recipients) - soft, soft, found.permanent,
                   found.original_message_id)


def read_flufl(data: bytes) -> Reading:
    """flufl.bounce alone (``all_failures``), on the message parsed as its own tests do."""
    from flufl.bounce import all_failures

    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    try:
        temporary, permanent = all_failures(msg)
    except Exception:
        return Reading(False, frozenset(), frozenset(), False)

    def clean(found: frozenset[bytes] | set[bytes]) -> frozenset[str]:
        return frozenset(a.decode("ascii", "replace").strip("<> ").lower() for a in found)

    hard, soft = clean(permanent), clean(temporary) - clean(permanent)
    return Reading(bool(hard or soft), hard, soft, bool(hard))


def judge(expected: Expected, got: Reading) -> dict[str, bool | None]:
    """Return each measure for one file: True (right), False (wrong), None (not applicable)."""
    recognised = got.is_bounce == expected.is_bounce
    if not expected.is_bounce:
        return {"recognised": recognised, "hard_soft": None, "recipients": None,
                "message_id": None}
    hard_soft = got.is_bounce and got.permanent == bool(expected.hard)
    if hard_soft and "?" not in expected.hard | expected.soft:
        # per recipient: the soft ones are named as soft
        hard_soft = got.soft == expected.soft or not (expected.soft and expected.hard)
    names = frozenset(n for n in expected.hard | expected.soft if n != "?")
    recipients = got.is_bounce and (got.hard | got.soft) == names
    mid = None if expected.message_id is None else got.message_id == expected.message_id
    return {"recognised": recognised, "hard_soft": hard_soft, "recipients": recipients,
            "message_id": mid}


def score(corpus: str, reader: str = "relance") -> tuple[dict[str, tuple[int, int]],
                                                         dict[str, dict[str, bool | None]]]:
    """Return (measure → (right, applicable)) and each file's verdicts, for one reader."""
    read = read_relance if reader == "relance" else read_flufl
    totals: dict[str, list[int]] = {}
    files = {}
    for exp in expectations(corpus):
        verdict = judge(exp, read(raw(corpus, exp.file)))
        files[exp.file] = verdict
        for measure, ok in verdict.items():
            if ok is not None:
                right, total = totals.setdefault(measure, [0, 0])
                totals[measure] = [right + bool(ok), total + 1]
    return {k: (v[0], v[1]) for k, v in totals.items()}, files
