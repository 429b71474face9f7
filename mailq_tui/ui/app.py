"""The mailq-tui Textual app. The backend (a QueueEngine, or a recorded one) is injected.

``MailqApp(backend, refresh_interval=3.0)``; :func:`run_app` builds the real engine and runs it.
The config file's appearance and saved filters are handed in (``theme``, ``columns``,
``saved_filters``): nothing here reads a file.

Leaving never loses an action: quitting while one runs asks first, and then (like SIGTERM,
SIGHUP, SIGINT or the terminal going away) stops it cleanly — Postfix finishes what it has read,
the report and the audit line are written — before the app exits through Textual, which
restores the terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Callable, Optional

from textual import events
from textual.app import App
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.worker import Worker

from mailq_tui.safe_text import visible_lines
from mailq_tui.ui import styles_dir
from mailq_tui.ui.action_runner import ActionRunner
from mailq_tui.ui.backend import QueueBackend
from mailq_tui.ui.columns import OPTIONAL_COLUMNS
from mailq_tui.ui.commands import QueueCommands, SavedFilterCommands
from mailq_tui.ui.exit_signals import clean_exit_on_signals
from mailq_tui.ui.keys import TypedInput, typed_before_shown
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.queue import QueueScreen

#: Default seconds between live refreshes.
DEFAULT_REFRESH = 3.0
#: Seconds a thread may hold the GIL while another waits (Python's default: 0.005).
SWITCH_INTERVAL = 0.001


class MailqApp(App[None]):
    """Browse, filter and act on a Postfix queue.

    ``backend``: anything with the :class:`~mailq_tui.ui.backend.QueueBackend` methods.
    ``refresh_interval``: seconds between live refreshes (0 disables them); the app waits at
    least 5× the last listing's duration, so a huge queue is not listed back to back.
    ``clock``: epoch seconds for ages (tests freeze it). ``driver_class``: Textual's driver
    (:func:`run_app` passes one that survives a hangup; default: Textual's choice).
    ``theme``: a Textual theme name (None: Textual's default). ``columns``: which of the
    list's optional columns show (None: all). ``saved_filters``: name -> query text (``@name``).
    """

    CSS_PATH = [str(styles_dir() / "app.tcss"), str(styles_dir() / "shape.tcss")]
    TITLE = "mailq-tui"
    COMMANDS = App.COMMANDS | {QueueCommands, SavedFilterCommands}

    def __init__(
        self,
        backend: QueueBackend,
        *,
        refresh_interval: float = DEFAULT_REFRESH,
        clock: Optional[Callable[[], float]] = None,
        driver_class: Optional[type[Driver]] = None,
        theme: Optional[str] = None,
        columns: Optional[Sequence[str]] = None,
        saved_filters: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        self.backend = backend
        self.refresh_interval = refresh_interval
        if theme is not None:
            self.theme = theme
        self.columns = OPTIONAL_COLUMNS if columns is None else tuple(columns)
        self.saved_filters: Mapping[str, str] = dict(saved_filters or {})
        self.clock: Callable[[], float] = clock or time.time
        #: Set once the app is on its way out (stopping actions, then exiting).
        self._exiting: Optional[Worker[None]] = None
        self._asking_to_quit = False
        #: Keys and pastes reach the app in order, each after the last was handled.
        self.typed = TypedInput(self)

    def on_mount(self) -> None:
        """Open the queue screen.

        Listing, indexing and filtering run in threads that compete with this one for the
        GIL; by default a waiting thread gets it after 5 ms, which on a 500k-message queue
        makes every frame wait behind the workers. 1 ms keeps typing and scrolling fluid.
        """
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.push_screen(
            QueueScreen(
                self.backend,
                clock=self.clock,
                refresh_interval=self.refresh_interval,
                columns=self.columns,
                saved_filters=self.saved_filters,
            )
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: Optional[float] = None,
        markup: bool = True,
    ) -> None:
        """Every notification (``Screen.notify`` comes here too) with its title and message
        through :func:`visible_lines`: no control or bidi character reaches a toast.
        Mail-derived text is also passed with ``markup=False`` by its callers."""
        super().notify(
            visible_lines(message),
            title=visible_lines(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def running_actions(self) -> list[ActionRunner]:
        """The actions running now (their screens' runners)."""
        return [s.runner for s in self.screen_stack if isinstance(s, QueueScreen) and s.runner.busy]

    async def action_quit(self) -> None:
        """Quit; while an action runs, ask first (yes stops it cleanly, then quits)."""
        running = self.running_actions()
        if not running:
            self.exit()
            return
        what = running[0].running
        if self._exiting is not None:
            self.notify(
                f"Stopping {what}: waiting for Postfix to finish what it has read, "
                "then the app exits",
                title="Quit",
                markup=False,
            )
            return
        if self._asking_to_quit:
            return
        body = (
            f"{what} is running. Quitting stops it cleanly: no more messages are given to "
            "Postfix, it finishes the ones it has already read, and what was done is "
            "reported and written to the audit log. Then the app exits.\n\n"
            "No: keep it running."
        )

        def answered(yes: Optional[bool]) -> None:
            self._asking_to_quit = False
            if yes:
                self.exit_cleanly(0)

        self._asking_to_quit = True
        self.push_screen(
            ConfirmScreen(f"Quit while {what} runs?", body, yes_label="Stop and quit"), answered
        )

    def exit_cleanly(self, return_code: int) -> None:
        """Stop every running action cleanly, wait for its report and audit line, then exit
        with ``return_code`` (SIGTERM, SIGHUP, SIGINT, hangup, or quit confirmed)."""
        if self._exiting is None:
            self._exiting = self.run_worker(
                self._stop_actions_then_exit(return_code),
                name="exit",
                group="exit",
                description="stop actions, then exit",
            )

    async def _stop_actions_then_exit(self, return_code: int) -> None:
        running = self.running_actions()
        for runner in running:
            runner.stop()
        for runner in running:
            await runner.wait_idle()
        self.exit(return_code=return_code)

    async def on_event(self, event: events.Event) -> None:
        """Input from the terminal waits until the input before it was handled
        (:class:`~mailq_tui.ui.keys.TypedInput`), and input sent before a question was shown
        is dropped (:func:`~mailq_tui.ui.keys.typed_before_shown`); the rest goes the usual way."""
        if self.typed.admit(event) and not typed_before_shown(self, event):
            await super().on_event(event)

    def on_unmount(self) -> None:
        """Input still waiting is dropped."""
        self.typed.stop()


def run_app(
    config_dir: Optional[str] = None,
    use_sudo: bool = False,
    refresh: float = DEFAULT_REFRESH,
    audit_log: Optional[Path] = None,
    *,
    theme: Optional[str] = None,
    columns: Optional[Sequence[str]] = None,
    saved_filters: Optional[Mapping[str, str]] = None,
) -> int:
    """Run the app on the Postfix instance at ``config_dir`` (the default one when None);
    actions are audited to ``audit_log`` (default: the engine's); ``theme``, ``columns`` and
    ``saved_filters`` as :class:`MailqApp` takes them. Return the exit code."""
    from mailq_tui.engine import QueueEngine
    from mailq_tui.ui.terminal_driver import HangupSafeDriver

    engine = QueueEngine(config_dir=config_dir, use_sudo=use_sudo, audit_log=audit_log)
    app = MailqApp(
        engine,
        refresh_interval=refresh,
        driver_class=HangupSafeDriver,
        theme=theme,
        columns=columns,
        saved_filters=saved_filters,
    )
    with clean_exit_on_signals(app, sys.stdin.fileno()):
        app.run()
    return app.return_code or 0
