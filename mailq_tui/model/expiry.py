"""When Postfix gives up on a queued message, and what releasing held mail does to it.

Postfix returns a message to its sender once it has been queued longer than
``maximal_queue_lifetime`` (``bounce_queue_lifetime`` for null-sender mail: bounces and
notifications), counted from its arrival time. Mail on hold is the exception: postsuper(1)
says "while mail is on hold it will not expire when its time in the queue exceeds the
maximal_queue_lifetime or bounce_queue_lifetime setting. It becomes subject to expiration after
it is released from hold", and for ``-H`` it advises "postsuper -r" to release mail kept on
hold for a significant fraction of those lifetimes, or longer.

Checked on a sandbox (lifetimes 2 s, two messages held 4 s, Postfix 3.7): the one released with
``postsuper -H`` was tried once and logged ``status=expired, returned to sender``; the one
requeued with ``postsuper -r`` (same arrival time in ``postqueue -j``) was tried and stayed
deferred. Pure functions over :class:`~mailq_tui.model.message.Message`; no Postfix here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailq_tui.model.message import Message
from mailq_tui.model.trend import format_span

HOLD = "hold"


@dataclass(frozen=True)
class Lifetimes:
    """The two queue lifetimes of an instance, in seconds (Postfix's defaults: 5 days)."""

    maximal_queue_lifetime: int = 5 * 86400
    bounce_queue_lifetime: int = 5 * 86400

    def of(self, msg: Message) -> tuple[int, str]:
        """(seconds, parameter name) of the lifetime that applies to ``msg``."""
        if msg.is_null_sender:
            return self.bounce_queue_lifetime, "bounce_queue_lifetime"
        return self.maximal_queue_lifetime, "maximal_queue_lifetime"


@dataclass(frozen=True)
class Expiry:
    """When ``msg``'s lifetime ends and whether that matters now."""

    #: Epoch seconds when the lifetime ends (arrival time + lifetime).
    at: int
    #: Seconds of lifetime, and which parameter set it.
    lifetime: int
    parameter: str
    #: On hold: the lifetime does not run out while held (it does once released).
    held: bool
    #: The lifetime has ended (``at`` is not in the future).
    past: bool
    #: ``postsuper -e`` asked Postfix to return it at the next delivery attempt.
    forced: bool


def expiry(msg: Message, now: float, lifetimes: Lifetimes) -> Expiry:
    """The expiry facts of ``msg`` at ``now``."""
    lifetime, parameter = lifetimes.of(msg)
    at = msg.arrival_time + lifetime
    return Expiry(
        at=at,
        lifetime=lifetime,
        parameter=parameter,
        held=msg.queue_name == HOLD,
        past=at <= now,
        forced=msg.forced_expire,
    )


def bounces_when_released(msg: Message, now: float, lifetimes: Lifetimes) -> bool:
    """True for held mail that, released with ``postsuper -H``, is returned to its sender at
    its next failed delivery attempt: it has been queued longer than its lifetime."""
    facts = expiry(msg, now, lifetimes)
    return facts.held and facts.past


def release_warning(targets: Sequence[Message], now: float, lifetimes: Lifetimes) -> list[str]:
    """Lines warning that some of the messages about to be released are past their queue
    lifetime (empty when none is): postsuper's advice is to requeue those instead."""
    late = [m for m in targets if bounces_when_released(m, now, lifetimes)]
    if not late:
        return []
    it, them = ("it", "it") if len(late) == 1 else ("they", "them")
    limits = sorted({f"{name} ({format_span(life)})" for life, name in map(lifetimes.of, late)})
    return [
        f"Warning: {_who(len(late), len(targets))} been queued longer than "
        f"{' / '.join(limits)}. Held mail does not expire; released mail does. "
        f"{it.capitalize()} will expire at once: returned as undeliverable at the next failed "
        "delivery attempt.",
        f"To give {them} a new queue lifetime, requeue instead of releasing (postsuper -r), as "
        "postsuper(1) advises.",
    ]


def _who(late: int, total: int) -> str:
    """The subject and verb of the warning: ``this message has``, ``3 of these 5 messages
    have``, ``all 4 messages have``."""
    if total == 1:
        return "this message has"
    if late == total:
        return "both messages have" if late == 2 else f"all {late} messages have"
    return f"{late} of these {total} messages {'has' if late == 1 else 'have'}"
