"""The Postfix health panel of the queue screen: master process, processes per service, load
average, and the queue total over the last refreshes as a sparkline.

The data comes from the engine (:meth:`~mailq_tui.engine.QueueEngine.health`, a
:class:`~mailq_tui.engine.Health`) and :class:`mailq_tui.model.trend.Trend`; this module only
lays it out. The two warnings (Postfix
down, queue growing fast) are also put in the status bar by the queue screen, so they show
while the panel is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from mailq_tui.engine import Health
from mailq_tui.model.trend import Trend, format_span
from mailq_tui.safe_text import visible


def health_warnings(health: Optional[Health], trend: Trend) -> list[str]:
    """Short warnings for the status bar: Postfix not configured, down (or unknown), queue
    growing fast."""
    out = []
    if health is not None and not health.configured:
        out.append("POSTFIX NOT CONFIGURED")
    elif health is not None and not health.running:
        out.append("POSTFIX DOWN: flush will not work" if health.certain else "POSTFIX ?")
    growing = trend.warning()
    if growing:
        out.append(growing)
    return out


def health_text(health: Optional[Health], trend: Trend, now: float) -> Text:
    """The panel's text: master and load, processes per service, the queue trend."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if health is None:
        text.append("checking Postfix…\n", style="italic")
    elif not health.running:
        text.append(health.summary(now) + "\n", style="bold reverse")
    else:
        up = health.uptime(now)
        text.append("Postfix ", style="bold")
        text.append(f"master {health.master_pid}")
        if up is not None:
            text.append(f" up {format_span(up)}")
        text.append(" · load " + " ".join(f"{x:.2f}" for x in health.load))
        text.append("\nProcesses ", style="bold")
        services = (f"{visible(name, 40)} {n}" for name, n in health.services.items())
        text.append(" · ".join(services) or "none")
    text.append("\n")
    values = trend.values()
    text.append("Queue ", style="bold")
    if not values:
        text.append("no listing yet")
        return text
    text.append(f"{values[0]} → {values[-1]} over the last {len(values)} refreshes")
    rate = trend.rate_per_minute()
    if rate is not None:
        text.append(f" ({rate:+.0f} msgs/min)")
    warning = trend.warning()
    if warning:
        text.append(f" {warning}", style="bold reverse")
    return text


class HealthPanel(Vertical):
    """Health lines and a sparkline of the queue total; toggled with ``i``."""

    def compose(self) -> ComposeResult:
        """Three text lines beside the sparkline."""
        with Horizontal(id="health-row"):
            yield Static(id="health-text")
            yield Sparkline([], id="health-trend", summary_function=max)

    def show(self, health: Optional[Health], trend: Trend, now: float) -> None:
        """Redraw from the latest health reading and trend."""
        self.query_one("#health-text", Static).update(health_text(health, trend, now))
        values: Sequence[float] = trend.values()
        self.query_one("#health-trend", Sparkline).data = list(values)
