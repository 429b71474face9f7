"""Flushing: ``postqueue -f`` (all), ``-s SITE`` (one destination), ``-i ID`` (one message).

postqueue prints nothing on success; Postfix does not say which messages it then delivers.
Refusals: ``fatal: Cannot flush mail queue - mail system is down`` (exit 69),
``User NAME(UID) is not allowed to flush the mail queue``, ``Flush service is not configured
for destination "SITE"`` (``fast_flush_domains``; callers fall back to ``-i`` per message), and
``Cannot flush queue ID - invalid name`` for a bad id. ``-i`` takes one id per run.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from mailq_tui.postfix.commands import PostfixError, PostfixTools, friendly_error, run_tool
from mailq_tui.postfix.queue_ids import is_valid_queue_id
from mailq_tui.reports import ProgressCallback

#: A destination as ``postqueue -s`` takes it: a domain, ``[host]``, ``[ip]:port``. No leading
#: ``-`` (it would be read as an option) and nothing exotic.
_SITE_RE = re.compile(r"^(?!-)[A-Za-z0-9._\-\[\]:]{1,255}$")

FLUSH_NOT_CONFIGURED = "flush service is not configured for destination"


def is_valid_site(site: str) -> bool:
    """True for something ``postqueue -s`` may be given."""
    return bool(_SITE_RE.match(site))


@dataclass
class FlushResult:
    """Outcome of one or more postqueue flush requests."""

    requested: int = 0
    #: Requests postqueue accepted (exit status 0).
    accepted: int = 0
    errors: list[str] = field(default_factory=list)
    #: True when a site flush was refused because fast flush is not configured for the site.
    not_configured: bool = False
    exit_code: Optional[int] = None
    #: Requests not attempted because a stop was requested (Ctrl+C, SIGTERM, hangup, quit).
    stopped: int = 0


async def _one(tools: PostfixTools, *args: str) -> tuple[int, str]:
    try:
        res = await run_tool(tools, "postqueue", *args)
    except PostfixError as exc:
        return -1, exc.message
    if res.returncode == 0:
        return 0, ""
    return res.returncode, res.stderr


async def flush_all(tools: PostfixTools) -> FlushResult:
    """``postqueue -f``: attempt delivery of everything now."""
    code, err = await _one(tools, "-f")
    result = FlushResult(requested=1, exit_code=code)
    if code == 0:
        result.accepted = 1
    else:
        result.errors.append(friendly_error("postqueue -f", err, code))
    return result


async def flush_site(tools: PostfixTools, site: str) -> FlushResult:
    """``postqueue -s SITE``; ``not_configured`` tells the caller to fall back to ``-i``."""
    if not is_valid_site(site):
        raise ValueError(f"not a destination postqueue -s accepts: {site!r}")
    code, err = await _one(tools, "-s", site)
    result = FlushResult(requested=1, exit_code=code)
    if code == 0:
        result.accepted = 1
    else:
        result.not_configured = FLUSH_NOT_CONFIGURED in err.lower()
        result.errors.append(friendly_error("postqueue -s", err, code))
    return result


async def flush_ids(
    tools: PostfixTools,
    queue_ids: Sequence[str],
    concurrency: int = 4,
    progress: Optional[ProgressCallback] = None,
    stop: Optional[asyncio.Event] = None,
) -> FlushResult:
    """``postqueue -i ID`` for each id (it takes one per run), a few at a time.

    Every id must be valid (ValueError otherwise). Identical errors are reported once with a
    count; when Postfix is down or the user is not allowed, the rest is not attempted. When
    ``stop`` is set, the requests already running finish and no more are started
    (``result.stopped`` counts those).
    """
    bad = [qid for qid in queue_ids if not is_valid_queue_id(qid)]
    if bad:
        raise ValueError(f"refusing invalid queue id(s): {bad[:3]!r}")
    result = FlushResult(requested=len(queue_ids))
    errors: dict[str, int] = {}
    give_up = asyncio.Event()
    sem = asyncio.Semaphore(max(1, concurrency))
    finished = 0

    async def one(qid: str) -> None:
        nonlocal finished
        async with sem:
            if give_up.is_set():
                return
            if stop is not None and stop.is_set():
                result.stopped += 1
                return
            code, err = await _one(tools, "-i", qid)
            result.exit_code = code
            if code == 0:
                result.accepted += 1
            else:
                msg = friendly_error("postqueue -i", err, code)
                errors[msg] = errors.get(msg, 0) + 1
                low = err.lower()
                if "mail system is down" in low or "not allowed" in low or code == -1:
                    give_up.set()
            finished += 1
            if progress is not None:
                progress(finished, len(queue_ids))

    await asyncio.gather(*(one(qid) for qid in queue_ids))
    for msg, count in errors.items():
        result.errors.append(msg if count == 1 else f"{msg} ({count} times)")
    skipped = len(queue_ids) - finished - result.stopped
    if skipped:
        requests = "flush request was" if skipped == 1 else "flush requests were"
        result.errors.append(f"{skipped:,} more {requests} not made after that error")
    return result
