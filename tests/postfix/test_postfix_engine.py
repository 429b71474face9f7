"""The engine against a real, isolated Postfix instance: every action really changes the queue."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import msgspec
import pytest

from mailq_tui.engine import SKIP_REUSED, SKIP_VANISHED, QueueEngine
from mailq_tui.postfix.commands import PostfixError, PostfixTools
from mailq_tui.postfix.listing import list_queue
from tests.postfix.conftest import Instance

pytestmark = pytest.mark.sandbox


@pytest.fixture
def engine(pf: Instance, tmp_path: Path) -> QueueEngine:
    return QueueEngine(pf.config_dir, audit_log=tmp_path / "audit.log")


def _audit(tmp_path: Path) -> list[dict]:
    return [json.loads(x) for x in (tmp_path / "audit.log").read_text().splitlines()]


async def test_snapshot_matches_postqueue(pf: Instance, engine: QueueEngine) -> None:
    pf.send("", ["bounce@remote.test"])
    pf.send("alice@sender.test", ["a@remote.test", "b@remote.test"], n=3)
    pf.send("MAILER-DAEMON", ["c@remote.test"])
    direct = pf.wait_deferred(5)
    snap = await engine.snapshot()
    assert sorted(snap.messages, key=lambda m: m.queue_id) == sorted(
        direct, key=lambda m: m.queue_id
    )
    assert snap.duration > 0 and snap.warnings == []
    # both the null sender and a literal MAILER-DAEMON are stored as <> and listed alike
    assert sum(m.sender == "MAILER-DAEMON" for m in snap.messages) == 2


async def test_big_recipient_list_streams(pf: Instance, engine: QueueEngine) -> None:
    rcpts = [f"user{i:04d}-with-a-long-local-part@remote{i % 3}.test" for i in range(900)]
    pf.send("big@sender.test", rcpts)
    pf.wait_deferred(1)
    snap = await engine.snapshot()
    (msg,) = snap.messages
    assert len(msg.recipients) == 900
    assert len(msgspec.json.encode(msg)) > 64 * 1024


async def test_text_fallback_reads_the_same_queue(pf: Instance) -> None:
    pf.send("bob@sender.test", ["x@remote.test", "y@remote.test"], n=2)
    pf.wait_deferred(2)
    tools = PostfixTools(config_dir=pf.config_dir)
    js = await list_queue(tools, use_json=True)
    txt = await list_queue(tools, use_json=False)
    key = lambda m: m.queue_id  # noqa: E731
    assert sorted(txt.messages, key=key) == sorted(js.messages, key=key)


@pytest.mark.parametrize("action", ["delete", "hold", "requeue"])
async def test_actions_change_the_queue(
    pf: Instance, engine: QueueEngine, tmp_path: Path, action: str
) -> None:
    pf.send("carol@sender.test", ["z@remote.test"], n=4)
    msgs = pf.wait_deferred(4)
    targets = msgs[:2]
    calls: list[tuple[int, int]] = []
    report = await engine.act(action, targets, progress=lambda d, t: calls.append((d, t)))
    assert report.errors == [] and report.skipped == []
    assert report.done == 2 and report.requested == 2
    assert set(report.outcomes) == {m.queue_id for m in targets}
    assert calls[-1] == (2, 2)
    after = pf.by_id_with({m.queue_id for m in msgs[2:]})
    # The others keep their id and arrival: qmgr may be retrying one right now (active), but
    # none was deleted, held, or requeued (a requeued file comes back under a new id).
    for m in msgs[2:]:
        assert after[m.queue_id].identity() == m.identity()
        assert after[m.queue_id].queue_name in ("deferred", "active")
    if action == "delete":
        assert not {m.queue_id for m in targets} & set(after)
    elif action == "hold":
        assert all(after[m.queue_id].queue_name == "hold" for m in targets)
    else:  # requeue moves the file to maildrop; pickup may give it a new id
        for m in targets:
            assert m.queue_id not in after or after[m.queue_id].queue_name != "deferred"
        assert set(report.outcomes.values()) == {"requeued"}
    (rec,) = _audit(tmp_path)
    assert rec["action"] == action and rec["done"] == 2
    assert sorted(rec["requested_ids"]) == sorted(m.queue_id for m in targets)


async def test_release(pf: Instance, engine: QueueEngine) -> None:
    pf.send("dave@sender.test", ["r@remote.test"], n=3)
    msgs = pf.wait_deferred(3)
    held = await engine.act("hold", msgs)
    assert held.done == 3
    snap = await engine.snapshot()
    report = await engine.act("release", snap.messages[:2])
    assert report.done == 2 and report.ok
    after = pf.by_id()
    assert sorted(m.queue_name for m in after.values()) == ["deferred", "deferred", "hold"]
    # releasing a message that is not on hold any more is skipped, not sent to postsuper
    again = await engine.act("release", snap.messages[:1])
    assert again.done == 0 and again.skipped[0][1] == "not on hold any more"


async def test_reused_id_is_skipped_not_touched(
    pf: Instance, engine: QueueEngine, tmp_path: Path
) -> None:
    pf.send("eve@sender.test", ["q@remote.test"], n=3)
    a, b, c = pf.wait_deferred(3)
    seen_a = msgspec.structs.replace(a, arrival_time=a.arrival_time - 3600)
    seen_b = msgspec.structs.replace(b, sender="someone-else@sender.test")
    gone = msgspec.structs.replace(c, queue_id="ABCDEF0123")
    report = await engine.act("delete", [seen_a, seen_b, gone, c])
    assert dict(report.skipped) == {
        a.queue_id: SKIP_REUSED,
        b.queue_id: SKIP_REUSED,
        "ABCDEF0123": SKIP_VANISHED,
    }
    assert report.done == 1 and report.outcomes == {c.queue_id: "removed"}
    assert not report.ok
    assert set(pf.by_id()) == {a.queue_id, b.queue_id}
    (rec,) = _audit(tmp_path)
    assert len(rec["skipped"]) == 3


async def test_invalid_ids_never_reach_postsuper(pf: Instance, engine: QueueEngine) -> None:
    pf.send("frank@sender.test", ["v@remote.test"], n=2)
    msgs = pf.wait_deferred(2)
    evil = msgspec.structs.replace(msgs[0], queue_id="ABC\n-d ALL")
    report = await engine.act("delete", [evil])
    assert report.done == 0 and report.skipped == [("ABC\n-d ALL", "not a valid queue id")]
    assert len(pf.listing()) == 2


async def test_flush_all_and_ids(pf: Instance, engine: QueueEngine) -> None:
    pf.send("gina@sender.test", ["w@remote.test"], n=2)
    msgs = pf.wait_deferred(2)
    report = await engine.flush_all()
    assert report.done == 1 and report.errors == []
    report = await engine.flush_ids(msgs)
    assert report.done == 2 and report.errors == []


async def test_flush_site_falls_back_to_ids(pf: Instance, engine: QueueEngine) -> None:
    pf.send("hank@sender.test", ["w@remote.test"], n=2)
    msgs = pf.wait_deferred(2)
    report = await engine.flush_site("remote.test", msgs)
    assert report.done == 2 and report.errors == []
    assert report.notes[0].startswith("fast flush is not configured for remote.test")
    bad = await engine.flush_site("-f", msgs)
    assert bad.done == 0 and bad.errors


async def test_flush_when_down_is_a_clear_error(pf: Instance, engine: QueueEngine) -> None:
    pf.send("ivan@sender.test", ["w@remote.test"])
    msgs = pf.wait_deferred(1)
    assert pf.postfix("stop").returncode == 0
    try:
        report = await engine.flush_all()
        assert report.done == 0 and "not running" in report.errors[0]
        report = await engine.flush_ids(msgs)
        assert report.done == 0 and "not running" in report.errors[0]
        snap = await engine.snapshot()  # root: a warning and the listing
        assert len(snap.messages) == 1 and any("down" in w.lower() for w in snap.warnings)
    finally:
        pf.postfix("start")


async def test_postcat(pf: Instance, engine: QueueEngine) -> None:
    pf.send("judy@sender.test", ["p@remote.test"], subject="hello [bold]world[/]")
    (msg,) = pf.wait_deferred(1)
    res = await engine.postcat(msg.queue_id)
    assert res.error is None
    assert res.header("Subject") == "hello [bold]world[/] 0"
    assert ("sender", "judy@sender.test") in res.envelope
    assert res.body.strip() == "body 0"
    small = await engine.postcat(msg.queue_id, max_bytes=200)
    assert small.truncated and small.bytes_read == 200
    missing = await engine.postcat("ABCDEF0123")
    assert missing.error is not None and "no longer in the queue" in missing.error


async def test_privileges_root(pf: Instance, engine: QueueEngine) -> None:
    privs = await engine.privileges()
    assert privs.is_root and privs.user == "root"
    assert all(c.allowed for c in (privs.list, privs.flush, privs.postsuper, privs.postcat))
    settings = await engine.settings()
    assert settings.mail_version.startswith("3.")
    assert settings.maximal_queue_lifetime == 5 * 86400
    assert settings.queue_directory.startswith(str(pf.root))


async def test_bad_config_dir_is_a_friendly_error(tmp_path: Path) -> None:
    engine = QueueEngine(str(tmp_path / "nope"), audit_log=tmp_path / "a.log")
    with pytest.raises(PostfixError) as info:
        await engine.snapshot()
    assert "Traceback" not in str(info.value) and str(info.value).startswith("postqueue")


async def test_non_root_user(
    pf: Instance, unprivileged_user: pwd.struct_passwd, tmp_path: Path
) -> None:
    pf.send("kim@sender.test", ["u@remote.test"], n=2)
    msgs = pf.wait_deferred(2)
    tools = PostfixTools(config_dir=pf.config_dir, prefix=pf.run_as_prefix(unprivileged_user))
    engine = QueueEngine(
        tools=tools,
        audit_log=tmp_path / "audit.log",
        user=(unprivileged_user.pw_name, unprivileged_user.pw_uid),
    )
    snap = await engine.snapshot()
    assert {m.queue_id for m in snap.messages} == {m.queue_id for m in msgs}
    privs = await engine.privileges()
    assert not privs.is_root and privs.list.allowed and privs.flush.allowed
    assert not privs.postsuper.allowed and "needs root" in privs.postsuper.reason
    assert not privs.postcat.allowed and "postcat" in privs.postcat.reason
    report = await engine.act("delete", msgs)
    assert report.done == 0 and "needs root" in report.errors[0]
    assert len(pf.listing()) == 2
    flush = await engine.flush_site("remote.test", msgs)
    assert flush.done == 2 and "one by one" in flush.notes[0]
    cat = await engine.postcat(msgs[0].queue_id)
    assert cat.error is not None and "root" in cat.error
    # postsuper run directly as this user: Postfix refuses, we say why
    forced = QueueEngine(tools=tools, audit_log=tmp_path / "audit.log", user=("root", 0))
    report = await forced.act("hold", msgs)
    assert report.done == 0 and "needs root" in report.errors[0]
    assert all(m.queue_name == "deferred" for m in pf.listing())
    # Postfix down: non-root gets a clear error, not a listing
    pf.postfix("stop")
    try:
        with pytest.raises(PostfixError, match="not running"):
            await engine.snapshot()
        privs = await engine.privileges(refresh=True)
        assert not privs.list.allowed and "not running" in privs.list.reason
    finally:
        pf.postfix("start")
    assert os.geteuid() == 0


async def test_a_message_listed_twice_by_showq_is_one_message(
    pf: Instance, engine: QueueEngine
) -> None:
    """showq scans the queue directories one after another; a file that moves to a later one
    meanwhile is listed twice. Reproduced for real: Postfix stopped (root lists the queue
    directly), a deferred file hard-linked into active/ and a held one into incoming/."""
    pf.send("dup@sender.test", ["a@remote.test"], n=3)
    msgs = pf.wait_deferred(3)
    held = msgs[0].queue_id
    pf.sandbox.postsuper("-h", held)
    deferred = next(m.queue_id for m in msgs if m.queue_id != held)
    spool = Path(pf.sandbox.queue_dir)
    links: list[Path] = []
    assert pf.postfix("stop").returncode == 0
    try:
        for queue, qid, into in (("deferred", deferred, "active"), ("hold", held, "incoming")):
            (source,) = spool.joinpath(queue).rglob(qid)
            links.append(spool / into / qid)
            os.link(source, links[-1])
        raw = [json.loads(line) for line in pf.sandbox.postqueue("-j").stdout.splitlines()]
        assert len(raw) == 5  # the duplicates are real
        snap = await engine.snapshot()
        queues = {m.queue_id: m.queue_name for m in snap.messages}
        assert len(snap.messages) == len(queues) == 3
        assert queues[held] == "hold" and queues[deferred] == "deferred"
    finally:
        for link in links:
            link.unlink(missing_ok=True)
        pf.sandbox.start()
