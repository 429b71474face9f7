"""What can be done on the queue screen, and doing it: the targets of an action, why an
action is unavailable (privileges, Postfix down, nothing selected), the confirm-then-run
workflow for postsuper actions and flushes, progress, and reporting the outcome.

A running action can be stopped cleanly (:meth:`QueueActionsScreen.stop_action`, used when
the app quits or gets SIGTERM/SIGHUP): the backend gets an :class:`asyncio.Event`, not a
cancellation, so Postfix finishes what it has read and the report and audit line are written.

:class:`QueueActionsScreen` is the base of :class:`~mailq_tui.ui.screens.queue.QueueScreen`,
which adds the list, the filter bar, live refresh and the views.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from textual import work
from textual.actions import parse
from textual.reactive import reactive
from textual.widgets import Log, ProgressBar

from mailq_tui.engine import Health, PostfixSettings
from mailq_tui.model.message import Message
from mailq_tui.model.query import parse_query
from mailq_tui.model.selection import site_flush_candidates, summarise
from mailq_tui.reports import ActionReport, Privileges
from mailq_tui.safe_text import visible
from mailq_tui.ui import plans
from mailq_tui.ui.availability import ExplainingScreen, privilege_reason
from mailq_tui.ui.commands import QUEUE_COMMANDS, Command
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.view import Marks, ViewState
from mailq_tui.ui.widgets.queue_list import QueueList

if TYPE_CHECKING:
    from mailq_tui.ui.app import MailqApp

#: What the operator types in the confirm dialog to act on every message in the queue.
WHOLE_QUEUE_WORD = "all"


class QueueActionsScreen(ExplainingScreen[None]):
    """Targets, availability and the action workflow of the queue screen."""

    busy: reactive[bool] = reactive(False, bindings=True)
    privileges: reactive[Optional[Privileges]] = reactive(None, bindings=True)

    def __init__(self) -> None:
        super().__init__()
        self.marks = Marks()
        self.state: Optional[ViewState] = None
        self.group_by: Optional[str] = None
        self.settings: Optional[PostfixSettings] = None
        self.health: Optional[Health] = None
        self._availability: Optional[tuple[str, ...]] = None
        #: Set once the question of the action a key started is on screen (see _ask).
        self.question_shown: Optional[asyncio.Event] = None
        #: The running action's stop request (None when no action runs), what it is, and
        #: an event set whenever no action runs.
        self._action_stop: Optional[asyncio.Event] = None
        self._action_what = ""
        self._action_idle: Optional[asyncio.Event] = None

    @property
    def mailq(self) -> MailqApp:
        """The app (typed)."""
        return self.app  # type: ignore[return-value]

    def queue_changed(self) -> None:
        """Called after an action changed the queue (the queue screen lists it again)."""

    def log_line(self, line: str) -> None:
        """Append to the action log panel: one line, control and bidi characters as escapes."""
        stamp = time.strftime("%H:%M:%S")
        self.query_one("#action-log", Log).write_line(f"{stamp} {visible(line)}")

    # ------------------------------------------------------------------ availability

    def targets(self) -> list[Message]:
        """The marked messages, or the one under the cursor when nothing is marked."""
        if self.state is None:
            return []
        if len(self.marks):
            return self.marks.resolve(self.state.messages)
        qlist = self.query_one(QueueList)
        current, group = qlist.current, qlist.current_group
        if group is not None:
            msgs = self.state.messages
            return [msgs[r] for r in group.rows]
        return [current] if current is not None else []

    def unavailable_reason(self, action: str, parameters: Sequence[object] = ()) -> str:
        """Why ``action`` cannot run now ("" when it can). ``action`` is a name with its
        ``parameters``, or spelled as a binding does (``act('delete')``)."""
        _, name, spelled = parse(action)
        params = tuple(parameters) or spelled
        why = self._privilege_reason(name, params)
        if why:
            return why
        health = self.health
        if name == "flush" and health is not None and not health.running and health.certain:
            return "Postfix is not running: nothing would deliver the mail"
        if name in ("act", "flush", "mark_all", "toggle_mark", "open_message"):
            if self.busy and name in ("act", "flush"):
                return "another action is running"
            if name != "flush" or params[:1] != ("all",):
                qlist = self.query_one(QueueList)
                if qlist.current is None and qlist.current_group is None and not len(self.marks):
                    return "no message selected"
        if name in ("reasons", "shape", "cycle_group") and self.state is None:
            return "reading the queue"
        return ""

    def _privilege_reason(self, name: str, params: tuple[object, ...]) -> str:
        if name == "act":
            return privilege_reason(self.privileges, str(params[0]) if params else "delete")
        if name == "flush":
            return privilege_reason(self.privileges, "flush")
        return ""

    def forbidden(self, action: str, parameters: tuple[object, ...]) -> bool:
        """The user's privileges (once known) forbid ``action``: its key leaves the footer."""
        return self.privileges is not None and bool(self._privilege_reason(action, parameters))

    def spare_binding_ids(self) -> frozenset[str]:
        """Flush site and flush all take the footer room of forbidden keys."""
        return frozenset(cmd.id for cmd in QUEUE_COMMANDS if cmd.spare)

    def update_bindings(self) -> None:
        """Refresh the footer when what is available (or why not) changed, not otherwise.

        ``refresh_bindings`` rebuilds the footer: a few milliseconds that a filter keystroke
        or a listing would pay each time, and every rebuild leaves its old keys behind
        (Textual 8.2's footer keys stay watched by the footer until it is pruned).
        """
        availability = tuple(self.unavailable_reason(cmd.action) for cmd in QUEUE_COMMANDS)
        if availability != self._availability:
            self._availability = availability
            self.refresh_bindings()

    def run_command(self, cmd: Command) -> None:
        """Run a command chosen in the palette (when unavailable, ``check_action`` says why,
        as for its key)."""
        self.call_later(self.app.run_action, cmd.action, self)

    # ------------------------------------------------------------------ actions

    def action_act(self, action: str) -> None:
        """delete | hold | release | requeue the targets, after confirmation."""
        self.start_action(action, self.targets(), from_list=True)

    def action_flush(self, scope: str) -> None:
        """Flush ids (the targets), the cursor's site, or everything."""
        if scope == "ids":
            self.start_action("flush-ids", self.targets(), from_list=True)
        elif scope == "site":
            qlist = self.query_one(QueueList)
            msg, group = qlist.current, qlist.current_group
            if group is not None and self.group_by == "domain":
                self._expect_question()
                self.start_flush_site(group.key)
            elif group is not None:
                self.notify(
                    "Flush site needs a message, or a recipient-domain group (b)",
                    title="Flush site",
                    severity="warning",
                    markup=False,
                )
            elif msg is not None and msg.recipients:
                site = msg.recipients[0].address.rpartition("@")[2]
                self._expect_question()
                self.start_flush_site(site)
        else:
            self._expect_question()
            self.start_flush_all()

    def start_action(self, action: str, targets: list[Message], from_list: bool = False) -> None:
        """Confirm and run a postsuper action or an id flush on ``targets``.

        ``from_list``: the targets are the list's (marks, group or cursor), so the dialog says
        how the filter was read and which marks it hides.
        """
        name = "flush" if action == "flush-ids" else "act"
        why = self.unavailable_reason(name, [action])
        if why:
            self.notify(why, title=action, severity="warning", markup=False)
            return
        if targets:
            marked = len(self.marks) if from_list else 0
            bulk = from_list and (marked > 0 or self.query_one(QueueList).current_group is not None)
            self._expect_question()
            self._confirm_and_act(action, targets, marked, bulk)

    def _expect_question(self) -> None:
        """An action that asks is starting: keys typed after the one that started it wait
        until its question is shown (:meth:`QueueScreen.ready_for_keys`), and the dialog then
        drops them as typed before it, so none can answer it or act behind it."""
        self.question_shown = asyncio.Event()

    async def _ask(self, dialog: ConfirmScreen) -> bool:
        """Show ``dialog`` (from an action worker) and wait for its answer."""
        try:
            answer = self.app.push_screen(dialog, wait_for_dismiss=True)
        finally:
            if self.question_shown is not None:
                self.question_shown.set()
        return bool(await answer)

    @work(group="action", exit_on_error=False, description="action")
    async def _confirm_and_act(
        self, action: str, targets: list[Message], marked: int, bulk: bool
    ) -> None:
        """Confirm (what the selection is: computed in a thread, it filters the whole index
        for the warnings), then run the action with progress and a clean stop."""
        held = [self.state]  # not a worker argument: the worker would keep it alive
        whole_queue, notes = await asyncio.to_thread(
            selection_facts, held[0], targets, marked, bulk
        )
        del held
        title, body = plans.confirm_text(
            action,
            targets,
            whole_queue=whole_queue,
            notes=notes,
            now=self.mailq.clock(),
            settings=self.settings,
        )
        word = WHOLE_QUEUE_WORD if whole_queue else None
        if not await self._ask(ConfirmScreen(title, body, confirm_word=word)):
            self.log_line(f"{action}: cancelled ({plans.plural(len(targets), 'message')})")
            return
        backend = self.mailq.backend
        stop = self._begin(len(targets), f"{action} of {plans.plural(len(targets), 'message')}")
        try:
            if action == "flush-ids":
                report = await backend.flush_ids(targets, progress=self._progress, stop=stop)
            else:
                report = await backend.act(action, targets, progress=self._progress, stop=stop)
        finally:
            self._end()
        self._report(report)

    @work(group="action", exit_on_error=False, description="flush site")
    async def start_flush_site(self, site: str) -> None:
        """Confirm and run ``postqueue -s SITE`` (with the per-message fallback)."""
        state = self.state
        messages = state.messages if state else []
        candidates = await asyncio.to_thread(site_flush_candidates, messages, site)
        title, body = plans.flush_site_text(site, candidates)
        if not await self._ask(ConfirmScreen(title, body)):
            self.log_line(f"flush {visible(site, 60)}: cancelled")
            return
        stop = self._begin(0, f"flush of {visible(site, 60)}")
        try:
            report = await self.mailq.backend.flush_site(site, messages, stop=stop)
        finally:
            self._end()
        self._report(report)

    @work(group="action", exit_on_error=False, description="flush all")
    async def start_flush_all(self) -> None:
        """Confirm and run ``postqueue -f``."""
        count = len(self.state.messages) if self.state else 0
        title, body = plans.flush_all_text(count)
        if not await self._ask(ConfirmScreen(title, body)):
            self.log_line("flush all: cancelled")
            return
        self._begin(0, "flush all")
        try:
            report = await self.mailq.backend.flush_all()
        finally:
            self._end()
        self._report(report)

    @property
    def running_action(self) -> str:
        """What is running, e.g. ``hold of 229 messages`` ("" when no action runs)."""
        return self._action_what if self._action_stop is not None else ""

    def stop_action(self) -> None:
        """Ask the running action to stop cleanly (no-op when none runs)."""
        if self._action_stop is not None and not self._action_stop.is_set():
            self._action_stop.set()
            self.log_line(f"stopping {self._action_what}: Postfix finishes what it has read")

    async def wait_idle(self) -> None:
        """Return once no action runs (its report and audit line are written by then)."""
        if self._action_idle is not None:
            await self._action_idle.wait()

    def _begin(self, total: int, what: str) -> asyncio.Event:
        self.busy = True
        self._action_what = what
        self._action_stop = asyncio.Event()
        if self._action_idle is None:
            self._action_idle = asyncio.Event()
        self._action_idle.clear()
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=total or None, progress=0)
        bar.display = True
        return self._action_stop

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(total=total, progress=done)

    def _end(self) -> None:
        self.busy = False
        self._action_stop = None
        if self._action_idle is not None:
            self._action_idle.set()
        self.query_one("#progress").display = False

    def _report(self, report: ActionReport) -> None:
        for line in plans.report_lines(report):
            self.log_line(line)
        detail = ""
        if report.skipped:
            shown = ", ".join(visible(qid, 20) for qid, _ in report.skipped[:5])
            detail = f"\nskipped: {shown}{' …' if len(report.skipped) > 5 else ''} (see log: l)"
        self.notify(
            visible(report.summary(), 400) + detail,
            title=report.action,
            severity=plans.severity(report),  # type: ignore[arg-type]
            markup=False,
            timeout=8,
        )
        if report.outcomes:
            self.marks.discard(report.outcomes)
            self.query_one(QueueList).invalidate()
        self.queue_changed()


def selection_facts(
    state: Optional[ViewState], targets: Sequence[Message], marked: int, bulk: bool
) -> tuple[bool, list[str]]:
    """Whether ``targets`` are the whole queue of ``state``, and the confirm dialog's notes
    about them: how many of the ``marked`` ones the filter hides and, for a ``bulk`` selection
    (marks or a group), the filter as read with its warnings. Runs in a thread: the warnings
    filter the whole index once per negated term."""
    if state is None:
        return False, []
    index = state.index
    rows = [r for r in map(index.row_of, (m.queue_id for m in targets)) if r is not None]
    # The view's query parsed when it was applied (a malformed one is never applied).
    summary = summarise(index, parse_query(state.spec.query_text), rows)
    hidden = len(set(rows).difference(state.rows)) if marked else 0
    return summary.whole_queue, plans.selection_notes(summary if bulk else None, marked, hidden)
