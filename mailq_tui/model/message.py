"""Queued message records, decoded straight from ``postqueue -j`` lines.

A :class:`Message` is one JSON line of ``postqueue -j``; :class:`Recipient` keeps its own
``delay_reason`` because a reason belongs to a recipient, not to the message.

The null sender: ``postqueue -j`` (and ``mailq``) print the empty envelope sender ``<>`` as the
bare string ``MAILER-DAEMON``. Postfix itself stores the senders ``<>``, ``MAILER-DAEMON`` and
``MAILER-DAEMON@$myorigin`` all as the empty sender (``postcat -e`` shows ``sender:`` empty), so
a bare ``MAILER-DAEMON`` in a listing always is an empty sender in the queue file; a sender
such as ``MAILER-DAEMON@other.example`` is kept as written and is not the null sender.
"""

from __future__ import annotations

import msgspec

from mailq_tui.model.queues import QUEUE_NAMES

__all__ = ["NULL_SENDER", "QUEUE_NAMES", "Message", "Recipient"]

#: How ``postqueue -j`` / ``mailq`` print the null sender ``<>``.
NULL_SENDER = "MAILER-DAEMON"


class Recipient(msgspec.Struct, frozen=True, gc=False):
    """One undelivered recipient and, when Postfix has one, why it is still waiting."""

    address: str
    delay_reason: str = ""


class Message(msgspec.Struct, gc=False):
    """One queued message as ``postqueue -j`` describes it."""

    queue_name: str
    queue_id: str
    arrival_time: int
    message_size: int
    sender: str
    #: A tuple of untracked structs, so the garbage collector stops scanning it after its
    #: first pass; a list stays tracked, and 100k-500k tracked lists make every full
    #: collection cost ~130 ms at 100k messages, landing on whatever keystroke triggers it.
    recipients: tuple[Recipient, ...] = ()
    forced_expire: bool = False

    @property
    def is_null_sender(self) -> bool:
        """True for the empty envelope sender ``<>`` (bounces, DSNs)."""
        return self.sender == NULL_SENDER or self.sender == ""

    @property
    def first_reason(self) -> str:
        """The first non-empty recipient delay reason, or ``""``."""
        for rcpt in self.recipients:
            if rcpt.delay_reason:
                return rcpt.delay_reason
        return ""

    def identity(self) -> tuple[int, str]:
        """What must still match before acting on this id (Postfix reuses ids)."""
        return (self.arrival_time, self.sender)
