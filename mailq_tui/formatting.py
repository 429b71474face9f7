"""Short human formatting shared by the CLI and the app: ages, sizes, counted words and
per-queue counts.

No Textual and no CLI here, so both front ends (and the model's summaries) can import it and
say the same thing the same way: one spelling of "3 deferred, 1 hold" everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import humanize


def short_age(seconds: float) -> str:
    """``45s``, ``12m``, ``3h``, ``2d``: compact ages for narrow columns."""
    seconds = max(0, int(seconds))
    for unit, width in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= width:
            return f"{seconds // width}{unit}"
    return f"{seconds}s"


def short_size(size: int) -> str:
    """``812B``, ``4.1K``, ``2.0M`` (binary units, like ``ls -h``)."""
    return (
        humanize.naturalsize(size, binary=True, format="%.1f")
        .replace("iB", "")
        .replace(" ", "")
        .replace("Bytes", "B")
        .replace("Byte", "B")
    )


def count(n: int) -> str:
    """``51,274``: a count as the app and the CLI write it in sentences (thousands
    separated, so big queues read at a glance)."""
    return f"{n:,}"


def plural(n: int, word: str) -> str:
    """``1 message`` / ``3 messages`` / ``51,274 messages``."""
    return f"{count(n)} {word}{'' if n == 1 else 's'}"


def breakdown_text(counts: Mapping[str, int]) -> str:
    """``30 deferred, 7 hold``: per-queue counts, in the order given (callers pass
    :func:`mailq_tui.model.selection.per_queue`, which is in Postfix's queue order)."""
    return ", ".join(f"{count(n)} {q}" for q, n in counts.items())
