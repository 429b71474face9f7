"""The queue engine: the operations the TUI and the CLI share. Never imports Textual.

Every method is a coroutine: the CLI calls them under ``asyncio.run``; the TUI from a worker.
Failures users can cause or meet (Postfix down, not allowed, bad id) come back as reports with
errors, or as :class:`~mailq_tui.postfix.commands.PostfixError` with a friendly message from
:meth:`QueueEngine.snapshot` — never as a traceback.

Safety of bulk actions (:meth:`QueueEngine.act`): queue ids are validated, then re-checked
against a fresh listing right before ``postsuper`` gets them. Postfix reuses short ids, so an id
that vanished, or now names a message with another arrival time or sender, is skipped and
reported; only the survivors go to ONE ``postsuper`` process. Each id goes to it as soon as the
fresh listing has confirmed it, so the listing and postsuper overlap instead of adding up (the
decision itself: :mod:`mailq_tui.model.recheck`). Counts come from postsuper's own output.

Stopping: actions take a ``stop`` :class:`asyncio.Event` (set on Ctrl+C, SIGTERM, hangup or
quit). It is a request, not a cancellation: the running Postfix command finishes what it has
already been given, its output is still read, and the report (``interrupted``) and the audit
line say exactly what was done.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Optional, Union

from mailq_tui.formatting import count, plural
from mailq_tui.model.message import Message
from mailq_tui.model.recheck import (
    SKIP_ALREADY_HELD,
    SKIP_INVALID,
    SKIP_NOT_FOUND,
    SKIP_NOT_HELD,
    SKIP_REUSED,
    SKIP_VANISHED,
    StreamedRecheck,
    screen_targets,
)
from mailq_tui.model.selection import site_flush_candidates
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.operations import Op
from mailq_tui.postfix import flush as flush_mod
from mailq_tui.postfix.audit import audit_record, default_audit_path, write_audit
from mailq_tui.postfix.commands import PostfixError, PostfixTools
from mailq_tui.postfix.health import Health, not_configured, read_health
from mailq_tui.postfix.listing import iter_queue, list_queue
from mailq_tui.postfix.postcat import PostcatResult, postcat
from mailq_tui.postfix.postsuper import PostsuperResult, postsuper_queues, run_postsuper
from mailq_tui.postfix.privileges import current_user, detect_privileges
from mailq_tui.postfix.queue_ids import is_valid_queue_id
from mailq_tui.postfix.settings import PostfixSettings, read_settings
from mailq_tui.reports import POSTSUPER_ACTIONS, ActionReport, Privileges, ProgressCallback
from mailq_tui.safe_text import visible

#: The value types the app and the CLI meet are re-exported here: they reach Postfix through
#: the engine only (``ui/`` never imports ``mailq_tui.postfix``; checked by the import contracts).
__all__ = [
    "SKIP_ALREADY_HELD",
    "SKIP_INVALID",
    "SKIP_NOT_FOUND",
    "SKIP_NOT_HELD",
    "SKIP_REUSED",
    "SKIP_VANISHED",
    "ActionReport",
    "Health",
    "PostcatResult",
    "PostfixError",
    "PostfixSettings",
    "ProgressCallback",
    "QueueEngine",
]


async def _next_or_stop(
    queue: asyncio.Queue[Optional[list[str]]], stop: Optional[asyncio.Event]
) -> Optional[list[str]]:
    """The next item of ``queue``, or None as soon as ``stop`` is set (a stop must not wait
    for the listing's next confirmed id)."""
    if stop is None:
        return await queue.get()
    getting = asyncio.ensure_future(queue.get())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((getting, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in (getting, stopping):
            waiter.cancel()
    if getting.done() and not getting.cancelled():
        return getting.result()
    return None


def _record_abort(report: ActionReport, exc: BaseException) -> None:
    """Say in ``report`` (and so in its audit line) why an action ended with an exception."""
    if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)):
        report.interrupted = True
        report.notes.append(
            "cancelled while running: how many were done is unknown (a running Postfix "
            "command was killed; see the mail log)"
        )
    else:
        report.errors.append(f"internal error: {exc!r}")


def _report_postsuper(
    report: ActionReport, result: PostsuperResult, meant: Optional[int] = None
) -> None:
    """What postsuper did and said, into ``report``; ``meant``: how many ids it was to get
    (when fewer reached it, the report says so)."""
    report.postfix_exit_code = result.exit_code
    report.done = result.done
    report.outcomes = dict(result.outcomes)
    if result.error:
        report.errors.append(result.error)
    report.errors.extend(f"postsuper warning: {w}" for w in result.warnings)
    if meant is not None and result.sent < meant:
        report.notes.append(
            f"{plural(meant - result.sent, 'message')} never reached "
            f"postsuper; it finished the {count(result.sent)} it had been given"
        )
    untouched = result.sent - len(result.outcomes)
    if untouched > 0 and not result.error:
        gone = "it left or moved" if untouched == 1 else "they left or moved"
        report.notes.append(
            f"postsuper did not find {plural(untouched, 'message')} ({gone} just before it ran)"
        )


class QueueEngine:
    """One Postfix instance as the app sees it.

    ``config_dir``: like ``postqueue -c``. ``use_sudo``: run postsuper/postcat through
    ``sudo -n`` (the user's ``--sudo``). ``tools``: a prepared :class:`PostfixTools` (tests pass
    one whose ``prefix`` runs the tools as another user); it overrides the two above.
    ``audit_log``: path of the audit log (default: :func:`default_audit_path`).
    """

    def __init__(
        self,
        config_dir: Optional[str] = None,
        use_sudo: bool = False,
        *,
        tools: Optional[PostfixTools] = None,
        audit_log: Optional[Union[str, os.PathLike[str]]] = None,
        timeout: float = 120.0,
        user: Optional[tuple[str, int]] = None,
    ) -> None:
        self.tools = tools or PostfixTools(
            config_dir=config_dir, use_sudo=use_sudo, timeout=timeout
        )
        self.config_dir = self.tools.config_dir
        self.use_sudo = self.tools.use_sudo
        self._audit_log = Path(audit_log) if audit_log else None
        self._user = user
        self._settings: Optional[PostfixSettings] = None
        self._privileges: Optional[Privileges] = None

    # ------------------------------------------------------------------ reading

    @property
    def audit_log_path(self) -> Path:
        """Where this engine appends its audit records."""
        return self._audit_log or default_audit_path()

    @property
    def user(self) -> tuple[str, int]:
        """(name, uid) the actions run as."""
        return self._user or current_user()

    async def settings(self, refresh: bool = False) -> PostfixSettings:
        """The Postfix settings (cached; ``refresh=True`` reads them again)."""
        if self._settings is None or refresh:
            self._settings = await read_settings(self.tools)
        return self._settings

    async def _use_json(self) -> bool:
        """Whether to list with ``postqueue -j``. Before the settings are known (the app's
        first listing) ``-j`` is tried at once rather than after ``postconf`` (tens of
        milliseconds, often more on a loaded server): a Postfix without it (< 3.1) answers
        with a usage error before any output, and the listing falls back to ``-p``
        (:func:`~mailq_tui.postfix.listing.iter_queue`)."""
        if self._settings is None:
            return True
        return self._settings.has_json_listing

    async def snapshot(
        self,
        previous: Optional[Snapshot] = None,
        *,
        reusable: bool = False,
        on_batch: Optional[Callable[[list[Message]], None]] = None,
    ) -> Snapshot:
        """A full listing of every queue. Raises PostfixError (friendly) when refused.

        ``reusable``: the next listing may pass this one as ``previous``, and then decodes
        only the records that changed (see :func:`~mailq_tui.postfix.listing.list_queue`).
        ``on_batch``: called (on the event loop) with each batch of messages as it is decoded,
        before the snapshot is complete (the app shows the first rows from them).
        """
        return await list_queue(
            self.tools,
            use_json=await self._use_json(),
            previous=previous,
            reusable=reusable,
            on_batch=on_batch,
        )

    async def stream(self, warnings: list[str]) -> AsyncIterator[list[Message]]:
        """The listing as it streams out of ``postqueue -j``: batches of decoded messages in
        showq's order, an id listed twice coming twice (the CLI's one-shot answers keep the
        later copy, see :mod:`mailq_tui.model.streamed`). Postfix's warnings and skipped
        lines are appended to ``warnings``; raises PostfixError (friendly) when refused."""
        async for batch in iter_queue(self.tools, warnings, use_json=await self._use_json()):
            yield batch

    async def privileges(self, refresh: bool = False) -> Privileges:
        """What this user may do (cached)."""
        if self._privileges is None or refresh:
            try:
                owner = (await self.settings()).mail_owner
            except PostfixError:
                owner = "postfix"
            name, uid = self.user
            self._privileges = await detect_privileges(self.tools, owner, uid=uid, user=name)
        return self._privileges

    async def health(self) -> Health:
        """The master process, its services and the load (see
        :func:`~mailq_tui.postfix.health.read_health`); "not configured" when the instance
        has no main.cf; never raises."""
        try:
            qdir = (await self.settings()).queue_directory
        except PostfixError as exc:
            if exc.not_configured:  # no instance there: its queue directory is unknown too
                return not_configured(exc.message)
            qdir = PostfixSettings().queue_directory
        return await asyncio.to_thread(read_health, qdir)

    # ------------------------------------------------------------------ acting

    async def act(
        self,
        action: str,
        targets: Sequence[Message],
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport:
        """delete | hold | release | requeue the messages the user saw (``targets``).

        Re-checks every id against a fresh listing (see the module docstring), streams the
        survivors into ONE postsuper as the listing confirms them, reports from postsuper's
        output, and writes the audit log. An id the listing has not confirmed never reaches
        postsuper: when the listing fails or a stop comes first, the rest is not touched.
        ``progress(done, total)`` is called from the event loop while postsuper works. When
        ``stop`` is set, postsuper gets no more ids and finishes the ones it has read; the
        report is then ``interrupted`` (see the module docstring).
        """
        if action not in POSTSUPER_ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {sorted(POSTSUPER_ACTIONS)}")
        report = ActionReport(action=action, requested=len(targets))
        requested_ids = [m.queue_id for m in targets]
        try:
            await self._act(action, targets, report, progress, stop)
        except BaseException as exc:
            _record_abort(report, exc)
            raise
        finally:
            if stop is not None and stop.is_set():
                report.interrupted = True
            self._audit(report, requested_ids)
        return report

    async def _act(
        self,
        action: str,
        targets: Sequence[Message],
        report: ActionReport,
        progress: Optional[ProgressCallback],
        stop: Optional[asyncio.Event],
    ) -> None:
        seen = screen_targets(report, targets, is_valid_queue_id)
        if not seen:
            return
        privs = await self.privileges()
        if not privs.postsuper.allowed:
            report.errors.append(privs.postsuper.reason)
            return
        checker = StreamedRecheck(action, seen)
        relisted: asyncio.Queue[Optional[list[str]]] = asyncio.Queue()
        failed: list[str] = []
        complete = False

        async def relist() -> None:
            """The fresh listing: confirmed ids go to postsuper as it streams."""
            nonlocal complete
            try:
                async for batch in iter_queue(self.tools, [], use_json=await self._use_json()):
                    confirmed = checker.feed(batch)
                    if confirmed:
                        relisted.put_nowait(confirmed)
                    if stop is not None and stop.is_set():
                        return
                complete = True
            except PostfixError as exc:
                failed.append(exc.message)
            finally:
                relisted.put_nowait(None)

        async def confirmed_ids() -> AsyncIterator[list[str]]:
            while True:
                ids = await _next_or_stop(relisted, stop)
                if ids is None:
                    return
                yield ids

        lister = asyncio.ensure_future(relist())
        try:
            result = await run_postsuper(
                self.tools,
                action,
                confirmed_ids(),
                postsuper_queues(action),
                progress=progress,
                stop=stop,
                total=len(seen),
            )
        finally:
            if not lister.done():
                lister.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lister
        if complete:
            report.skipped.extend(checker.finish().skipped)
        if failed:
            done = f" ({count(result.sent)} already given to postsuper)" if result.sent else ""
            report.errors.append(f"could not re-check the queue before acting: {failed[0]}{done}")
        if not result.sent and result.error is None:
            if stop is not None and stop.is_set() and checker.survivors:
                report.notes.append("postsuper was not started")
            return
        _report_postsuper(report, result, len(checker.survivors))

    async def act_as_listed(
        self,
        action: str,
        queue_ids: AsyncIterator[list[str]],
        skipped: Sequence[tuple[str, str]] = (),
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport:
        """delete | hold | release | requeue the messages whose ids ``queue_ids`` yields while
        a listing taken now streams in (the CLI's ``--yes`` actions, once its selection can
        no longer be the whole queue), as ``postqueue -j | ... | postsuper -d -`` does: ONE
        postsuper fed as the ids come, no second listing to re-check them (they are this
        moment's), then the report and the audit line. ``skipped``: (id, reason) of the
        selected messages that were not given (a hold of mail already held), read once the
        ids end. ``requested`` counts both. ``stop``: as :meth:`act` (postsuper finishes the
        ids it has read)."""
        if action not in POSTSUPER_ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {sorted(POSTSUPER_ACTIONS)}")
        report = ActionReport(action=action, requested=0)
        given: list[str] = []

        async def counted() -> AsyncIterator[list[str]]:
            async for batch in queue_ids:
                valid = [qid for qid in batch if is_valid_queue_id(qid)]
                if len(valid) < len(batch):
                    bad = sorted(set(batch).difference(valid))
                    report.errors.append(f"invalid queue id(s) skipped: {visible(bad[0], 40)}")
                given.extend(valid)
                report.requested = len(given)
                yield valid

        try:
            privs = await self.privileges()
            if not privs.postsuper.allowed:
                report.errors.append(privs.postsuper.reason)
                return report
            result = await run_postsuper(
                self.tools,
                action,
                counted(),
                postsuper_queues(action),
                progress=progress,
                stop=stop,
            )
            if result.sent or result.error is not None:
                _report_postsuper(report, result)
            report.skipped.extend(skipped)
            report.requested = len(given) + len(skipped)
        except BaseException as exc:
            _record_abort(report, exc)
            raise
        finally:
            if stop is not None and stop.is_set():
                report.interrupted = True
            self._audit(report, [*given, *(qid for qid, _ in skipped)])
        return report

    async def flush_all(self) -> ActionReport:
        """``postqueue -f``. done = 1 when Postfix accepted the request."""
        report = ActionReport(action=Op.FLUSH_ALL.value, requested=1)
        res = await flush_mod.flush_all(self.tools)
        self._fill_flush(report, res)
        report.notes.append("Postfix delivers what it can now and does not report on each message")
        self._audit(report, [])
        return report

    @staticmethod
    def site_problem(site: str) -> str:
        """Why ``postqueue -s`` must not be given ``site`` ("" when it may): the one check of a
        site, used before a flush and by the CLI's dry run."""
        return (
            ""
            if flush_mod.is_valid_site(site)
            else f'"{visible(site, 60)}" is not a destination postqueue -s accepts '
            "(give a domain, [host] or [address]:port)"
        )

    async def flush_site(
        self,
        site: str,
        listing: Sequence[Message] = (),
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport:
        """``postqueue -s SITE``; when Postfix refuses because fast flush is not configured for
        the site, flush the site's messages one by one with ``-i`` (``stop`` ends that loop
        cleanly, as in :meth:`flush_ids`).

        ``listing``: the messages the caller has (its last listing). The engine picks the
        site's messages from it (:func:`~mailq_tui.model.selection.site_flush_candidates`:
        deferred, a recipient at exactly SITE), so the CLI and the app cannot differ.
        """
        report = ActionReport(action=Op.FLUSH_SITE.value, requested=1, site=site, covers=0)
        problem = self.site_problem(site)
        if problem:
            report.errors.append(problem)
            self._audit(report, [], {"site": site})
            return report
        # A pass over the whole listing: off the event loop (the app's runs there too).
        candidates = await asyncio.to_thread(site_flush_candidates, listing, site)
        res = await flush_mod.flush_site(self.tools, site)
        if res.not_configured and candidates:
            ids = [m.queue_id for m in candidates]
            report = await self._flush_each(ids, Op.FLUSH_SITE, stop=stop)
            report.notes.insert(
                0,
                f"fast flush is not configured for {site} (postqueue -s refused), so its "
                "messages were flushed one by one with postqueue -i",
            )
        else:
            self._fill_flush(report, res)
            report.covers = len(candidates)
            if res.not_configured:
                report.notes.append(
                    f"no deferred message has a recipient at {site}: nothing to flush one by one"
                )
        report.site = site
        self._audit(report, [m.queue_id for m in candidates], {"site": site})
        return report

    async def flush_ids(
        self,
        targets: Sequence[Message],
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
        missing: Sequence[str] = (),
    ) -> ActionReport:
        """``postqueue -i ID`` for each target (one process per id: -i takes one id).

        ``stop``: when set, the requests already running finish and no more start (the report
        is then ``interrupted``). ``missing``: ids the caller asked for but did not find in the
        queue; they count as requested and are reported (and audited) as skipped.
        """
        ids = [m.queue_id for m in targets]
        report = await self._flush_each(ids, Op.FLUSH_IDS, progress, stop)
        report.requested += len(missing)
        report.skipped.extend((qid, SKIP_NOT_FOUND) for qid in missing)
        self._audit(report, [*ids, *missing])
        return report

    async def _flush_each(
        self,
        ids: Sequence[str],
        op: Op,
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport:
        unique = list(dict.fromkeys(ids))
        report = ActionReport(action=op.value, requested=len(unique))
        valid = [qid for qid in unique if is_valid_queue_id(qid)]
        report.skipped = [(qid, SKIP_INVALID) for qid in unique if qid not in set(valid)]
        res = await flush_mod.flush_ids(self.tools, valid, progress=progress, stop=stop)
        self._fill_flush(report, res)
        if stop is not None and stop.is_set():
            report.interrupted = True
            if res.stopped:
                report.notes.append(f"{plural(res.stopped, 'flush request')} not made")
        return report

    @staticmethod
    def _fill_flush(report: ActionReport, res: flush_mod.FlushResult) -> None:
        report.done = res.accepted
        report.errors.extend(res.errors)
        report.postfix_exit_code = res.exit_code

    async def postcat(self, queue_id: str, max_bytes: int = 8 << 20) -> PostcatResult:
        """Envelope, headers and body of one message (capped at ``max_bytes``)."""
        if not is_valid_queue_id(queue_id):
            return PostcatResult(
                queue_id=queue_id, error=f'"{visible(queue_id, 40)}" is not a valid queue id'
            )
        privs = await self.privileges()
        if not privs.postcat.allowed:
            return PostcatResult(queue_id=queue_id, error=privs.postcat.reason)
        return await postcat(self.tools, queue_id, max_bytes=max_bytes)

    # ------------------------------------------------------------------ audit

    def _audit(
        self,
        report: ActionReport,
        requested_ids: Sequence[str],
        extra: Optional[dict[str, str]] = None,
    ) -> None:
        name, uid = self.user
        record = audit_record(
            report,
            user=name,
            uid=uid,
            config_dir=self.config_dir,
            requested_ids=requested_ids,
            extra=extra,
        )
        note = write_audit(record, self.audit_log_path)
        if note:
            report.notes.append(note)
