"""The CLI against a real, isolated Postfix: listing formats, reasons, shape (equal to real
qshape), bulk actions with confirmation and honest exit codes, flush."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mailq_tui.cli import main
from mailq_tui.engine import QueueEngine
from mailq_tui.reports import ActionReport
from mailq_tui.sandbox.instance import Sandbox
from tests.postfix.conftest import Instance, qshape_rows

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True)
def _audit_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILQ_TUI_AUDIT_LOG", str(tmp_path / "audit.log"))


@pytest.fixture
def queue(pf: Instance) -> Instance:
    """10 messages to gmail (2 from the null sender), 4 to yahoo+gmail, all deferred."""
    pf.send("alice@example.org", ["u1@gmail.com"], n=8)
    pf.send("", ["u2@gmail.com"], n=2)
    pf.send("bob@example.net", ["v1@yahoo.com", "v2@gmail.com"], n=4)
    pf.wait_deferred(14)
    return pf


def run(capsys: pytest.CaptureFixture[str], inst: Instance, *args: str) -> tuple[int, str]:
    code = main(["-c", inst.config_dir, *args])
    return code, capsys.readouterr().out


def test_ls_formats(queue: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, queue, "ls")
    assert code == 0 and out.count("deferred") == 14 and "-- 14 messages" in out
    code, out = run(capsys, queue, "ls", "domain:yahoo.com", "--ids")
    ids = out.split()
    assert len(ids) == 4 and set(ids) <= {m.queue_id for m in queue.listing()}
    code, out = run(capsys, queue, "ls", "from:<>", "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2 and all(r["sender"] == "MAILER-DAEMON" for r in records)
    code, out = run(capsys, queue, "ls", "from:bob", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 8 and {r["recipient"] for r in rows} == {"v1@yahoo.com", "v2@gmail.com"}
    assert "Connection refused" in rows[0]["delay_reason"]


def test_bad_query_exits_2(pf: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-c", pf.config_dir, "ls", "age:soon"]) == 2
    assert "column 5" in capsys.readouterr().err


def test_reasons_and_groups(queue: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, queue, "reasons")
    assert code == 0
    assert "connect to <host>: Connection refused" in out
    assert "hint: Destination down or unreachable" in out
    code, out = run(capsys, queue, "groups", "--by", "domain", "--json")
    groups = {g["key"]: g["messages"] for g in map(json.loads, out.splitlines())}
    assert groups == {"gmail.com": 14, "yahoo.com": 4}


@pytest.mark.parametrize("sender", [False, True])
def test_shape_equals_real_qshape(
    queue: Instance, capsys: pytest.CaptureFixture[str], sender: bool
) -> None:
    real = subprocess.run(
        ["qshape", "-c", queue.config_dir, *(["-s"] if sender else []), "deferred"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert real.stderr == ""
    code, out = run(
        capsys, queue, "shape", "--queue", "deferred", *(["--by", "sender"] if sender else [])
    )
    assert code == 0
    assert out.splitlines()[0] == real.stdout.splitlines()[0]
    assert qshape_rows(out) == qshape_rows(real.stdout)
    assert qshape_rows(out)["TOTAL"][0] == (14 if sender else 18)


def test_delete_needs_confirmation(queue: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-c", queue.config_dir, "delete", "domain:yahoo.com"])
    assert code == 2 and "not confirmed" in capsys.readouterr().err
    assert len(queue.listing()) == 14
    code, out = run(capsys, queue, "delete", "domain:yahoo.com", "--dry-run")
    assert code == 0 and "would delete 4 messages (4 deferred)" in out
    assert len(queue.listing()) == 14


def test_delete_hold_release_requeue(queue: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, queue, "delete", "domain:yahoo.com", "--yes")
    assert code == 0 and out.startswith("Deleted 4 messages\n")
    assert not any("yahoo" in r.address for m in queue.listing() for r in m.recipients)
    code, out = run(capsys, queue, "hold", "from:<>", "-y")
    assert code == 0 and out.startswith("Held 2 messages\n")
    assert sorted(m.queue_name for m in queue.listing()).count("hold") == 2
    # Releasing deferred mail: nothing is on hold among them, so all are skipped, but they are
    # already released (the state asked for): reported, exit 0.
    code, out = run(capsys, queue, "release", "queue:deferred", "-y")
    assert code == 0 and out.startswith("Nothing released: 8 messages were not on hold\n")
    assert out.count("skipped") == 8 and "not on hold any more" in out
    code, out = run(capsys, queue, "release", "queue:hold", "-y")
    assert code == 0 and out.startswith("Released 2 messages\n")
    code, out = run(capsys, queue, "requeue", "from:alice", "-y")
    assert code == 0 and out.startswith("Requeued 8 messages\n")


def test_a_delete_with_yes_deletes_exactly_the_selection_and_audits_it(
    queue: Instance, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """With --yes the ids go to postsuper as the listing streams: exactly the selection,
    each once, in the audit line too."""
    listed = queue.listing()
    yahoo = sorted(m.queue_id for m in listed if any("yahoo" in r.address for r in m.recipients))
    others = {m.queue_id for m in listed} - set(yahoo)
    code, out = run(capsys, queue, "delete", "domain:yahoo.com", "--yes")
    assert code == 0 and out.startswith("Deleted 4 messages\n")
    assert set(queue.by_id_with(others)) == others
    (line,) = audit_records(tmp_path)
    assert sorted(line["requested_ids"]) == yahoo  # type: ignore[call-overload]
    assert line["requested"] == 4 and line["done"] == 4 and line["exit_code"] == 0


def audit_records(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]


def test_a_hold_of_mail_partly_held_already_exits_0_and_says_so(
    queue: Instance, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    alice = sorted(m.queue_id for m in queue.listing() if m.sender == "alice@example.org")
    queue.sandbox.postsuper("-h", "-", input="\n".join(alice[:4]) + "\n")
    assert sum(m.queue_name == "hold" for m in queue.listing()) == 4
    code, out = run(capsys, queue, "hold", "from:alice", "--yes")
    assert code == 0, out
    assert out.startswith("Held 4 of 8 messages; 4 were already on hold\n")
    assert sorted(out.splitlines()[1:]) == [f"  skipped {q}: already on hold" for q in alice[:4]]
    assert {m.queue_name for m in queue.listing() if m.queue_id in alice} == {"hold"}
    (line,) = audit_records(tmp_path)
    assert line["exit_code"] == 0 and len(line["skipped"]) == 4  # type: ignore[arg-type]
    # Once more: everything is already on hold, nothing is done, and that is still success.
    code, out = run(capsys, queue, "hold", "from:alice", "--yes")
    assert code == 0 and out.startswith("Nothing held: 8 messages were already on hold\n")


def test_a_vanished_id_among_already_held_ones_still_exits_1(
    queue: Instance,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bob = sorted(m.queue_id for m in queue.listing() if m.sender == "bob@example.net")
    queue.sandbox.postsuper("-h", bob[0])
    real_act = QueueEngine.act

    async def act_after_one_leaves(self: QueueEngine, *args: Any, **kw: Any) -> ActionReport:
        """The CLI selected the messages; one is deleted before the re-check sees the queue."""
        queue.sandbox.postsuper("-d", bob[1])
        return await real_act(self, *args, **kw)

    monkeypatch.setattr(QueueEngine, "act", act_after_one_leaves)
    # Confirmed by answering the question: with --yes the hold would act as the listing
    # streams (no re-check: tests/unit/test_cli_act_streamed.py).
    monkeypatch.setattr("mailq_tui.cli_commands._confirm", lambda question: True)
    code, out = run(capsys, queue, "hold", "from:bob")
    assert code == 1, out
    assert out.startswith("Held 2 of 4 messages; 1 was already on hold; 1 had left the queue\n")
    assert f"  skipped {bob[1]}: no longer in the queue" in out
    (line,) = audit_records(tmp_path)
    assert line["exit_code"] == 1


def test_flush(queue: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, queue, "flush", "--site", "yahoo.com")
    assert code == 0 and out.startswith(
        "Flushed 4 deferred messages for yahoo.com (queued for immediate delivery); "
        "fast flush is not configured for yahoo.com (postqueue -s refused), so its messages "
        "were flushed one by one with postqueue -i\n"
    )
    some = queue.listing()[0].queue_id
    code, out = run(capsys, queue, "flush", "--id", some, "--id", "ABCDEF12345")
    assert code == 1 and "ABCDEF12345: not in the queue" in out
    assert out.startswith(
        "Flushed 1 of 2 messages (queued for immediate delivery); 1 was not in the queue\n"
    )
    code, out = run(capsys, queue, "flush")
    assert code == 0 and out.startswith("Flush of the whole queue requested; ")


def test_privileges(pf: Instance, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = run(capsys, pf, "privileges")
    assert code == 0 and "user: root (root)" in out and "postsuper  yes" in out
    assert str(tmp_path / "audit.log") in out


def dry_run_ids(capsys: pytest.CaptureFixture[str], box: Sandbox, *words: str) -> list[str]:
    """The ids a dry run of ``hold`` would act on (the first line says what it would do);
    ``--`` lets a negated term be a word of its own."""
    code = main(["-c", box.config_dir, "hold", "--dry-run", "--", *words])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[0].startswith("dry run: would")
    return lines[1:]


@pytest.mark.parametrize(
    "words",
    [
        ["-domain:freemail.example.net", "queue:deferred"],
        ["to:grey", "reason:greylisted"],
        ['reason:"too many connections"', "-domain:bigmail.example.com"],
    ],
)
def test_one_shell_word_selects_what_several_words_select(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], words: list[str]
) -> None:
    total = len(sandbox.listing())
    separate = dry_run_ids(capsys, sandbox, *words)
    assert 0 < len(separate) < total
    assert dry_run_ids(capsys, sandbox, " ".join(words)) == separate
    code = main(["-c", sandbox.config_dir, "ls", "--ids", " ".join(words)])
    assert code == 0 and sorted(capsys.readouterr().out.split()) == sorted(separate)


@pytest.mark.parametrize(
    "words",
    [[], [""], [" "], ['""'], ["queue:deferred"], ["-domain:hostlie.example"]],
)
def test_an_empty_or_whole_queue_selection_is_refused_without_all(
    queue: Instance, capsys: pytest.CaptureFixture[str], words: list[str]
) -> None:
    before = queue.by_id()
    for command in ("delete", "hold", "requeue"):
        assert main(["-c", queue.config_dir, command, "--yes", "--", *words]) == 2
        err = capsys.readouterr().err
        assert "--all" in err or "matches every message" in err
    assert main(["-c", queue.config_dir, "delete", "--dry-run", "--", *words]) == 2
    assert queue.by_id() == before


def test_the_refusal_says_how_the_query_was_read(
    queue: Instance, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-c", queue.config_dir, "delete", "-y", "--", "-domain:hostlie.example"]) == 2
    err = capsys.readouterr().err
    assert "Query: -domain:hostlie.example" in err
    assert "Selects ALL 14 messages in the queue (14 deferred)." in err
    assert "no message matches domain:hostlie.example" in err
    assert "refusing to delete ALL 14 messages in the queue" in err
    assert main(["-c", queue.config_dir, "delete", "-y"]) == 2
    assert "the query is empty" in capsys.readouterr().err
    assert len(queue.listing()) == 14


def test_all_acts_on_everything_but_never_widens_a_query(
    queue: Instance, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, queue, "hold", "--all", "from:bob", "--yes")
    assert code == 0 and out.startswith("Held 4 messages\n")
    assert sum(m.queue_name == "hold" for m in queue.listing()) == 4
    code, out = run(capsys, queue, "delete", "--all", "--yes")
    assert code == 0 and out.startswith("Deleted 14 messages\n")
    assert queue.listing() == []


def test_csv_neutralises_a_formula_sender_and_json_keeps_it(
    pf: Instance, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "=cmd|'/Ccalc'!A0@evil.example"
    pf.send(evil, ["+1@gmail.com"])
    pf.wait_deferred(1)
    code, out = run(capsys, pf, "ls", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0]["sender"] == "'" + evil
    assert rows[0]["recipient"] == "'+1@gmail.com"
    code, out = run(capsys, pf, "ls", "--json")
    assert code == 0 and json.loads(out)["sender"] == evil


def test_global_options_after_the_subcommand(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """``mailq-tui ls --ids -c DIR``: the config directory given after the subcommand is the
    one listed (the sandbox's queue, not the machine's)."""
    expected = sorted(m.queue_id for m in sandbox.listing())
    code = main(["ls", "--ids", "-c", sandbox.config_dir])
    assert code == 0 and expected
    assert sorted(capsys.readouterr().out.split()) == expected
