"""A CLI bulk action given ``--yes``: acting while the listing streams in.

``mailq-tui delete QUERY --yes`` asks no question, so nothing needs the whole selection
before Postfix acts, except the rule that a query selecting every message never acts without
``--all``. That rule can only fail while every message listed so far was selected: as soon as
the listing shows one message the query leaves out, the query is not the whole queue, and the
ids selected so far, then each batch's as it is decoded, go to ONE postsuper
(:meth:`~mailq_tui.engine.QueueEngine.act_as_listed`), as in ``postqueue -j | jq ... |
postsuper -d -``. The listing and postsuper overlap, and no second listing re-checks the ids:
they are this moment's. Until then the ids wait; when the listing ends with every message
selected, the action is refused as before and nothing was done.

Where a message is listed twice (showq met it again in a later queue), the copy listed first
may already have been acted on when the later one comes, as in the shell pipeline; the
summary counts it once, as its latest copy. A first copy the query leaves out also opens the
gate: a query that selects every message only because a message moved into its reach during
the listing (``queue:deferred`` while the one active message is deferred) acts where the
select-first path would refuse. No other message is acted on than the query selects.

``--dry-run``, a question to answer, and ``release`` (which warns about held mail past its
lifetime first) select the whole listing first, then act
(:func:`~mailq_tui.cli_commands.cmd_action`).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator
from typing import Optional

from mailq_tui.cli_commands import (
    CliError,
    _finish,
    _print_warnings,
    _say,
    _target,
    early_of,
    query_of,
    refusal,
)
from mailq_tui.cli_signals import stop_on_signals
from mailq_tui.engine import PostfixError, QueueEngine
from mailq_tui.model.compact import Column
from mailq_tui.model.message import Message
from mailq_tui.model.query import Query
from mailq_tui.model.recheck import skip_reason
from mailq_tui.model.selection import describe, negation_probes, streamed_summary
from mailq_tui.model.streamed import StreamedSelection
from mailq_tui.postfix.early_listing import JsonListingRejected
from mailq_tui.reports import EXIT_INTERRUPTED, EXIT_OK, ActionReport

#: The actions that act while the listing streams when ``--yes`` is given.
STREAMED_ACTIONS = frozenset({"delete", "hold", "requeue"})


def acts_while_listing(args: argparse.Namespace) -> bool:
    """True when the bulk action ``args`` asks for runs while the listing streams."""
    return args.command in STREAMED_ACTIONS and args.yes and not args.dry_run


class _Gate:
    """The selected ids of a streaming listing, held back until the selection cannot be the
    whole queue (or ``--all`` allows it), then handed to postsuper batch by batch."""

    def __init__(self, allow_all: bool) -> None:
        self.open = allow_all
        self.waiting: list[str] = []
        self.batches: asyncio.Queue[Optional[list[str]]] = asyncio.Queue()

    def add(self, selected: list[str], left_out: bool) -> int:
        """The ids one batch selected, and whether it left a message out; how many ids were
        handed over."""
        if not self.open and left_out:
            self.open = True
            selected, self.waiting = self.waiting + selected, []
        if not self.open:
            self.waiting.extend(selected)
            return 0
        if selected:
            self.batches.put_nowait(selected)
        return len(selected)

    async def ids(self) -> AsyncIterator[list[str]]:
        """The batches handed over, until :meth:`end`."""
        while True:
            batch = await self.batches.get()
            if batch is None:
                return
            yield batch

    def end(self) -> None:
        self.batches.put_nowait(None)


async def act_while_listing(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``delete|hold|requeue QUERY --yes``: select as the listing streams and act once the
    selection cannot be the whole queue (see the module docstring)."""
    query = query_of(args)
    kept = Column(_target)
    gate = _Gate(allow_all=args.all)
    early = early_of(args)
    now = early.started_at if early is not None else time.time()
    # The messages the batch being added selected (``keep_all``: the selection hands them
    # over per batch; ``take`` below stores them and sorts out their ids).
    current: list[Message] = []
    selection = StreamedSelection(
        query, now, current.append, negation_probes(query), keep_all=current.extend
    )
    acting: Optional[asyncio.Future[ActionReport]] = None
    skipped: list[tuple[str, str]] = []
    warnings: list[str] = []
    failed: Optional[PostfixError] = None
    with stop_on_signals(args.command) as stop:

        def take(batch: list[Message]) -> None:
            nonlocal acting
            current.clear()
            selection.add(batch)
            ids = []
            for msg in current:
                kept.add(msg)
                why = skip_reason(args.command, msg, msg)  # a hold of mail already held
                if why:
                    skipped.append((msg.queue_id, why))
                else:
                    ids.append(msg.queue_id)
            if gate.add(ids, left_out=len(current) < len(batch)) and acting is None:
                acting = asyncio.ensure_future(
                    engine.act_as_listed(args.command, gate.ids(), skipped, stop=stop)
                )

        try:
            if early is not None:
                try:
                    # Each batch read in a thread: the event loop meanwhile feeds postsuper
                    # and reads its answers (the early listing blocks while it waits).
                    batches = early.batches(warnings)
                    while not stop.is_set():
                        batch = await asyncio.to_thread(next, batches, None)
                        if batch is None:
                            break
                        take(batch)
                except JsonListingRejected:
                    early = None
                    warnings.clear()
            if early is None and not stop.is_set():
                async for batch in engine.stream(warnings):
                    take(batch)
                    if stop.is_set():
                        break
        except PostfixError as exc:  # the listing failed: postsuper still ends, and says what
            failed = exc  # it did before the error is raised
        finally:
            gate.end()
            if early is not None:
                early.close()
        report = await acting if acting is not None else None
    _print_warnings(warnings)
    if failed is not None:
        if report is not None:
            _finish(report, verbose=args.verbose)
        raise failed
    if report is None:
        return await _nothing_given(engine, args, query, kept, selection, stop)
    targets = list(kept.take(selection.positions())) if not stop.is_set() else []
    if targets:
        _say(describe(streamed_summary(query, targets, selection.total, selection.probed())))
    return _finish(report, verbose=args.verbose)


async def _nothing_given(
    engine: QueueEngine,
    args: argparse.Namespace,
    query: Query,
    kept: Column,
    selection: StreamedSelection,
    stop: asyncio.Event,
) -> int:
    """The listing ended (or was stopped) before any id went to postsuper: refuse a whole
    queue selection, say that nothing matched, or (every selected message skipped, e.g. all
    already on hold) report through the ordinary re-checked action."""
    if stop.is_set():
        _say([f"stopped before any message was given to postsuper: no {args.command} was done"])
        return EXIT_INTERRUPTED
    targets = list(kept.take(selection.positions()))
    summary = streamed_summary(query, targets, selection.total, selection.probed())
    _say(describe(summary))
    if summary.needs_all and not args.all:
        raise CliError(refusal(args.command, summary))
    if not targets:
        print(f"No message matches the query: nothing to {args.command}")
        return EXIT_OK
    with stop_on_signals(args.command) as again:
        report = await engine.act(args.command, targets, stop=again)
    return _finish(report, verbose=args.verbose)
