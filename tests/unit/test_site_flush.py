"""Which messages a site flush covers: the deferred mail with a recipient whose domain is the
site exactly (what Postfix's fast-flush log holds), said one way by the CLI and the app."""

from __future__ import annotations

import pytest

from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.selection import site_flush_candidates, site_flush_line
from mailq_tui.ui import plans


def msg(qid: str, queue: str, *addresses: str) -> Message:
    return Message(
        queue, qid, 1_700_000_000, 1000, "a@sender.test", [Recipient(a) for a in addresses]
    )


LISTING = [
    msg("D1", "deferred", "a@example.com"),
    msg("D2", "deferred", "a@mail.example.com"),  # a subdomain is another site
    msg("D3", "deferred", "A@EXAMPLE.COM"),  # domains compare case-insensitively
    msg("D4", "deferred", "x@other.org", "y@Example.com"),  # one recipient there is enough
    msg("D5", "deferred", "example.com"),  # no @: never in a site's flush log
    msg("D6", "deferred", "a@notexample.com", "b@example.com.evil"),
    msg("H1", "hold", "a@example.com"),  # held mail is never flushed
    msg("A1", "active", "a@example.com"),  # already being delivered
    msg("I1", "incoming", "a@example.com"),
    msg("M1", "maildrop", "a@example.com"),
]


@pytest.mark.parametrize("site", ["example.com", "EXAMPLE.com"])
def test_candidates_are_deferred_mail_with_a_recipient_at_exactly_the_site(site: str) -> None:
    assert [m.queue_id for m in site_flush_candidates(LISTING, site)] == ["D1", "D3", "D4"]


def test_a_site_in_brackets_matches_a_literal_recipient_domain() -> None:
    listing = [msg("L1", "deferred", "u@[10.0.0.1]"), msg("L2", "deferred", "u@10.0.0.1")]
    assert [m.queue_id for m in site_flush_candidates(listing, "[10.0.0.1]")] == ["L1"]


def test_the_domain_is_after_the_last_at() -> None:
    listing = [msg("Q1", "deferred", '"a@b"@Mail.Example.COM'), msg("Q2", "deferred", "a@")]
    assert [m.queue_id for m in site_flush_candidates(listing, "mail.example.com")] == ["Q1"]
    assert site_flush_candidates(listing, "") == []
    assert site_flush_candidates(listing, 'b"@mail.example.com') == []


def test_the_cli_and_the_confirm_dialog_say_what_is_covered() -> None:
    candidates = site_flush_candidates(LISTING, "example.com")
    line = site_flush_line("example.com", candidates)
    assert line == "3 deferred messages with a recipient at example.com"
    assert site_flush_line("x.test", candidates[:1]) == (
        "1 deferred message with a recipient at x.test"
    )
    title, body = plans.flush_site_text("example.com", candidates)
    assert title == "Flush example.com?"
    assert line in body and "Mail on hold is never flushed" in body
    assert "one by one (postqueue -i)" in body


def test_the_site_shown_is_made_visible() -> None:
    line = site_flush_line("evil\x1b[2J.example", [])
    assert "\x1b" not in line and "\\x1b" in line
