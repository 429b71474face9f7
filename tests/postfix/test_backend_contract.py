"""One contract, two backends: the same scenario run on the real engine (a real, isolated
Postfix) and on the recorded test double (``tests/doubles.py``, which the UI tests use) must
give the same reports — done, skipped ids with their reasons, outcomes, errors and notes — and
flush the same messages for a site. The double reuses the engine's re-check
(:mod:`mailq_tui.model.recheck`); this test is what keeps it from drifting anyway."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest

from mailq_tui.engine import (
    SKIP_ALREADY_HELD,
    SKIP_INVALID,
    SKIP_NOT_HELD,
    SKIP_REUSED,
    SKIP_VANISHED,
    QueueEngine,
)
from mailq_tui.model.message import Message
from mailq_tui.reports import ActionReport
from mailq_tui.ui.backend import QueueBackend
from tests.doubles import RecordedBackend
from tests.postfix.conftest import Instance

pytestmark = pytest.mark.sandbox


def facts(report: ActionReport) -> tuple[object, ...]:
    """What the contract compares: everything the report says, in a stable order."""
    return (
        report.action,
        report.requested,
        report.done,
        sorted(report.skipped),
        dict(sorted(report.outcomes.items())),
        report.errors,
        report.notes,
        report.interrupted,
    )


async def scenario(backend: QueueBackend, listing: Sequence[Message]) -> list[tuple[object, ...]]:
    """Hold, delete, then act on what the user saw before: a vanished id, a released one, a
    reused id, mail not on hold, an invalid id, mail already held, a duplicate."""
    a, b, c, d, e = sorted(listing, key=lambda m: m.queue_id)
    reused = msgspec.structs.replace(d, arrival_time=d.arrival_time - 60)
    invalid = msgspec.structs.replace(e, queue_id="not-an-id!")
    steps = [
        ("hold", [b, c, b]),
        ("delete", [a]),
        ("release", [a, b, reused, e, invalid]),
        ("hold", [c, e]),
        ("requeue", [d]),
    ]
    return [facts(await backend.act(action, targets)) for action, targets in steps]


async def test_engine_and_double_report_the_same(pf: Instance, tmp_path: Path) -> None:
    pf.send("alice@sender.test", ["r@remote.test"], n=5)
    listing = pf.wait_deferred(5)
    engine = QueueEngine(pf.config_dir, audit_log=tmp_path / "audit.log")
    double = RecordedBackend(listing)

    real = await scenario(engine, listing)
    recorded = await scenario(double, listing)

    assert recorded == real
    a, b, c, d, e = sorted(m.queue_id for m in listing)
    hold, delete, release, hold_again, requeue = real
    assert hold[1:] == (
        2,
        2,
        [],
        {b: "placed on hold", c: "placed on hold"},
        [],
        ["duplicate ids were counted once"],
        False,
    )
    assert delete[2:5] == (1, [], {a: "removed"})
    assert release[1:5] == (
        5,
        1,
        sorted(
            [
                (a, SKIP_VANISHED),
                (d, SKIP_REUSED),
                (e, SKIP_NOT_HELD),
                ("not-an-id!", SKIP_INVALID),
            ]
        ),
        {b: "released from hold"},
    )
    assert hold_again[2:5] == (1, [(c, SKIP_ALREADY_HELD)], {e: "placed on hold"})
    assert requeue[2:5] == (1, [], {d: "requeued"})
    # The double's queue is the real one (requeued mail gets a new id once picked up).
    queues = {m.queue_id: m.queue_name for m in pf.listing()}
    assert {q: queues.get(q) for q in (a, b, c, e)} == {
        q: ({m.queue_id: m.queue_name for m in double.messages}).get(q) for q in (a, b, c, e)
    }


async def test_engine_and_double_flush_the_same_messages_for_a_site(
    pf: Instance, tmp_path: Path
) -> None:
    pf.send("alice@sender.test", ["r@remote.test"], n=2)
    pf.send("alice@sender.test", ["r@other.test", "s@Remote.Test"])
    pf.send("alice@sender.test", ["r@sub.remote.test"])
    pf.send("alice@sender.test", ["h@remote.test"])
    listing = pf.wait_deferred(5)
    held = next(m for m in listing if m.recipients[0].address == "h@remote.test")
    pf.sandbox.postsuper("-h", held.queue_id)
    listing = pf.listing()
    audit = tmp_path / "audit.log"
    engine = QueueEngine(pf.config_dir, audit_log=audit)
    double = RecordedBackend(listing)

    report = await engine.flush_site("remote.test", listing)
    await double.flush_site("remote.test", listing)

    (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
    ((call, flushed),) = double.calls
    assert call == "flush-site:remote.test"
    assert sorted(flushed) == sorted(record["requested_ids"])
    # Deferred, a recipient at exactly remote.test (any case): not the subdomain, not held.
    expected = {m.queue_id for m in listing if m.queue_id != held.queue_id}
    expected -= {m.queue_id for m in listing if m.recipients[0].address == "r@sub.remote.test"}
    assert set(flushed) == expected and len(expected) == 3
    assert report.done == 3 and "one by one" in report.notes[0]
