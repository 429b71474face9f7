"""The re-check streams into postsuper: each id goes to postsuper as soon as the fresh listing
has confirmed it, so the listing and postsuper overlap (a bulk delete of half a big queue costs
about the delete, not the listing plus the delete), and only confirmed ids ever reach it.

The fake tools make the overlap a condition, not a timing: the fake ``postqueue -j`` prints
the first half of the listing, then waits (a FIFO) until the fake postsuper has read an id; a
re-check that waited for the whole listing before starting postsuper would never get the
second half (its read times out and the action fails).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import msgspec

from mailq_tui.engine import QueueEngine
from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.recheck import (
    SKIP_NOT_HELD,
    SKIP_REUSED,
    SKIP_VANISHED,
    StreamedRecheck,
    recheck,
)
from mailq_tui.postfix.commands import PostfixTools
from mailq_tui.postfix.postsuper import postsuper_queues

FAKE = r"""
import os, sys
here, tool, args = sys.argv[1], os.path.basename(sys.argv[2]), sys.argv[3:]
if tool == "postqueue" and args[-1] == "-j":
    lines = open(os.path.join(here, "listing.jsonl")).read().splitlines(True)
    half = len(lines) // 2
    sys.stdout.write("".join(lines[:half]))
    sys.stdout.flush()
    open(os.path.join(here, "gate")).read()  # until postsuper has read an id
    if os.path.exists(os.path.join(here, "never")):
        open(os.path.join(here, "never")).read()  # nobody writes: the listing never ends
    sys.stdout.write("".join(lines[half:]))
elif tool == "postsuper":
    with open(os.path.join(here, "postsuper-args"), "w") as f:
        f.write(" ".join(args))
    done = 0
    for line in sys.stdin:
        with open(os.path.join(here, "postsuper-ids"), "a") as f:
            f.write(line)
        if done == 0:
            with open(os.path.join(here, "gate"), "w") as gate:
                gate.write("go\n")
        done += 1
        sys.stderr.write(f"postsuper: {line.strip()}: removed\n")
    sys.stderr.write(f"postsuper: Deleted: {done} messages\n")
elif tool == "postconf":
    sys.exit(1)
"""


def msg(qid: str, queue: str = "deferred", arrival: int = 1_700_000_000) -> Message:
    return Message(queue, qid, arrival, 1000, "a@sender.test", [Recipient("b@rcpt.test")])


def record(m: Message) -> str:
    return json.dumps(
        {
            "queue_name": m.queue_name,
            "queue_id": m.queue_id,
            "arrival_time": m.arrival_time,
            "message_size": m.message_size,
            "forced_expire": False,
            "sender": m.sender,
            "recipients": [{"address": r.address} for r in m.recipients],
        }
    )


def fake_tools(tmp_path: Path, listing: list[Message]) -> PostfixTools:
    (tmp_path / "listing.jsonl").write_text("".join(record(m) + "\n" for m in listing))
    os.mkfifo(tmp_path / "gate")
    script = tmp_path / "fake.py"
    script.write_text(FAKE)
    return PostfixTools(prefix=(sys.executable, str(script), str(tmp_path)), timeout=20)


async def test_postsuper_gets_confirmed_ids_while_the_listing_still_streams(
    tmp_path: Path,
) -> None:
    listing = [msg(f"1A2B3C4D{i:02X}") for i in range(8)]
    first_half, second_half = listing[1], listing[6]
    reused = msgspec.structs.replace(listing[2], arrival_time=5)
    targets = [first_half, reused, second_half, msg("9F9F9F9F9F")]
    engine = QueueEngine(
        tools=fake_tools(tmp_path, listing), audit_log=tmp_path / "audit.log", user=("root", 0)
    )
    report = await engine.act("delete", targets)
    assert not report.errors, report.errors
    assert report.done == 2
    sent = (tmp_path / "postsuper-ids").read_text().split()
    assert sent == [first_half.queue_id, second_half.queue_id]
    assert report.skipped == [
        (reused.queue_id, SKIP_REUSED),
        ("9F9F9F9F9F", SKIP_VANISHED),
    ]
    assert (tmp_path / "postsuper-args").read_text() == "-d - " + " ".join(
        postsuper_queues("delete")
    )


async def test_a_stop_does_not_wait_for_the_rest_of_the_listing(tmp_path: Path) -> None:
    """Stopped once postsuper deleted the first half's targets, while the fresh listing
    hangs: the action ends at once, says what it did and leaves the rest untouched."""
    listing = [msg(f"1A2B3C4D{i:02X}") for i in range(8)]
    tools = fake_tools(tmp_path, listing)
    os.mkfifo(tmp_path / "never")
    engine = QueueEngine(tools=tools, audit_log=tmp_path / "audit.log", user=("root", 0))
    stop = asyncio.Event()

    def progress(done: int, total: int) -> None:
        if done:  # postsuper works on the first half's ids; the listing hangs on "never"
            stop.set()

    report = await engine.act("delete", listing, progress=progress, stop=stop)
    assert report.interrupted and not report.errors, report.errors
    assert report.done == 4 and not report.skipped
    assert (tmp_path / "postsuper-ids").read_text().split() == [m.queue_id for m in listing[:4]]


def test_streamed_recheck_decides_like_the_whole_listing() -> None:
    seen = {q: msg(q) for q in ("A1", "B2", "C3", "D4", "E5")}
    # A1 moved during the scan (listed twice), B2 reused, C3 gone, D4 confirmed on its
    # second copy only, E5 not held.
    batches = [
        [msg("A1"), msg("B2", arrival=9), msg("D4", arrival=3), msg("Z9")],
        [msg("A1", queue="hold"), msg("D4", queue="hold"), msg("E5")],
    ]
    streamed = StreamedRecheck("release", seen)
    assert [streamed.feed(b) for b in batches] == [[], ["A1", "D4"]]
    result = streamed.finish()
    whole = recheck("release", seen, {m.queue_id: m for b in batches for m in b})
    assert result.survivors == whole.survivors
    expected = [("B2", SKIP_REUSED), ("C3", SKIP_VANISHED), ("E5", SKIP_NOT_HELD)]
    assert result.skipped == whole.skipped == expected


def test_a_confirmed_id_goes_to_postsuper_once() -> None:
    streamed = StreamedRecheck("delete", {"A1": msg("A1")})
    assert streamed.feed([msg("A1", queue="active")]) == ["A1"]
    assert streamed.feed([msg("A1", queue="deferred")]) == []
    assert streamed.finish().skipped == []


def test_postsuper_queues_per_action() -> None:
    assert postsuper_queues("release") == ["hold"]
    assert "hold" not in postsuper_queues("hold")
    everywhere = set(postsuper_queues("delete"))
    assert everywhere == set(postsuper_queues("requeue")) >= {"hold", "deferred", "active"}
