"""Authentication-Results (RFC 8601) as real receiving servers write it: which field counts, and
when it vouches for the From domain."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from relance.daemon.core.authres import (
    NOT_VOUCHED,
    aligned,
    parse_field,
    receiver_results,
    vouched_domain,
)


def _msg(*fields: str, arc: str = "") -> EmailMessage:
    msg = EmailMessage()
    if arc:
        msg["ARC-Authentication-Results"] = arc
    for value in fields:
        msg["Authentication-Results"] = value
    msg["From"] = "Stripe <notifications@stripe.com>"
    return msg


def test_gmail_field_is_parsed_with_its_comments_and_quoted_values_dropped() -> None:
    parsed = parse_field(
        'mx.google.com;\n       dkim=pass header.i=@stripe.com header.s=s1 header.b="Kz7/pQ2";'
        "\n       spf=pass (google.com: domain of b@email.stripe.com designates 192.0.2.52 as "
        "permitted sender) smtp.mailfrom=b@email.stripe.com;\n       dmarc=pass "
        "(p=REJECT sp=REJECT dis=NONE) header.from=stripe.com")
    assert parsed.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert parsed.results[0].properties["header.b"] == "kz7/pq2"
    assert parsed.results[2].properties["header.from"] == "stripe.com"


def test_microsoft_field_has_no_authserv_id_and_stray_domains_after_semicolons() -> None:
    # Exchange Online, seen relaying for a forwarding domain: "; alum.example;" segments
    parsed = parse_field(
        "spf=pass (sender IP is 192.0.2.41) smtp.mailfrom=wise.com; alum.example; dkim=pass "
        "(signature was verified) header.d=wise.com;alum.example; dmarc=pass action=none "
        "header.from=wise.com;compauth=pass reason=100")
    assert parsed.authserv_id == ""
    assert [r.method for r in parsed.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert parsed.results[1].properties == {"header.d": "wise.com"}


def test_properties_written_after_a_semicolon_stay_with_their_result() -> None:
    parsed = parse_field("dkim=pass (signature was verified); header.d=wise.com;"
                         "dmarc=pass action=none; header.from=wise.com")
    assert parsed.results[0].properties == {"header.d": "wise.com"}
    assert parsed.results[1].properties["header.from"] == "wise.com"


def test_only_the_topmost_field_counts_and_arc_never_does() -> None:
    real = ("mx2.messagingengine.com; dkim=none (no signatures found); "
            "dmarc=fail header.from=stripe.com")
    fake = "mx.google.com; dkim=pass header.d=stripe.com; dmarc=pass header.from=stripe.com"
    assert vouched_domain(_msg(real, fake), "stripe.com") == NOT_VOUCHED
    assert vouched_domain(_msg(arc=fake), "stripe.com") == NOT_VOUCHED
    assert vouched_domain(_msg(fake), "stripe.com") == "stripe.com"


def test_a_configured_authserv_id_picks_its_own_field_wherever_it_is() -> None:
    first = "relay.example; dkim=none"
    mine = "mx.google.com; dmarc=pass header.from=stripe.com"
    msg = _msg(first, mine)
    found = receiver_results(msg, ["MX.Google.com"])
    assert found is not None and found.authserv_id == "mx.google.com"
    assert vouched_domain(msg, "stripe.com", ["mx.google.com"]) == "stripe.com"
    assert receiver_results(msg, ["mx.example"]) is None


@pytest.mark.parametrize(("value", "vouched"), [
    ("mx.google.com; dkim=pass header.i=@stripe.com", True),
    ("mx.google.com; dkim=pass header.d=email.stripe.com", True),  # relaxed alignment
    ("mx.google.com; dkim=pass header.d=stripe-payouts.example", False),  # someone else's key
    ("mx.google.com; dkim=fail header.d=stripe.com", False),
    ("mx.google.com; spf=pass smtp.mailfrom=stripe.com", False),  # SPF checks the envelope only
    ("mx.google.com; dmarc=pass header.from=stripe.com.evil.example", False),
    ("mx.google.com; dmarc=fail header.from=stripe.com", False),
    ("mx.google.com; dkim=pass header.d=com", False),  # a one-label signer aligns with nothing
])
def test_dkim_or_dmarc_pass_for_the_from_domain_vouches(value: str, vouched: bool) -> None:
    assert (vouched_domain(_msg(value), "stripe.com") == "stripe.com") is vouched


def test_alignment_is_relaxed_but_never_across_organisations() -> None:
    assert aligned("stripe.com", "email.stripe.com")
    assert aligned("email.stripe.com", "stripe.com")
    assert not aligned("notstripe.com", "stripe.com")
    assert not aligned("com", "stripe.com")


def test_a_huge_or_hostile_field_is_read_quickly_and_vouches_for_nothing() -> None:
    value = "mx.google.com; " + "(" * 5000 + "dkim=pass header.d=stripe.com" + ")" * 5000
    assert vouched_domain(_msg(value), "stripe.com") == NOT_VOUCHED
