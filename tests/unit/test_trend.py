"""Trend: queue totals over refreshes, their rate and the "growing fast" warning."""

from __future__ import annotations

import pytest

from mailq_tui.model import trend as trend_mod
from mailq_tui.model.trend import Trend, format_span


def make(samples: list[tuple[float, int]], capacity: int = 60) -> Trend:
    t = Trend(capacity)
    for taken_at, total in samples:
        t.add(taken_at, total)
    return t


def test_values_oldest_first_and_capacity() -> None:
    t = make([(float(i), i * 10) for i in range(1, 8)], capacity=5)
    assert t.values() == [30, 40, 50, 60, 70]
    assert len(t) == 5


def test_capacity_must_hold_two_samples() -> None:
    with pytest.raises(ValueError):
        Trend(1)


def test_stale_and_duplicate_samples_are_ignored() -> None:
    t = make([(100.0, 5), (90.0, 999), (100.0, 7), (110.0, 6)])
    assert t.values() == [5, 6]


def test_rate_needs_two_samples_and_ten_seconds() -> None:
    assert Trend().rate_per_minute() is None
    assert make([(0.0, 1)]).rate_per_minute() is None
    assert make([(0.0, 1), (9.0, 100)]).rate_per_minute() is None
    assert make([(0.0, 0), (10.0, 100)]).rate_per_minute() == pytest.approx(600.0)


def test_rate_is_signed_and_over_the_window_only() -> None:
    # +1000 over the first 10 minutes, then -60 over the last 2 minutes.
    t = make([(0.0, 0), (600.0, 1000), (660.0, 970), (720.0, 940)])
    assert t.rate_per_minute() == pytest.approx(-30.0)  # default 300 s: last three samples
    assert t.rate_per_minute(window=60.0) == pytest.approx(-30.0)
    assert t.rate_per_minute(window=10_000.0) == pytest.approx(940 / 12)
    assert t.rate_per_minute(window=30.0) is None  # only the newest sample


def test_warning_when_growing_fast() -> None:
    # 5 samples over 4m 10s: +250/min on a queue of ~1,000 (max(100, 5 % of 1,040) = 100).
    t = make([(0.0, 0), (60.0, 250), (120.0, 500), (180.0, 750), (250.0, 1042)])
    assert t.warning() == "queue growing fast: +250 msgs/min over 4m 10s"


def test_warning_thousands_separator() -> None:
    t = make([(0.0, 100_000), (30.0, 110_000), (60.0, 120_000)])
    assert t.warning() == "queue growing fast: +20,000 msgs/min over 1m"


def test_absolute_floor_both_sides() -> None:
    floor = trend_mod.GROWTH_MIN_PER_MINUTE
    at = make([(0.0, 0), (30.0, floor // 2), (60.0, floor)])  # exactly the floor
    assert at.warning().startswith("queue growing fast: +100 msgs/min")
    below = make([(0.0, 0), (30.0, 49), (60.0, floor - 1)])
    assert below.warning() == ""


def test_relative_floor_both_sides() -> None:
    # Newest total 100,000: the threshold is 5 % = 5,000/min, far above the 100/min floor.
    above = make([(0.0, 94_000), (30.0, 97_000), (60.0, 100_000)])  # +6,000/min
    assert above.warning() == "queue growing fast: +6,000 msgs/min over 1m"
    below = make([(0.0, 96_000), (30.0, 98_000), (60.0, 100_000)])  # +4,000/min < 5,000
    assert below.warning() == ""


def test_needs_enough_samples_and_span() -> None:
    two = make([(0.0, 0), (60.0, 10_000)])
    assert two.rate_per_minute() == pytest.approx(10_000.0)
    assert two.warning() == ""  # only two samples
    short = make([(0.0, 0), (8.0, 5_000), (15.0, 10_000)])  # 15 s < MIN_SPAN_SECONDS
    assert short.rate_per_minute() == pytest.approx(40_000.0)
    assert short.warning() == ""
    just = make([(0.0, 0), (10.0, 5_000), (20.0, 10_000)])
    assert just.warning() == "queue growing fast: +30,000 msgs/min over 20s"


def test_old_samples_outside_the_window_do_not_count() -> None:
    # Huge growth long ago, flat for the last 5 minutes: no warning.
    t = make([(0.0, 0), (60.0, 50_000), (400.0, 50_000), (500.0, 50_000), (660.0, 50_000)])
    assert t.rate_per_minute() == pytest.approx(0.0)
    assert t.warning() == ""


def test_shrinking_or_flat_never_warns() -> None:
    assert make([(0.0, 10_000), (60.0, 5_000), (120.0, 0)]).warning() == ""
    assert make([(0.0, 7), (60.0, 7), (120.0, 7)]).warning() == ""
    assert Trend().warning() == ""


def test_rules_table_matches_the_constants() -> None:
    rules = {r.name: r.value for r in trend_mod.GROWTH_RULES}
    assert rules == {
        "min_per_minute": trend_mod.GROWTH_MIN_PER_MINUTE,
        "fraction_per_minute": trend_mod.GROWTH_FRACTION_PER_MINUTE,
        "min_span_seconds": trend_mod.MIN_SPAN_SECONDS,
        "min_samples": trend_mod.MIN_SAMPLES,
    }


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (45.9, "45s"),
        (60, "1m"),
        (250, "4m 10s"),
        (3600, "1h"),
        (3 * 3600 + 12 * 60 + 5, "3h 12m"),
        (2 * 86400 + 4 * 3600 + 59, "2d 4h"),
        (86400 + 30, "1d"),
        (-5, "0s"),
    ],
)
def test_format_span(seconds: float, text: str) -> None:
    assert format_span(seconds) == text
