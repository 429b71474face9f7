"""One shared store for the strings (and numbers) a listing repeats.

``postqueue -j`` spells out every recipient's delay reason, every sender and every queue
name in full, and a decoder makes a new string of each: at 500,000 messages (1.5 million
recipients) a queue in trouble holds a few hundred thousand distinct reasons among 1.5
million, ~30,000-50,000 senders among 500,000. :class:`StringStore` hands each decoded message
the one copy of an equal string it has seen (a reason of 120 characters costs 170 bytes
per recipient otherwise). Arrival times and sizes are int objects of 32 bytes each, and
repeat too (many messages arrive in the same second; bulk mail has one size): they are
shared the same way (~27 MiB less at 500k synthetic messages, ~0.3 s of decoding).

The pass is C iterators over the batch (no per-recipient Python code): one dict look-up per
value and, for the frozen :class:`~mailq_tui.model.message.Recipient`, msgspec's
``force_setattr`` (the struct is still frozen to every other caller; the value is equal).
Recipient addresses are shared by a store made with ``addresses=True`` (the app's, whose
listing stays in memory): fewer repeat (a third at 500k synthetic messages), but they are
the most numerous strings (~58 MiB less at 500k, for ~1-1.3 s more decoding, which
overlaps with ``postqueue`` writing); a one-shot command does not pay for it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import msgspec
from msgspec.structs import force_setattr

from mailq_tui.model.message import Message

_RECIPIENTS = attrgetter("recipients")

#: Fields shared per message and per recipient.
MESSAGE_FIELDS = ("queue_name", "sender")
RECIPIENT_FIELDS = ("delay_reason",)
#: Number fields shared per message (int objects; kept apart from the strings).
NUMBER_FIELDS = ("arrival_time", "message_size")


class StringStore:
    """Equal strings of the messages it is given become one string (see the module
    docstring); keep one store per listing (or across listings, to share with earlier
    ones). ``addresses``: share the recipients' addresses too."""

    def __init__(self, *, addresses: bool = False) -> None:
        self._strings: dict[str, str] = {}
        self._numbers: dict[int, int] = {}
        self._recipient_fields = (*RECIPIENT_FIELDS, "address") if addresses else RECIPIENT_FIELDS

    def __len__(self) -> int:
        return len(self._strings)

    def share(self, messages: Sequence[Message]) -> Sequence[Message]:
        """``messages`` themselves, each field of :data:`MESSAGE_FIELDS` and
        :data:`RECIPIENT_FIELDS` (and the address, when asked for) now the store's string
        equal to it, each of :data:`NUMBER_FIELDS` its int equal to it."""
        if not messages:
            return messages
        recipients = list(chain.from_iterable(map(_RECIPIENTS, messages)))
        shared = ((MESSAGE_FIELDS, messages), (self._recipient_fields, recipients))
        for fields, objects in shared:
            for name in fields:
                self._replace(objects, name, self._strings)
        for name in NUMBER_FIELDS:
            self._replace(messages, name, self._numbers)
        return messages

    @staticmethod
    def _replace(objects: Sequence[msgspec.Struct], name: str, store: dict[Any, Any]) -> None:
        values = list(map(attrgetter(name), objects))
        shared = map(store.setdefault, values, values)
        deque(map(force_setattr, objects, repeat(name), shared), maxlen=0)
