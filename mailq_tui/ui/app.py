"""The mailq-tui Textual app. The backend (a QueueEngine, or a recorded one) is injected.

``MailqApp(backend, refresh_interval=3.0)``; :func:`run_app` builds the real engine and runs it.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional

from textual import events
from textual.app import App

from mailq_tui.ui import styles_dir
from mailq_tui.ui.backend import QueueBackend
from mailq_tui.ui.commands import QueueCommands
from mailq_tui.ui.keys import TypedInput
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
    ``clock``: epoch seconds for ages (tests freeze it).
    """

    CSS_PATH = [str(styles_dir() / "app.tcss"), str(styles_dir() / "shape.tcss")]
    TITLE = "mailq-tui"
    COMMANDS = App.COMMANDS | {QueueCommands}

    def __init__(
        self,
        backend: QueueBackend,
        *,
        refresh_interval: float = DEFAULT_REFRESH,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.refresh_interval = refresh_interval
        self.clock: Callable[[], float] = clock or time.time
        #: Keys and pastes reach the app in order, each after the last was handled.
        self.typed = TypedInput(self)

    def on_mount(self) -> None:
        """Open the queue screen.

        Listing, indexing and filtering run in threads that compete with this one for the
        GIL; by default a waiting thread gets it after 5 ms, which on a 500k-message queue
        made every frame wait behind the workers. 1 ms keeps typing and scrolling fluid.
        """
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.push_screen(QueueScreen())

    async def on_event(self, event: events.Event) -> None:
        """Input from the terminal waits until the input before it was handled
        (:class:`~mailq_tui.ui.keys.TypedInput`); everything else goes the usual way."""
        if self.typed.admit(event):
            await super().on_event(event)

    def on_unmount(self) -> None:
        """Input still waiting is dropped."""
        self.typed.stop()


def run_app(
    config_dir: Optional[str] = None, use_sudo: bool = False, refresh: float = DEFAULT_REFRESH
) -> int:
    """Run the app on the Postfix instance at ``config_dir`` (the default one when None);
    return the process exit code."""
    from mailq_tui.engine import QueueEngine

    app = MailqApp(QueueEngine(config_dir=config_dir, use_sudo=use_sudo), refresh_interval=refresh)
    app.run()
    return app.return_code or 0
