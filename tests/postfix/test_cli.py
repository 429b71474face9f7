"""The CLI against a real, isolated Postfix: listing formats, reasons, shape (equal to real
qshape), bulk actions with confirmation and honest exit codes, flush."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from mailq_tui.cli import main
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
    assert code == 0 and out.count("deferred") == 14 and "-- 14 message(s)" in out
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
    assert code == 0 and "would delete 4 message(s) (deferred 4)" in out
    assert len(queue.listing()) == 14


def test_delete_hold_release_requeue(queue: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, queue, "delete", "domain:yahoo.com", "--yes")
    assert code == 0 and "delete: 4 of 4 done" in out
    assert not any("yahoo" in r.address for m in queue.listing() for r in m.recipients)
    code, out = run(capsys, queue, "hold", "from:<>", "-y")
    assert code == 0 and "hold: 2 of 2 done" in out
    assert sorted(m.queue_name for m in queue.listing()).count("hold") == 2
    # Releasing deferred mail: nothing is on hold among them, so all are skipped -> exit 1.
    code, out = run(capsys, queue, "release", "queue:deferred", "-y")
    assert code == 1 and "skipped" in out and "not on hold any more" in out
    code, out = run(capsys, queue, "release", "queue:hold", "-y")
    assert code == 0 and "release: 2 of 2 done" in out
    code, out = run(capsys, queue, "requeue", "from:alice", "-y")
    assert code == 0 and "requeue: 8 of 8 done" in out


def test_flush(queue: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, queue, "flush", "--site", "yahoo.com")
    assert code == 0 and "flushed 4 of 4 message(s) one by one" in out
    some = queue.listing()[0].queue_id
    code, out = run(capsys, queue, "flush", "--id", some, "--id", "ABCDEF12345")
    assert code == 1 and "ABCDEF12345: not in the queue" in out
    code, out = run(capsys, queue, "flush")
    assert code == 0 and "flush: 1 of 1 done" in out


def test_privileges(pf: Instance, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = run(capsys, pf, "privileges")
    assert code == 0 and "user: root (root)" in out and "postsuper  yes" in out
    assert str(tmp_path / "audit.log") in out
