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
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from mailq_tui.engine import Health
from mailq_tui.glyphs import current as glyphs
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
    g = glyphs()
    text = Text(no_wrap=True, overflow=glyphs().overflow)
    if health is None:
        text.append(f"checking Postfix{g.dots}\n", style="italic")
    elif not health.running:
        text.append(health.summary(now) + "\n", style="bold reverse")
    else:
        up = health.uptime(now)
        text.append("Postfix ", style="bold")
        text.append(f"master {health.master_pid}")
        if up is not None:
            text.append(f" up {format_span(up)}")
        text.append(f" {g.dot} load " + " ".join(f"{x:.2f}" for x in health.load))
        text.append("\nProcesses ", style="bold")
        services = (f"{visible(name, 40)} {n}" for name, n in health.services.items())
        text.append(f" {g.dot} ".join(services) or "none")
    text.append("\n")
    values = trend.values()
    text.append("Queue ", style="bold")
    if not values:
        text.append("no listing yet")
        return text
    text.append(f"{values[0]} {g.arrow} {values[-1]} over the last {len(values)} refreshes")
    rate = trend.rate_per_minute()
    if rate is not None:
        text.append(f" ({rate:+.0f} msgs/min)")
    warning = trend.warning()
    if warning:
        text.append(f" {warning}", style="bold reverse")
    return text


def sparkline_rows(values: Sequence[float], width: int, height: int, levels: str) -> list[str]:
    """``values`` as ``height`` lines of ``width`` bars drawn with ``levels`` (lowest first, the
    last one a full cell), the way Textual's ``Sparkline`` draws them with block glyphs:
    each column the largest value of its share of ``values``, scaled from min to max."""
    if width <= 0 or height <= 0:
        return []
    if not values:
        return [" " * width] * (height - 1) + [levels[0] * width]
    low, high = min(values), max(values)
    extent = (high - low) or 1
    steps = len(levels) * height - 1
    columns = []
    for col in range(width):
        share = values[col * len(values) // width : (col + 1) * len(values) // width or None]
        top = max(share) if share else values[min(len(values) - 1, col * len(values) // width)]
        columns.append(int((top - low) / extent * steps))
    rows = []
    for row in reversed(range(height)):
        floor, ceiling = row * len(levels), (row + 1) * len(levels)
        rows.append(
            "".join(
                " " if bar < floor else levels[-1] if bar >= ceiling else levels[bar - floor]
                for bar in columns
            )
        )
    return rows


class TrendLine(Sparkline):
    """Textual's sparkline, drawn with the glyph set's levels on an ASCII terminal (Textual's
    own draws block glyphs that such a terminal shows as garbage)."""

    def render(self) -> RenderResult:
        """Textual's drawing, or :func:`sparkline_rows` with the ASCII levels."""
        g = glyphs()
        if not g.ascii:
            return super().render()
        rows = sparkline_rows(list(self.data or []), self.size.width, self.size.height, g.levels)
        return Text("\n".join(rows), no_wrap=True)


class HealthPanel(Vertical):
    """Health lines and a sparkline of the queue total; toggled with ``i``."""

    def compose(self) -> ComposeResult:
        """Three text lines beside the sparkline."""
        with Horizontal(id="health-row"):
            yield Static(id="health-text")
            yield TrendLine([], id="health-trend", summary_function=max)

    def show(self, health: Optional[Health], trend: Trend, now: float) -> None:
        """Redraw from the latest health reading and trend."""
        self.query_one("#health-text", Static).update(health_text(health, trend, now))
        values: Sequence[float] = trend.values()
        self.query_one("#health-trend", TrendLine).data = list(values)
