"""Reason normalisation clusters what differs only by hosts, addresses and numbers; hints
come from a data table."""

from __future__ import annotations

import pytest

from mailq_tui.model.reasons import HINTS, explain, normalise_reason


def test_same_failure_from_many_hosts_is_one_cluster() -> None:
    reasons = [
        f"connect to mx{n}.example{n}.com[192.0.2.{n}]:25: Connection refused" for n in range(50)
    ] + ["connect to 1.2.3.4[1.2.3.4]:25: Connection refused"]
    assert {normalise_reason(r) for r in reasons} == {"connect to <host>: Connection refused"}


def test_addresses_ips_ids_and_numbers_are_stripped_but_smtp_codes_kept() -> None:
    a = (
        "host mx1.gmail.com[142.250.1.2] said: 450 4.7.1 <bob@gmail.com>: too many "
        "connections (in reply to RCPT TO command)"
    )
    b = a.replace("bob@gmail.com", "carol@gmail.com").replace("142.250.1.2", "10.0.0.9")
    assert normalise_reason(a) == normalise_reason(b)
    assert normalise_reason(a) == (
        "host <host> said: 450 4.7.1 <addr>: too many connections (in reply to RCPT TO command)"
    )
    assert normalise_reason("try again in 300 seconds") == "try again in N seconds"
    assert normalise_reason("250 2.0.0 Ok: queued as 4ABC123DEF") == "250 2.0.0 Ok: queued as <id>"
    assert normalise_reason("conversation with mx[2001:db8::1]:25 timed out") == (
        "conversation with <host> timed out"
    )
    assert normalise_reason("connect to [127.0.0.1]:2525: Connection refused") == (
        "connect to <host>: Connection refused"
    )
    assert "<domain>" in normalise_reason("Name service error for name=x.example type=MX")


def test_empty_reason_stays_empty() -> None:
    assert normalise_reason("") == ""
    assert explain("") is None


@pytest.mark.parametrize(
    ("reason", "name"),
    [
        ("451 4.7.1 Greylisted, please try again in 300 seconds", "greylisting"),
        ("450 4.7.1 <a@b.c>: too many connections from your IP", "rate-limit"),
        ("421 4.7.0 rate limit exceeded", "rate-limit"),
        ("554 5.7.1 <x@y.z>: Relay access denied", "relay-denied"),
        ("mail for example.com loops back to myself", "loops-back"),
        ("552 5.3.4 Message size exceeds fixed limit", "too-big"),
        ("Host or domain name not found. Name service error for name=x type=MX", "dns"),
        ("TLS is required, but was not offered by host x[1.2.3.4]", "tls"),
        ("connect to x[1.2.3.4]:25: Connection refused", "refused"),
        ("connect to x[1.2.3.4]:25: Connection timed out", "refused"),
        ("host x said: 421 4.7.0 try again later", "try-later"),
        ("deferred transport", "deferred-transport"),
        ("550 5.1.1 <a@b.c>: user unknown", "mailbox"),
    ],
)
def test_known_patterns_are_explained(reason: str, name: str) -> None:
    hint = explain(reason)
    assert hint is not None and hint.name == name
    assert hint.explanation and hint.setting and hint.title


def test_every_hint_is_reachable_and_named_once() -> None:
    names = [h.name for h in HINTS]
    assert len(names) == len(set(names))
    assert explain("something nobody has seen before") is None


def test_suspended_destination_prefix_joins_the_cluster_of_its_cause() -> None:
    a = "delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:2525: Connection refused"
    b = "connect to 127.0.0.1[127.0.0.1]:2525: Connection refused"
    assert normalise_reason(a) == normalise_reason(b)


_RATE_LIMITED = (
    "host mx.freemail.example.net[192.0.2.7] said: 450 4.7.1 {}: too many connections "
    "(in reply to RCPT TO command)"
)


@pytest.mark.parametrize(
    "address",
    [
        '<"john doe"@freemail.example.net>',  # quoted local part with a space
        '"john doe"@freemail.example.net',  # the same without angle brackets
        r'<"john\"doe"@freemail.example.net>',  # an escaped quote inside the quotes
        r'"a b\\"@freemail.example.net',  # an escaped backslash ends the quoted string
        '<"a>b"@freemail.example.net>',  # ">" inside a quoted local part
        "<john@[192.0.2.1]>",  # address literal
        "john@[192.0.2.1]",
        "<john@[IPv6:2001:db8::1]>",
        "john@[IPv6:2001:db8::1]",
        "<@relay.example:john@freemail.example.net>",  # source route
        "<>",  # the null sender
    ],
)
def test_rfc5321_address_forms_join_the_cluster_of_a_plain_address(address: str) -> None:
    plain = normalise_reason(_RATE_LIMITED.format("<john@freemail.example.net>"))
    assert normalise_reason(_RATE_LIMITED.format(address)) == plain
    assert "<addr>" in plain


def test_quoted_text_that_is_not_an_address_is_kept() -> None:
    assert normalise_reason('said: "550 no" x; bob@x.com rejected') == (
        'said: "550 no" x; <addr> rejected'
    )


def test_a_hint_names_the_clusters_own_destination() -> None:
    """The rate-limit hint's transport_maps line names the domain that is rate limiting, not
    a placeholder; hints without a domain read the same for any cluster."""
    hint = explain("421 4.7.0 rate limit exceeded")
    assert hint is not None
    setting = hint.setting_for([("yahoo.com", 40), ("ymail.com", 3)])
    assert setting.startswith("transport_maps: yahoo.com slow:")
    assert "{domain}" not in hint.setting_for([])
    greylist = explain("450 4.7.1 greylisted, try again in 300 seconds")
    assert greylist is not None and greylist.setting_for([("x.org", 1)]) == greylist.setting
