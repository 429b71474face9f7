"""Queue totals over the last refreshes: the data behind a sparkline and a "growing fast"
warning. Pure Python (no Textual, no Postfix).

Whether the queue is "growing fast" is decided by the thresholds in :data:`GROWTH_RULES`, one
documented table, rather than by numbers scattered through ``if`` statements.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple, Optional

__all__ = [
    "GROWTH_FRACTION_PER_MINUTE",
    "GROWTH_MIN_PER_MINUTE",
    "GROWTH_RULES",
    "MIN_RATE_SPAN_SECONDS",
    "MIN_SAMPLES",
    "MIN_SPAN_SECONDS",
    "RATE_WINDOW_SECONDS",
    "Trend",
    "format_span",
]

#: Absolute floor, in messages per minute. A mail server that gains fewer than 100 queued
#: messages a minute is not in trouble worth shouting about, however small its queue: normal
#: bursts (a newsletter, a few bounces) stay below it and clear within a queue run.
GROWTH_MIN_PER_MINUTE = 100
#: Relative floor: the queue gains at least 5 % of its current size per minute, i.e. it would
#: double in under 20 minutes. On a large queue (say 50k deferred) 100/min is noise; 2,500/min
#: is not.
GROWTH_FRACTION_PER_MINUTE = 0.05
#: The samples must span at least this long: two refreshes a few seconds apart measure one burst
#: of injection, not a trend (the app refreshes every few seconds).
MIN_SPAN_SECONDS = 20.0
#: And there must be at least this many samples, so one odd listing cannot raise the alarm.
MIN_SAMPLES = 3
#: The rate is measured over the samples within this window of the newest one (5 minutes:
#: recent enough to react, long enough to smooth a queue run).
RATE_WINDOW_SECONDS = 300.0
#: :meth:`Trend.rate_per_minute` answers None below this span: extrapolating a per-minute rate
#: from a few seconds is mostly noise.
MIN_RATE_SPAN_SECONDS = 10.0


class GrowthRule(NamedTuple):
    """One threshold of the "growing fast" decision (every rule must hold)."""

    name: str
    value: float
    why: str


#: The "growing fast" table. The queue is growing fast when its rate (msgs/min over
#: :data:`RATE_WINDOW_SECONDS`) is at least ``max(min_per_minute, fraction_per_minute * newest
#: total)``, the samples span at least ``min_span_seconds`` and there are at least
#: ``min_samples`` of them. A flat or shrinking queue never warns.
GROWTH_RULES: tuple[GrowthRule, ...] = (
    GrowthRule("min_per_minute", GROWTH_MIN_PER_MINUTE, "absolute floor, msgs/min"),
    GrowthRule("fraction_per_minute", GROWTH_FRACTION_PER_MINUTE, "share of the queue per min"),
    GrowthRule("min_span_seconds", MIN_SPAN_SECONDS, "samples must cover this long"),
    GrowthRule("min_samples", MIN_SAMPLES, "samples needed in the window"),
)
_RULE = {rule.name: rule.value for rule in GROWTH_RULES}


def format_span(seconds: float) -> str:
    """A duration in its two largest units: ``45s``, ``4m 10s``, ``3h 12m``, ``2d 4h``."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    first, second = parts[0], parts[1] if len(parts) > 1 else None
    text = f"{first[0]}{first[1]}"
    if second is not None and second[0]:
        text += f" {second[0]}{second[1]}"
    return text


class Trend:
    """Queue totals over the last refreshes, for a sparkline and a 'growing fast' warning.

    Keeps the newest ``capacity`` samples of ``(taken_at, total)``. A sample not newer than the
    last one (a listing that finished out of order, a clock step back) is ignored.
    """

    def __init__(self, capacity: int = 60) -> None:
        if capacity < 2:
            raise ValueError("a trend needs a capacity of at least 2 samples")
        self.capacity = capacity
        self._samples: deque[tuple[float, int]] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._samples)

    def add(self, taken_at: float, total: int) -> None:
        """Record the queue total of a listing taken at ``taken_at`` (epoch seconds)."""
        if self._samples and taken_at <= self._samples[-1][0]:
            return
        self._samples.append((taken_at, total))

    def values(self) -> list[int]:
        """The totals, oldest first (what textual's ``Sparkline`` takes)."""
        return [total for _, total in self._samples]

    def _window(self, window: float) -> list[tuple[float, int]]:
        if not self._samples:
            return []
        newest = self._samples[-1][0]
        return [s for s in self._samples if newest - s[0] <= window]

    def rate_per_minute(self, window: float = RATE_WINDOW_SECONDS) -> Optional[float]:
        """Messages per minute between the oldest and the newest sample within ``window``
        seconds of the newest; None with fewer than 2 samples or a span under 10 s."""
        samples = self._window(window)
        if len(samples) < 2:
            return None
        (t0, n0), (t1, n1) = samples[0], samples[-1]
        span = t1 - t0
        if span < MIN_RATE_SPAN_SECONDS:
            return None
        return (n1 - n0) * 60.0 / span

    def warning(self) -> str:
        """ "" or e.g. ``"queue growing fast: +1,234 msgs/min over 4m 10s"`` (see
        :data:`GROWTH_RULES`)."""
        samples = self._window(RATE_WINDOW_SECONDS)
        if len(samples) < _RULE["min_samples"]:
            return ""
        span = samples[-1][0] - samples[0][0]
        if span < _RULE["min_span_seconds"]:
            return ""
        rate = self.rate_per_minute(RATE_WINDOW_SECONDS)
        if rate is None or rate <= 0:
            return ""
        newest = samples[-1][1]
        threshold = max(_RULE["min_per_minute"], _RULE["fraction_per_minute"] * newest)
        if rate < threshold:
            return ""
        return f"queue growing fast: +{round(rate):,} msgs/min over {format_span(span)}"
