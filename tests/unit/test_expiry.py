"""Expiry facts: held mail does not expire until released (postsuper(1)); releasing held mail
past its queue lifetime is warned about in the confirm dialog, and the message screen says
what a release would do instead of a countdown that is not running."""

from __future__ import annotations

from mailq_tui.model.expiry import Lifetimes, bounces_when_released, expiry, release_warning
from mailq_tui.model.message import Message, Recipient
from mailq_tui.operations import Op
from mailq_tui.postfix.settings import PostfixSettings
from mailq_tui.ui.plans import confirm_text
from mailq_tui.ui.screens.message import expiry_text

NOW = 1_800_000_000.0
DAY = 86400
LIFETIMES = Lifetimes(maximal_queue_lifetime=5 * DAY, bounce_queue_lifetime=DAY)
SETTINGS = PostfixSettings(maximal_queue_lifetime=5 * DAY, bounce_queue_lifetime=DAY)


def _msg(queue: str, age: float, sender: str = "alice@example.org", n: int = 0) -> Message:
    return Message(
        queue, f"ABCDEF{n:04X}", int(NOW - age), 100, sender, (Recipient("bob@example.net"),)
    )


def test_the_null_sender_uses_bounce_queue_lifetime() -> None:
    assert LIFETIMES.of(_msg("deferred", 0)) == (5 * DAY, "maximal_queue_lifetime")
    assert LIFETIMES.of(_msg("deferred", 0, "MAILER-DAEMON")) == (DAY, "bounce_queue_lifetime")
    facts = expiry(_msg("hold", 2 * DAY, "MAILER-DAEMON"), NOW, LIFETIMES)
    assert facts.held and facts.past and facts.at == int(NOW - 2 * DAY) + DAY


def test_only_held_mail_past_its_lifetime_bounces_when_released() -> None:
    assert bounces_when_released(_msg("hold", 6 * DAY), NOW, LIFETIMES)
    assert bounces_when_released(_msg("hold", 2 * DAY, "MAILER-DAEMON"), NOW, LIFETIMES)
    assert not bounces_when_released(_msg("hold", 4 * DAY), NOW, LIFETIMES)
    assert not bounces_when_released(_msg("deferred", 6 * DAY), NOW, LIFETIMES)


def test_release_warning_counts_the_late_ones_and_names_their_lifetime() -> None:
    late, fresh = _msg("hold", 6 * DAY, n=1), _msg("hold", DAY, n=2)
    assert release_warning([fresh], NOW, LIFETIMES) == []
    first, advice = release_warning([late, fresh], NOW, LIFETIMES)
    assert first.startswith("Warning: 1 of these 2 messages has been queued longer than ")
    assert "maximal_queue_lifetime (5d)" in first and "expire at once" in first
    assert "requeue instead of releasing (postsuper -r)" in advice
    (one, _) = release_warning([late], NOW, LIFETIMES)
    assert one.startswith("Warning: this message has been")


def test_the_release_confirm_dialog_warns_and_other_actions_do_not() -> None:
    targets = [_msg("hold", 6 * DAY, n=1), _msg("hold", 6 * DAY, "MAILER-DAEMON", n=2)]
    _, body = confirm_text(Op.RELEASE, targets, now=NOW, settings=SETTINGS)
    assert "Warning: both messages have been queued longer than bounce_queue_lifetime (1d) / " in (
        body
    )
    assert "postsuper -r" in body
    _, hold = confirm_text(Op.HOLD, targets, now=NOW, settings=SETTINGS)
    assert "queued longer" not in hold
    _, fresh = confirm_text(Op.RELEASE, [_msg("hold", DAY)], now=NOW, settings=SETTINGS)
    assert "queued longer" not in fresh


def test_the_message_screen_does_not_count_down_for_held_mail() -> None:
    held = expiry_text(_msg("hold", DAY), NOW, SETTINGS)
    assert held.startswith("does not expire while on hold; released, it would expire ")
    assert "expires in" not in held and "(4d, maximal_queue_lifetime 5d)" in held
    late = expiry_text(_msg("hold", 6 * DAY), NOW, SETTINGS)
    assert "released, it expires at once" in late and "requeue (r)" in late
    assert expiry_text(_msg("deferred", DAY), NOW, SETTINGS).startswith("expires in 4d")
