"""``delete|hold|requeue QUERY --yes`` acts while the listing streams
(:mod:`mailq_tui.cli_act_streamed`): the gate that holds the ids back while every message
listed so far was selected, and, against stand-in ``postqueue``/``postsuper`` scripts, a
postsuper that must have started before the listing can end."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from mailq_tui.cli_act_streamed import _Gate

#: Fails the test instead of hanging it when the CLI waits for the whole listing first.
GUARD_SECONDS = 120


async def _handed(gate: _Gate) -> list[list[str]]:
    gate.end()
    return [batch async for batch in gate.ids()]


def test_the_gate_holds_ids_while_every_message_so_far_was_selected() -> None:
    gate = _Gate(allow_all=False)
    assert gate.add(["A1", "A2"], left_out=False) == 0
    assert gate.add(["A3"], left_out=False) == 0
    assert not gate.open
    # A message left out: the selection is not the whole queue; everything waiting goes.
    assert gate.add(["A4"], left_out=True) == 4
    assert gate.add([], left_out=False) == 0
    assert gate.add(["A5"], left_out=False) == 1
    assert asyncio.run(_handed(gate)) == [["A1", "A2", "A3", "A4"], ["A5"]]


def test_a_gate_that_never_opens_hands_nothing_over() -> None:
    gate = _Gate(allow_all=False)
    for ids in (["A1"], ["A2", "A3"]):
        gate.add(ids, left_out=False)
    assert asyncio.run(_handed(gate)) == [] and gate.waiting == ["A1", "A2", "A3"]


def test_all_opens_the_gate_from_the_start() -> None:
    gate = _Gate(allow_all=True)
    assert gate.add(["A1"], left_out=False) == 1
    assert asyncio.run(_handed(gate)) == [["A1"]]


def _record(qid: str, domain: str) -> str:
    return json.dumps(
        {
            "queue_name": "deferred",
            "queue_id": qid,
            "arrival_time": 1_700_000_000,
            "message_size": 500,
            "sender": "s@example.org",
            "recipients": [{"address": f"u@{domain}", "delay_reason": "refused"}],
        }
    )


POSTQUEUE = """#!/bin/sh
case "$1" in
  -i) exit 0 ;;
  -j)
    if mkdir "{d}/listed" 2>/dev/null; then
      cat "{d}/head.jsonl"
      read go < "{d}/gate"
      cat "{d}/tail.jsonl"
    else
      cat "{d}/head.jsonl"
    fi ;;
  *) exit 64 ;;
esac
"""
POSTSUPER = """#!/bin/sh
n=0
while read id; do
  echo "$id" >> "{d}/given"
  if [ ! -e "{d}/opened" ]; then touch "{d}/opened"; echo go > "{d}/gate"; fi
  echo "postsuper: $id: removed" >&2
  n=$((n + 1))
done
echo "postsuper: Deleted: $n messages" >&2
"""


def test_postsuper_starts_before_the_listing_ends(tmp_path: Path) -> None:
    """postqueue prints two selected messages and one left out, then waits until postsuper
    has read its first id: a CLI that waited for the whole listing would never finish."""
    head = [_record("4A0001", "a.example"), _record("4A0002", "b.example")]
    head.append(_record("4A0003", "a.example"))
    tail = [_record("4A0004", "a.example"), _record("4A0005", "a.example")]
    (tmp_path / "head.jsonl").write_text("".join(line + "\n" for line in head))
    (tmp_path / "tail.jsonl").write_text("".join(line + "\n" for line in tail))
    os.mkfifo(tmp_path / "gate")
    for name, script in (("postqueue", POSTQUEUE), ("postsuper", POSTSUPER)):
        tool = tmp_path / name
        tool.write_text(script.format(d=tmp_path))
        tool.chmod(0o755)
    postconf = tmp_path / "postconf"
    postconf.write_text("#!/bin/sh\nexit 1\n")
    postconf.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "MAILQ_TUI_AUDIT_LOG": str(tmp_path / "audit.log"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "mailq_tui", "delete", "domain:a.example", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Deleted 4 messages\n"), done.stdout
    given = (tmp_path / "given").read_text().split()
    assert given == ["4A0001", "4A0003", "4A0004", "4A0005"]
    (line,) = (tmp_path / "audit.log").read_text().splitlines()
    record = json.loads(line)
    assert record["action"] == "delete" and record["exit_code"] == 0
    assert "Query: domain:a.example" in done.stderr
