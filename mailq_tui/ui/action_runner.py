"""Running one confirmed action at a time: ask, run with progress and a clean stop, report.

:class:`ActionRunner` is a plain object the queue screen owns (not a widget, not a base
class). Every operation goes through :meth:`ActionRunner.run`: the plan's question is asked;
on yes the backend runs it with a progress bar; the outcome is logged and notified.

A running action is stopped cleanly (:meth:`ActionRunner.stop`, used when the app quits or
gets SIGTERM/SIGHUP): the backend gets an :class:`asyncio.Event`, not a cancellation, so
Postfix finishes what it has read and the report and audit line are written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Callable, Optional

from textual.widgets import ProgressBar

from mailq_tui.glyphs import current as glyphs
from mailq_tui.operations import Op
from mailq_tui.report_text import report_summary, report_title
from mailq_tui.reports import ActionReport
from mailq_tui.safe_text import visible
from mailq_tui.ui import plans
from mailq_tui.ui.backend import QueueBackend
from mailq_tui.ui.plans import ActionPlan, Severity
from mailq_tui.ui.screens.confirm import ConfirmScreen

#: Shows a dialog and waits for its answer.
Ask = Callable[[ConfirmScreen], Awaitable[Optional[bool]]]
#: Shows a report's summary: (message, title, severity).
Notify = Callable[[str, str, Severity], None]


def _idle_event() -> asyncio.Event:
    idle = asyncio.Event()
    idle.set()
    return idle


@dataclass(eq=False)
class ActionRunner:
    """Asks, runs and reports the actions of one screen, one at a time.

    ``backend``: what runs them. ``confirm``: shows a confirm dialog, returns its answer.
    ``log``: appends a line to the action log. ``progress``: the progress bar to drive.
    ``notify``: shows a report's summary. ``changed``: called when an action starts or ends
    (what is available changes with it).
    """

    backend: QueueBackend
    confirm: Ask
    log: Callable[[str], None]
    progress: Callable[[], ProgressBar]
    notify: Notify
    changed: Callable[[], None]
    #: Set once the question of the action a key started is on screen (see :meth:`ask`).
    question_shown: Optional[asyncio.Event] = field(default=None, init=False)
    #: The running action's stop request (None: no action runs) and what it is.
    _stop: Optional[asyncio.Event] = field(default=None, init=False)
    _what: str = field(default="", init=False)
    #: Set whenever no action runs.
    _idle: asyncio.Event = field(default_factory=_idle_event, init=False)

    @property
    def busy(self) -> bool:
        """An action is running (between its yes and its report)."""
        return self._stop is not None

    @property
    def running(self) -> str:
        """What is running, e.g. ``hold of 229 messages`` ("" when no action runs)."""
        return self._what if self._stop is not None else ""

    def expect_question(self) -> None:
        """An action that asks is starting: keys typed after the one that started it wait
        until its question is shown (the queue screen's ``ready_for_keys``), and the dialog
        then drops them as typed before it, so none can answer it or act behind it."""
        self.question_shown = asyncio.Event()

    async def run(self, plan: ActionPlan) -> Optional[ActionReport]:
        """Ask ``plan``'s question; on yes run it and report. None when the user said no."""
        if not await self.ask(ConfirmScreen(plan.title, plan.body, confirm_word=plan.confirm_word)):
            self.log(f"{plan.what}: cancelled")
            return None
        stop = self._begin(plan)
        try:
            report = await self._execute(plan, stop)
        finally:
            self._end()
        self._report(report)
        return report

    async def ask(self, dialog: ConfirmScreen) -> bool:
        """Show ``dialog`` and wait for its answer (the question now counts as shown, so
        keys held behind it are let through, to be dropped by the dialog)."""
        try:
            answer = self.confirm(dialog)
        finally:
            if self.question_shown is not None:
                self.question_shown.set()
        return bool(await answer)

    def stop(self) -> None:
        """Ask the running action to stop cleanly (no-op when none runs)."""
        if self._stop is not None and not self._stop.is_set():
            self._stop.set()
            self.log(f"stopping {self._what}: Postfix finishes what it has read")

    async def wait_idle(self) -> None:
        """Return once no action runs (its report and audit line are written by then)."""
        await self._idle.wait()

    async def _execute(self, plan: ActionPlan, stop: asyncio.Event) -> ActionReport:
        backend, op = self.backend, plan.op
        if op is Op.FLUSH_ALL:
            return await backend.flush_all()
        if op is Op.FLUSH_SITE:
            return await backend.flush_site(plan.site, plan.listing, stop=stop)
        if op is Op.FLUSH_IDS:
            return await backend.flush_ids(plan.targets, progress=self._advance, stop=stop)
        return await backend.act(op.value, plan.targets, progress=self._advance, stop=stop)

    def _begin(self, plan: ActionPlan) -> asyncio.Event:
        self._what = plan.what
        self._stop = asyncio.Event()
        self._idle.clear()
        # Per-message progress for operations on messages; a site or the whole queue is one
        # request whose progress Postfix does not tell.
        total = len(plan.targets) if plan.op not in (Op.FLUSH_SITE, Op.FLUSH_ALL) else None
        bar = self.progress()
        bar.update(total=total, progress=0)
        bar.display = True
        self.changed()
        return self._stop

    def _advance(self, done: int, total: int) -> None:
        self.progress().update(total=total, progress=done)

    def _end(self) -> None:
        self._stop = None
        self._idle.set()
        self.progress().display = False
        self.changed()

    def _report(self, report: ActionReport) -> None:
        for line in plans.report_lines(report):
            self.log(line)
        detail = ""
        if report.skipped:
            shown = ", ".join(visible(qid, 20) for qid, _ in report.skipped[:5])
            more = f" {glyphs().dots}" if len(report.skipped) > 5 else ""
            detail = f"\nskipped: {shown}{more} (press l for the log)"
        summary = visible(report_summary(report), 400)
        self.notify(summary + detail, report_title(report), plans.severity(report))
