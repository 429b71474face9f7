"""The CLI's subcommands: each takes the engine and the parsed arguments, returns an exit code.

Listing and selection go through the same query language as the app
(:mod:`mailq_tui.model.query`), tested on each message as ``postqueue -j`` streams it
(:mod:`mailq_tui.model.streamed`, with the index's semantics: :mod:`mailq_tui.model.matcher`),
keeping only what the command prints (:mod:`mailq_tui.model.compact`), never the app's index.
Bulk actions go through :meth:`QueueEngine.act`, which re-checks every id right before
``postsuper`` runs; given ``--yes``, delete, hold and requeue act while the listing streams
instead (:mod:`mailq_tui.cli_act_streamed`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Coroutine, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Optional

import msgspec

from mailq_tui import cli_output as out
from mailq_tui.cli_signals import stop_on_signals
from mailq_tui.engine import PostfixError, QueueEngine
from mailq_tui.formatting import breakdown_text, plural, short_age, short_size
from mailq_tui.model.compact import (
    SORT_KEYS,
    SORT_VALUES,
    Column,
    GroupColumns,
    IdColumn,
    ShapeColumn,
    SortRuns,
    sort_by,
)
from mailq_tui.model.expiry import Lifetimes, release_warning
from mailq_tui.model.grouping import Group
from mailq_tui.model.message import Message
from mailq_tui.model.query import Query, QuerySyntaxError, parse_query
from mailq_tui.model.reasons import explain
from mailq_tui.model.selection import (
    SelectionSummary,
    describe,
    negation_probes,
    site_flush_candidates,
    site_flush_line,
    streamed_summary,
)
from mailq_tui.model.shape import format_shape
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.model.streamed import StreamedSelection
from mailq_tui.postfix.early_listing import EarlyListing, JsonListingRejected
from mailq_tui.reports import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ActionReport,
    exit_status,
)
from mailq_tui.safe_text import visible


class CliError(Exception):
    """A problem the user can fix (bad query, missing confirmation), with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def join_query(words: Sequence[str]) -> str:
    """The query text of the shell words ``words``: joined with single spaces.

    The result is parsed exactly like the filter bar's text, so ``'to:gmail reason:greylist'``
    (one word), ``to:gmail reason:greylist`` (two) and the bar select the same messages. No
    quotes are guessed: a phrase keeps its quotes inside one shell word
    (``'reason:"too many connections"'``).
    """
    return " ".join(words)


def read_query(words: Sequence[str], saved: Optional[Mapping[str, str]] = None) -> Query:
    """Parse the query ``words`` (see :func:`join_query`), ``@name`` read from the ``saved``
    filters; a malformed one is a usage error."""
    text = join_query(words)
    try:
        return parse_query(text, saved)
    except QuerySyntaxError as exc:
        raise CliError(f'bad query "{visible(text, 200)}": {visible(str(exc), 300)}') from exc


def query_of(args: argparse.Namespace) -> Query:
    """The command's QUERY, with the config file's saved filters (see
    :func:`mailq_tui.cli.parse_with_config`)."""
    return read_query(args.query, getattr(args, "saved_filters", None))


async def stream_select(
    engine: QueueEngine,
    query: Query,
    keep: Callable[[Message], object],
    probes: Sequence[Query] = (),
    now: Optional[float] = None,
    early: Optional[EarlyListing] = None,
    keep_all: Optional[Callable[[list[Message]], object]] = None,
) -> StreamedSelection:
    """Stream a listing of every queue, calling ``keep(message)`` for each message matching
    ``query`` (ages measured from ``now``, by default when the listing started); what
    postqueue warned about (e.g. Postfix is down) goes to stderr.

    ``early``: the ``postqueue -j`` the CLI started before its imports (:func:`early_of`);
    when its Postfix has no ``-j``, the engine lists instead (``postqueue -p``). ``keep_all``:
    stores a batch of matching messages at once, instead of ``keep`` on each."""
    if now is None:
        now = early.started_at if early is not None else time.time()
    selection = StreamedSelection(query, now, keep, probes, keep_all)
    warnings: list[str] = []
    if early is not None:
        try:
            for batch in early.batches(warnings):
                selection.add(batch)
        except JsonListingRejected:
            early = None
            warnings.clear()
    if early is None:
        async for batch in engine.stream(warnings):
            selection.add(batch)
    _print_warnings(warnings)
    return selection


def early_of(args: argparse.Namespace) -> Optional[EarlyListing]:
    """The listing :func:`mailq_tui.cli.main` started for this command, taken once (a second
    listing in the same command is a fresh one)."""
    early: Optional[EarlyListing] = getattr(args, "early_listing", None)
    args.early_listing = None
    return early


async def take_listing(engine: QueueEngine) -> Snapshot:
    """A listing of every queue; what postqueue warned about (e.g. Postfix is down) goes to
    stderr."""
    snapshot = await engine.snapshot()
    _print_warnings(snapshot.warnings)
    return snapshot


def _print_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"mailq-tui: postqueue: {visible(warning, 300)}", file=sys.stderr)


async def cmd_ls(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``mailq-tui ls``: print the matching messages, in the order the app sorts them by
    ``--sort`` (ties in listing order). ``--ids`` keeps only the id and the sort value of
    each selected message while the listing streams."""
    query = query_of(args)
    if args.sort not in SORT_VALUES:
        raise CliError(
            f'cannot sort by "{visible(args.sort, 40)}": sort by one of {", ".join(SORT_KEYS)}'
        )
    if args.ids:
        ids, values = IdColumn(), SortRuns(args.sort, args.reverse)

        def keep_all(batch: list[Message]) -> None:
            ids.add_all(batch)
            values.add_all(batch)

        selection = await stream_select(
            engine, query, ids.add, early=early_of(args), keep_all=keep_all
        )
        order = values.order(selection.positions())
        del selection, values  # their columns are freed before the ids are written
        if args.limit > 0:
            order = islice(order, args.limit)
        sys.stdout.flush()
        ids.write(order, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return EXIT_OK
    kept = Column(lambda m: m)
    selection = await stream_select(engine, query, kept.add, early=early_of(args))
    messages: list[Message] = list(kept.take(selection.positions()))
    value = SORT_VALUES[args.sort]
    messages = sort_by(messages, [value(m) for m in messages], args.sort, args.reverse)
    if args.limit > 0:
        messages = messages[: args.limit]
    if args.json:
        out.print_json(messages)
    elif args.csv:
        out.print_csv(messages)
    else:
        out.print_table(messages, now=selection.now)
        total = sum(m.message_size for m in messages)
        print(f"-- {plural(len(messages), 'message')}, {short_size(total)}")
    return EXIT_OK


async def cmd_groups(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``mailq-tui groups --by ...``: counts per group."""
    by = args.by.replace("-", "_")
    kept = GroupColumns(by)
    selection = await stream_select(
        engine, query_of(args), kept.add, early=early_of(args), keep_all=kept.add_all
    )
    groups = kept.groups(selection.positions())
    _print_groups(groups, selection.now, by, args.json)
    return EXIT_OK


async def cmd_reasons(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``mailq-tui reasons``: normalised deferral reasons, most common first, with hints."""
    kept = GroupColumns("reason")
    selection = await stream_select(
        engine, query_of(args), kept.add, early=early_of(args), keep_all=kept.add_all
    )
    groups = kept.groups(selection.positions())
    _print_groups(groups, selection.now, "reason", args.json, hints=True)
    return EXIT_OK


def _print_groups(
    groups: Sequence[Group], now: float, by: str, as_json: bool, hints: bool = False
) -> None:
    if as_json:
        encoder = msgspec.json.Encoder()
        for g in groups:
            record = {
                "key": g.key,
                "messages": g.count,
                "recipients": g.recipients,
                "bytes": g.bytes,
                "oldest": g.oldest,
                "newest": g.newest,
                "top_destinations": dict(g.top_destinations),
            }
            if hints:
                hint = explain(g.key)
                record["hint"] = hint.explanation if hint else None
                record["setting"] = hint.setting_for(g.top_destinations) if hint else None
            sys.stdout.write(encoder.encode(record).decode() + "\n")
        return
    print(f"{'MSGS':>7} {'RCPTS':>7} {'SIZE':>7} {'OLDEST':>6}  {by.upper()}")
    for g in groups:
        age = short_age(now - g.oldest) if g.count else "-"
        print(
            f"{g.count:>7} {g.recipients:>7} {short_size(g.bytes):>7} {age:>6}  "
            f"{visible(g.key or '(none)', limit=160)}"
        )
        if g.top_destinations and by != "domain":
            dests = ", ".join(f"{visible(d)} {n}" for d, n in g.top_destinations[:3])
            print(f"{'':>31}to: {dests}")
        hint = explain(g.key) if hints else None
        if hint:
            setting = visible(hint.setting_for(g.top_destinations))
            print(f"{'':>31}hint: {hint.title}: {hint.explanation} [{setting}]")


async def cmd_shape(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``mailq-tui shape``: the qshape table, computed from the listing."""
    now = time.time()
    kept = ShapeColumn(
        now,
        by=args.by,
        queues=[q for q in args.queue.split(",") if q],
        buckets=args.buckets,
        first_width=args.width,
        linear=args.linear,
    )
    selection = await stream_select(engine, query_of(args), kept.add, now=now, early=early_of(args))
    shape = kept.shape(selection.positions())
    print(format_shape(shape, top=args.top or None), end="")
    return EXIT_OK


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _finish(report: ActionReport, verbose: bool = False) -> int:
    """Print the report; the exit status is the one the audit line recorded."""
    code = exit_status(report)
    try:
        print(out.format_report(report, verbose=verbose), end="", flush=True)
    except OSError:  # the reader or the terminal went away; the audit line has the report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return code


async def _warn_expiring(engine: QueueEngine, action: str, targets: Sequence[Message]) -> None:
    """Before a release (confirm or dry run), warn on stderr about held mail past its queue
    lifetime: released, it expires at once (see :mod:`mailq_tui.model.expiry`)."""
    if action != "release" or not targets:
        return
    try:
        lifetimes = (await engine.settings()).lifetimes
    except PostfixError:
        lifetimes = Lifetimes()
    for line in release_warning(targets, time.time(), lifetimes):
        print(f"mailq-tui: {line}", file=sys.stderr)


async def cmd_action(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``delete|hold|release|requeue [QUERY] [--all]``: say how the query was read, refuse to
    act on the whole queue without ``--all``, confirm, then one re-checked postsuper batch.
    With ``--yes`` (no question) delete, hold and requeue act while the listing streams
    (:mod:`mailq_tui.cli_act_streamed`)."""
    from mailq_tui.cli_act_streamed import act_while_listing, acts_while_listing

    if acts_while_listing(args):
        return await act_while_listing(engine, args)
    query = query_of(args)
    kept = Column(_target)
    selection = await stream_select(
        engine, query, kept.add, negation_probes(query), early=early_of(args)
    )
    targets: list[Message] = list(kept.take(selection.positions()))
    summary = streamed_summary(query, targets, selection.total, selection.probed())
    _say(describe(summary))
    if summary.needs_all and not args.all:
        raise CliError(refusal(args.command, summary))
    what = f"{args.command} {plural(len(targets), 'message')}"
    if targets:
        what += f" ({breakdown_text(summary.per_queue)})"
    await _warn_expiring(engine, args.command, targets)
    if args.dry_run:
        print(f"dry run: would {what}")
        out.print_ids(targets)
        return EXIT_OK
    if not targets:
        print(f"No message matches the query: nothing to {args.command}")
        return EXIT_OK
    if not args.yes and not _confirm(f"{what.capitalize()}?"):
        raise CliError(f"not confirmed: {what} (pass --yes to skip the question)")
    with stop_on_signals(args.command) as stop:
        report = await engine.act(args.command, targets, stop=stop)
    return _finish(report, verbose=args.verbose)


def _target(msg: Message) -> Message:
    """What a bulk action keeps of a selected message: its id, queue, identity (the re-check)
    and lifetime facts (the release warning); its recipients are not needed."""
    return msgspec.structs.replace(msg, recipients=())


def refusal(command: str, summary: SelectionSummary) -> str:
    """Why a bulk action will not run on this selection without ``--all``, and what to do."""
    if summary.empty_query:
        return (
            f"refusing to {command}: the query is empty, and an empty query selects every "
            f"message ({summary.total} now). Give a query, or pass --all to {command} "
            "every message."
        )
    return (
        f"refusing to {command} ALL {summary.total} messages in the queue: the query "
        "selects every message. Narrow the query (check it with --dry-run), or pass --all "
        "if you mean the whole queue."
    )


def _say(lines: Sequence[str]) -> None:
    """Tell the operator (stderr: stdout stays the command's result, e.g. ids)."""
    for line in lines:
        print(line, file=sys.stderr)


async def cmd_flush(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``flush``: all, one site (falls back to per-id flush when Postfix refuses), or ids;
    ``--dry-run`` says which messages that would be and does nothing."""
    if args.ids:
        return await _flush_ids(engine, args.ids, args.dry_run)
    if args.site:
        return await _flush_site(engine, args.site, args.dry_run)
    if args.dry_run:
        snapshot = await take_listing(engine)
        print(
            f"dry run: would flush all {plural(len(snapshot.messages), 'message')} (postqueue -f)"
        )
        return EXIT_OK
    return _finish(await engine.flush_all())


async def _flush_ids(engine: QueueEngine, ids: Sequence[str], dry_run: bool) -> int:
    snapshot = await take_listing(engine)
    by_id = {m.queue_id: m for m in snapshot.messages}
    targets = [by_id[i] for i in ids if i in by_id]
    missing = [i for i in ids if i not in by_id]
    if dry_run:
        print(f"dry run: would flush {plural(len(targets), 'message')} (postqueue -i)")
        out.print_ids(targets)
        _say([f"not in the queue: {visible(i, 40)}" for i in missing])
        return EXIT_OK
    with stop_on_signals("flush") as stop:
        report = await engine.flush_ids(targets, stop=stop, missing=missing)
    return _finish(report)


async def _flush_site(engine: QueueEngine, site: str, dry_run: bool) -> int:
    """Say which messages the site flush covers (the engine picks the same ones from the same
    listing), then flush, or only list them with ``dry_run``."""
    problem = engine.site_problem(site)
    if problem:
        raise CliError(f"flush --site: {problem}")
    snapshot = await take_listing(engine)
    candidates = site_flush_candidates(snapshot.messages, site)
    covered = site_flush_line(site, candidates)
    if dry_run:
        print(f"dry run: would flush {visible(site, 60)} (postqueue -s): {covered}")
        out.print_ids(candidates)
        return EXIT_OK
    _say([f"flush {visible(site, 60)}: {covered}"])
    with stop_on_signals("flush") as stop:
        report = await engine.flush_site(site, snapshot.messages, stop)
    return _finish(report)


async def cmd_privileges(engine: QueueEngine, args: argparse.Namespace) -> int:
    """``privileges``: what this user may do with this instance, and why not."""
    privs = await engine.privileges()
    print(f"user: {privs.user}{' (root)' if privs.is_root else ''}")
    for name in ("list", "flush", "postsuper", "postcat"):
        cap = getattr(privs, name)
        state = "yes" if cap.allowed else "no"
        print(f"  {name:<10} {state}{'' if cap.allowed else '  - ' + cap.reason}")
    if privs.via_sudo:
        print("  (postsuper/postcat run through sudo -n)")
    print(f"audit log: {engine.audit_log_path}")
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    """``demo``: a throwaway real Postfix with stuck mail, the app on it, then teardown.

    Ctrl+C before the app opened exits 130 (interrupted, cleaned up), like an interrupted
    action; quitting the app exits 0."""
    from mailq_tui.sandbox.demo import DemoError, DemoInterrupted
    from mailq_tui.sandbox.demo import run_demo as sandbox_demo
    from mailq_tui.ui.app import run_app

    def open_app(config_dir: str, audit_log: Path) -> None:
        run_app(
            config_dir,
            use_sudo=False,
            refresh=args.refresh,
            audit_log=audit_log,
            theme=getattr(args, "theme", None),
            columns=getattr(args, "columns", None),
            saved_filters=getattr(args, "saved_filters", None),
        )

    try:
        sandbox_demo(count=args.count, open_app=open_app)
    except DemoError as exc:
        print(f"mailq-tui demo: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except DemoInterrupted as exc:
        print(f"mailq-tui demo: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


COMMANDS: dict[str, Callable[[QueueEngine, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "ls": cmd_ls,
    "groups": cmd_groups,
    "reasons": cmd_reasons,
    "shape": cmd_shape,
    "delete": cmd_action,
    "hold": cmd_action,
    "release": cmd_action,
    "requeue": cmd_action,
    "flush": cmd_flush,
    "privileges": cmd_privileges,
}
