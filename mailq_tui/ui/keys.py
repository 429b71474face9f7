"""Typed input reaches the widget it was typed for, in order, however fast it arrives.

Textual routes a key when the app takes it off its queue: it is posted to the widget focused
at that moment, and each widget handles it later from its own queue. Focus changes are
deferred too (``Widget.focus`` runs ``Screen.set_focus`` through ``App.call_later``) and so
is ``Input.Submitted``. Keys that arrive together (a terminal delivers a paste, ``tmux
send-keys`` or typing on a loaded server in one read) are therefore all routed to the widget
focused before the first of them is handled: left to Textual, ``/ail`` would leave the filter
empty while ``a`` marks every message, and ``R`` after Enter in the filter would be typed
into it.

:class:`TypedInput` holds input events (keys and pastes) as they arrive and lets the next one
through only when everything the previous one caused has been handled: every queue of the
app and of the widgets on its screens is empty and idle. A key therefore meets the focus,
screen and bindings the keys before it left, exactly as if it had been typed slowly.

:class:`FreshKeysOnly` is for dialogs: a question cannot be answered by a key sent before it
was shown (``d`` then ``y`` in one burst must not confirm a deletion).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any, Callable, Optional

from textual import events
from textual._time import get_time
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

#: Seconds to wait for one round of :func:`_barrier` before starting another. Only a widget
#: removed during the round (its queue never runs the marker) or a handler slower than this
#: needs it; the result never depends on it.
ROUND = 0.1

InputEvent = (events.Key, events.Paste)


def _pumps(app: App[Any]) -> list[MessagePump]:
    """The app and every widget of every screen on its stack."""
    pumps: list[MessagePump] = [app]
    for screen in app.screen_stack:
        pumps.extend(screen.walk_children(with_self=True))
    return pumps


def _key_path(app: App[Any]) -> list[MessagePump]:
    """Where a key goes: the focused widget (or the screen) and its ancestors up to the app.
    Idle pumps elsewhere need no marker: one with an empty queue is between messages."""
    try:
        start: MessagePump = app.focused or app.screen
    except Exception:  # no screen yet, or the app is closing
        return [app]
    return [*start.ancestors_with_self] if isinstance(start, DOMNode) else [app]


def _quiet(pumps: list[MessagePump]) -> bool:
    """True when no message is waiting in any of ``pumps``' queues."""
    return not any(pump.message_queue_size for pump in pumps)


async def _barrier(pumps: list[MessagePump]) -> bool:
    """Queue a marker at each of ``pumps`` (the way Textual's Pilot waits for a screen) and
    wait until every one has run: each pump has then finished what it was handling and what
    was queued before. False when a round took longer than :data:`ROUND`."""
    pending = 0
    passed = asyncio.Event()

    def marker() -> None:
        nonlocal pending
        pending -= 1
        if not pending:
            passed.set()

    for pump in pumps:
        if pump.call_later(marker):  # False for a closed pump
            pending += 1
    if not pending:
        return True
    try:
        await asyncio.wait_for(passed.wait(), ROUND)
    except asyncio.TimeoutError:
        return False
    return True


async def settled(app: App[Any]) -> None:
    """Return when the app and the widgets of its screens have handled every message,
    including those that handling posted (a key bubbling up, a focus change, ``Submitted``),
    and the active screen is ready for keys: a screen whose keys act on the result of work
    a key started (a filter) defines ``async ready_for_keys() -> bool``, which waits for that
    work and says whether it waited (then the app settles again).

    Settled is a round in which no queue held a message before the markers were queued nor
    after all of them ran. Markers go to the busy pumps and along the key's path: a handler
    still running there (awaiting) runs to its end before its marker.
    """
    while True:
        pumps = _pumps(app)
        busy = [pump for pump in pumps if pump.message_queue_size]
        if not (await _barrier([*busy, *_key_path(app)]) and not busy and _quiet(_pumps(app))):
            continue
        try:
            ready = getattr(app.screen, "ready_for_keys", None)
        except Exception:  # no screen: the app is closing
            return
        if ready is None or not await ready():
            return


class TypedInput:
    """Lets the app's input events through one at a time, each after the last was handled.

    The app asks :meth:`admit` about each key or paste the driver posts: one that arrives
    when the input before it has been handled goes through at once (typing at human speed
    costs nothing); one that arrives earlier waits and is re-posted when its turn comes.
    """

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._waiting: deque[events.Event] = deque()
        self._released: Optional[events.Event] = None
        #: Runs from the moment an event went through until it and those after it are handled.
        self._task: Optional[asyncio.Task[None]] = None

    def admit(self, event: events.Event) -> bool:
        """True when the app handles ``event`` now; False when it waits for its turn.

        Only keys and pastes straight from the driver are ordered; keys of priority
        bindings are not held (Ctrl+Q quits even while earlier keys wait)."""
        if not isinstance(event, InputEvent) or event.is_forwarded:
            return True
        if event is self._released:
            self._released = None
            return True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._release_in_order())
            if not self._waiting:
                return True
        if _is_priority(self._app, event):
            return True
        self._waiting.append(event)
        return False

    async def _release_in_order(self) -> None:
        while True:
            # A failed wait must not keep typed keys hostage: they then go on, in order.
            with contextlib.suppress(Exception):
                await settled(self._app)
            if not self._waiting:
                return
            self._released = self._waiting.popleft()
            self._app.post_message(self._released)

    async def wait_handled(self) -> None:
        """Return when every event admitted or held so far was handled."""
        await settled(self._app)  # events posted but not yet seen by the app
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    def stop(self) -> None:
        """Drop what is waiting (the app is closing)."""
        self._waiting.clear()
        if self._task is not None:
            self._task.cancel()


class FreshKeysOnly:
    """Mixin for a screen that asks: keys and pastes sent before it was shown are dropped, so
    input typed ahead can never answer a question the operator has not seen (nor fill in the
    word a whole-queue confirmation asks for). The app drops them before routing them
    (:func:`typed_before_shown`): a focused Input would otherwise take them first."""

    _shown_at: float = float("inf")

    def on_mount(self) -> None:
        """From now on, keys are answers."""
        self._shown_at = get_time()


def typed_before_shown(app: App[Any], event: events.Event) -> bool:
    """True for terminal input sent before the active screen, a :class:`FreshKeysOnly`
    question, was shown (keys of priority bindings such as Ctrl+Q always count)."""
    if not isinstance(event, InputEvent) or event.is_forwarded:
        return False
    try:
        screen = app.screen
    except Exception:  # no screen yet, or the app is closing
        return False
    if not isinstance(screen, FreshKeysOnly) or event.time >= screen._shown_at:
        return False
    return not _is_priority(app, event)


def _is_priority(app: App[Any], event: events.Event) -> bool:
    """True for a key bound as a priority binding (it is never held nor dropped)."""
    if not isinstance(event, events.Key):
        return False
    active = app.active_bindings.get(event.key)
    return active is not None and active.binding.priority


class WorkGate:
    """What keys for a screen's list wait for: the work the keys before them started.

    ``/yahoo`` Enter ``*`` must mark the yahoo messages, not those listed before the filter
    ran; a key typed after one that opens a confirm dialog must not act behind the dialog.
    :meth:`ready` (the screen's ``ready_for_keys``, see :func:`settled`) waits for the
    ``node``'s running filter worker (while ``filtering_possible()``: a filter waiting for an
    index that failed would never end) and for the action's ``question()`` to be shown.
    """

    def __init__(
        self,
        node: DOMNode,
        *,
        filtering_possible: Callable[[], bool],
        question: Callable[[], Optional[asyncio.Event]],
    ) -> None:
        self._node = node
        self._filtering_possible = filtering_possible
        self._question = question

    async def ready(self) -> bool:
        """Wait for the question, then the filter, to be shown; True when it waited."""
        waited = await self._wait_for_question()
        while True:
            running = self.active_workers("filter")
            if not running or not self._filtering_possible():
                return waited
            waited = True
            if running[0].state == WorkerState.PENDING:
                await asyncio.sleep(0)  # its task starts on the next turn of the loop
                continue
            # Cancelled (a newer filter replaced it) or failed (the screen reports it): look
            # again.
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await running[0].wait()

    async def _wait_for_question(self) -> bool:
        """Wait while an action started by a key prepares its confirm dialog (until it is
        shown, or the action ended without asking); True when it waited."""
        shown = self._question()
        if shown is None or shown.is_set():
            return False
        while not shown.is_set() and self.active_workers("action"):
            # Look again now and then: the action may end without asking.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(shown.wait(), 0.05)
        return True

    def active_workers(self, group: str) -> list[Worker[Any]]:
        """The node's workers of ``group`` that have not finished."""
        active = (WorkerState.PENDING, WorkerState.RUNNING)
        node = self._node
        return [
            w for w in node.app.workers if w.node is node and w.group == group and w.state in active
        ]
