"""The re-check before a bulk action: which of the messages the user saw may still be acted on.

Postfix reuses short queue ids, and messages leave or move between the listing the user saw
and the moment postsuper runs. So right before acting, each target is looked up in a fresh
listing: an id that vanished, or now names a message with another identity (arrival time,
sender, recipients), is skipped; so is a release of mail no longer on hold and a hold of mail
already held (those two are already in the state asked for: reported, not failures). Pure
decisions over :class:`~mailq_tui.model.message.Message`: the engine and the test double both
call them, so they skip the same messages for the same reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional

from mailq_tui.model.message import Message

# The skip reasons live with the report, which must tell the ones that are not failures
# (ALREADY_IN_STATE) from the others; they are re-exported here, where they are decided.
from mailq_tui.reports import ALREADY_IN_STATE as ALREADY_IN_STATE
from mailq_tui.reports import SKIP_ALREADY_HELD as SKIP_ALREADY_HELD
from mailq_tui.reports import SKIP_INVALID as SKIP_INVALID
from mailq_tui.reports import SKIP_NOT_FOUND as SKIP_NOT_FOUND
from mailq_tui.reports import SKIP_NOT_HELD as SKIP_NOT_HELD
from mailq_tui.reports import SKIP_REUSED as SKIP_REUSED
from mailq_tui.reports import SKIP_VANISHED as SKIP_VANISHED
from mailq_tui.reports import ActionReport

#: The report's note when the targets named an id more than once.
DUPLICATES_NOTE = "duplicate ids were counted once"


@dataclass
class Targets:
    """The targets of an action, each id once, and the ones refused before any lookup."""

    #: queue id -> the message as the user saw it (the first one given for that id).
    by_id: dict[str, Message] = field(default_factory=dict)
    #: (queue id, reason) for ids Postfix would reject (one entry per occurrence).
    invalid: list[tuple[str, str]] = field(default_factory=list)

    @property
    def requested(self) -> int:
        """How many targets count as requested once duplicate ids are merged."""
        return len(self.by_id) + len(self.invalid)


def distinct_targets(targets: Sequence[Message], is_valid: Callable[[str], bool]) -> Targets:
    """``targets`` by id (duplicates merged) and the ids ``is_valid`` refuses; the queue id
    syntax is Postfix's business, so the caller passes the check."""
    result = Targets()
    for msg in targets:
        if not is_valid(msg.queue_id):
            result.invalid.append((msg.queue_id, SKIP_INVALID))
        elif msg.queue_id not in result.by_id:
            result.by_id[msg.queue_id] = msg
    return result


def screen_targets(
    report: ActionReport, targets: Sequence[Message], is_valid: Callable[[str], bool]
) -> dict[str, Message]:
    """The first step of an action on ``targets``: record in ``report`` the ids refused before
    any lookup (and that duplicate ids count once); return the rest by id
    (:func:`distinct_targets`)."""
    distinct = distinct_targets(targets, is_valid)
    report.skipped.extend(distinct.invalid)
    if distinct.requested < len(targets):
        report.requested = distinct.requested
        report.notes.append(DUPLICATES_NOTE)
    return distinct.by_id


def skip_reason(action: str, saw: Message, now: Optional[Message]) -> str:
    """Why ``action`` must not touch the message the user ``saw``, given what the queue holds
    under its id ``now`` (None: nothing); "" when it may."""
    if now is None:
        return SKIP_VANISHED
    if now.identity() != saw.identity():
        return SKIP_REUSED
    if action == "release" and now.queue_name != "hold":
        return SKIP_NOT_HELD
    if action == "hold" and now.queue_name == "hold":
        return SKIP_ALREADY_HELD
    return ""


@dataclass
class Recheck:
    """The outcome of the re-check: what to act on, and what to skip with why."""

    #: queue id -> the message as it is now, in the order the targets were given.
    survivors: dict[str, Message] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def queues(self) -> list[str]:
        """The queues the survivors are in now (postsuper is restricted to them)."""
        return sorted({m.queue_name for m in self.survivors.values()})


def recheck(action: str, seen: Mapping[str, Message], current: Mapping[str, Message]) -> Recheck:
    """Re-check every message the user ``seen`` (id -> message) against ``current`` (id ->
    message in a fresh listing): see :func:`skip_reason`."""
    result = Recheck()
    for qid, saw in seen.items():
        now = current.get(qid)
        why = skip_reason(action, saw, now)
        if why:
            result.skipped.append((qid, why))
        elif now is not None:
            result.survivors[qid] = now
    return result


class StreamedRecheck:
    """The re-check decided as the fresh listing streams, so each id can go to postsuper as
    soon as the listing has confirmed it (the listing and postsuper then overlap).

    :meth:`feed` takes each batch of the listing and returns the ids confirmed by it; an id is
    confirmed at its first copy that passes :func:`skip_reason` (showq lists a message that
    moves during its scan twice: the same file, so the same identity). :meth:`finish`, once
    the whole listing was read, gives the :class:`Recheck` with the skip reason of every other
    target, decided from its last copy, as :func:`recheck` decides it.
    """

    def __init__(self, action: str, seen: Mapping[str, Message]) -> None:
        self.action = action
        self.seen = seen
        #: queue id -> the message as the listing showed it when it was confirmed.
        self.survivors: dict[str, Message] = {}
        self._last: dict[str, Message] = {}

    def feed(self, batch: Sequence[Message]) -> list[str]:
        """The ids of ``batch`` confirmed now (each id once over the whole listing)."""
        confirmed = []
        for now in batch:
            qid = now.queue_id
            saw = self.seen.get(qid)
            if saw is None or qid in self.survivors:
                continue
            if skip_reason(self.action, saw, now):
                self._last[qid] = now
            else:
                self.survivors[qid] = now
                confirmed.append(qid)
        return confirmed

    def finish(self) -> Recheck:
        """The outcome once the listing is complete: the confirmed ids, then every other
        target skipped with why (in the order of the targets)."""
        result = Recheck(survivors=dict(self.survivors))
        for qid, saw in self.seen.items():
            if qid not in self.survivors:
                result.skipped.append((qid, skip_reason(self.action, saw, self._last.get(qid))))
        return result
