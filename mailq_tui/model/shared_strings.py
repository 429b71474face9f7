"""One shared store for the strings a listing repeats.

``postqueue -j`` spells out every recipient's delay reason, every sender and every queue
name in full, and a decoder makes a new string of each: at 500,000 messages (1.5 million
recipients) a queue in trouble holds a few hundred thousand distinct reasons among 1.5
million, ~30,000-50,000 senders among 500,000. :class:`StringStore` hands each decoded message
the one copy of an equal string it has seen (a reason of 120 characters costs 170 bytes
per recipient otherwise).

The pass is C iterators over the batch (no per-recipient Python code): one dict look-up per
string and, for the frozen :class:`~mailq_tui.model.message.Recipient`, msgspec's
``force_setattr`` (the struct is still frozen to every other caller; the value is equal).
Addresses are not shared: most are distinct (a look-up each would cost more than the few
repeats save).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import chain, repeat
from operator import attrgetter

import msgspec
from msgspec.structs import force_setattr

from mailq_tui.model.message import Message

_RECIPIENTS = attrgetter("recipients")

#: Fields shared per message and per recipient.
MESSAGE_FIELDS = ("queue_name", "sender")
RECIPIENT_FIELDS = ("delay_reason",)


class StringStore:
    """Equal strings of the messages it is given become one string (see the module
    docstring); keep one store per listing (or across listings, to share with earlier
    ones)."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._strings)

    def share(self, messages: Sequence[Message]) -> Sequence[Message]:
        """``messages`` themselves, each field of :data:`MESSAGE_FIELDS` and
        :data:`RECIPIENT_FIELDS` now the store's string equal to it."""
        if not messages:
            return messages
        recipients = list(chain.from_iterable(map(_RECIPIENTS, messages)))
        for fields, objects in ((MESSAGE_FIELDS, messages), (RECIPIENT_FIELDS, recipients)):
            for name in fields:
                self._replace(objects, name)
        return messages

    def _replace(self, objects: Sequence[msgspec.Struct], name: str) -> None:
        values = list(map(attrgetter(name), objects))
        shared = map(self._strings.setdefault, values, values)
        deque(map(force_setattr, objects, repeat(name), shared), maxlen=0)
