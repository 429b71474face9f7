"""The names of Postfix's queues, in a module of their own: the query parser, the help and
tab completion need them, and importing them must not import msgspec (the CLI starts
``postqueue -j`` before it imports the decoder, see :mod:`mailq_tui.cli`)."""

from __future__ import annotations

#: The queues Postfix has, in the order a postmaster reads them.
QUEUE_NAMES = ("maildrop", "incoming", "active", "deferred", "hold")
