"""Ctrl+C, SIGTERM and hangup during a CLI action: a clean stop, never a lost report.

While :func:`stop_on_signals` is active, SIGINT, SIGTERM and SIGHUP do not kill mailq-tui:
the first one sets the stop request the engine watches (no more ids go to postsuper, which
finishes the ones it has read), and the report and the audit line then say what was done.
Further signals only say that the stop is under way: killing postsuper then would lose the
count of what it did. Outside the block the signals behave as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator

#: The signals that request a clean stop of a running action.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _say(text: str) -> None:
    with contextlib.suppress(OSError):  # the terminal may be gone (hangup)
        print(f"mailq-tui: {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def stop_on_signals(what: str) -> Iterator[asyncio.Event]:
    """Within the running event loop: turn SIGINT/SIGTERM/SIGHUP into a stop request for the
    action ``what`` (e.g. ``"release"``); yields the :class:`asyncio.Event` to pass down."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if not stop.is_set():
            stop.set()
            _say(
                f"{name}: stopping {what}: no more messages are given to Postfix; it finishes "
                "the ones it has already read, then the report follows"
            )
        else:
            _say(f"{name}: already stopping {what}; waiting for Postfix to finish")

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)
