"""Unit tests: queue id validation, command lines, error mapping, audit log."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mailq_tui.postfix.audit import audit_record, default_audit_path, write_audit
from mailq_tui.postfix.commands import PostfixTools, fatal_lines, friendly_error
from mailq_tui.postfix.flush import is_valid_site
from mailq_tui.postfix.queue_ids import is_long_id, is_short_id, is_valid_queue_id, split_valid
from mailq_tui.reports import ActionReport


@pytest.mark.parametrize(
    "qid",
    [
        "A947420C261",
        "1FD1820C0A1",
        "ABCDEF",
        "4jZ49M3nnXzJ9FV",
        "4jZ49L2wbXzJ9CJ",
        "4jZ49M3nnzzJ9F",
    ],
)
def test_good_ids(qid: str) -> None:
    assert is_valid_queue_id(qid)


@pytest.mark.parametrize(
    "qid",
    [
        "",
        "ABC",
        "ABCDE",
        "ALL",
        "-d",
        "a947420c261",  # short ids are upper-case hex
        "ABC\n-d ALL",
        "ABCDEF\n",
        " ABCDEF",
        "ABCDEF;rm -rf /",
        "../../etc/passwd",
        "ABCDEF\x00",
        "ＡＢＣＤＥＦ",  # full-width look-alikes
        "٣٣٣٣٣٣",  # non-ASCII digits
        "4jZ49M3nnXzJ9Fz",  # long id: inode part cannot contain 'z'
        "4jZ49M3nnX",  # no separator
        "4jZ49M3nAXzJ9FV",  # vowels are not in the alphabet
        "4jZ49zJ9FV",  # time part shorter than 10
        "A" * 41,
        None,
        123456,
    ],
)
def test_bad_ids(qid: object) -> None:
    assert not is_valid_queue_id(qid)


def test_short_and_long_are_distinct() -> None:
    assert is_short_id("A947420C261") and not is_long_id("A947420C261")
    assert is_long_id("4jZ49M3nnXzJ9FV") and not is_short_id("4jZ49M3nnXzJ9FV")


def test_split_valid_dedupes_and_keeps_order() -> None:
    assert split_valid(["ABCDEF1", "bad", "ABCDEF1", "ABCDEF2"]) == (
        ["ABCDEF1", "ABCDEF2"],
        ["bad"],
    )


def test_argv_config_dir_sudo_and_prefix() -> None:
    tools = PostfixTools(config_dir="/tmp/x", use_sudo=True, prefix=("runas", "bob"))
    argv = tools.argv("postsuper", "-d", "-")
    assert argv[:4] == ["runas", "bob", "sudo", "-n"]
    assert argv[4].endswith("/postsuper") and os.path.isabs(argv[4])
    assert argv[5:] == ["-c", "/tmp/x", "-d", "-"]
    q = tools.argv("postqueue", "-j")
    assert "sudo" not in q and q[-3:] == ["-c", "/tmp/x", "-j"]


def test_tools_found_without_sbin_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert PostfixTools().tool_path("postsuper") == "/usr/sbin/postsuper"


def test_missing_tool_is_a_friendly_error() -> None:
    from mailq_tui.postfix.commands import PostfixError

    with pytest.raises(PostfixError, match="command not found"):
        PostfixTools().tool_path("no-such-postfix-tool")


@pytest.mark.parametrize(
    ("stderr", "expect"),
    [
        ("postqueue: fatal: Cannot flush mail queue - mail system is down\n", "not running"),
        (
            "postqueue: fatal: Queue report unavailable - mail system is down (Connect to the "
            "Postfix showq service: No such file or directory)\n",
            "not running",
        ),
        ("postqueue: fatal: User bob(1001) is not allowed to view the mail queue\n", "view"),
        ("postqueue: fatal: User bob(1001) is not allowed to flush the mail queue\n", "flush"),
        ("postsuper: fatal: use of this command is reserved for the superuser\n", "needs root"),
        (
            "postqueue: error: unauthorized configuration directory name: /tmp/x\n"
            'postqueue: fatal: specify "alternate_config_directories = /tmp/x" ...\n',
            "alternate_config_directories",
        ),
        ("postsuper: fatal: invalid directory name: bogus\n", "invalid directory name"),
        ('postqueue: fatal: Cannot flush queue ID - invalid name: "bad!"\n', "queue id"),
        ("sudo: a password is required\n", "NOPASSWD"),
        ("postqueue: fatal: something new\n", "something new"),
        (
            "postqueue: fatal: open /tmp/main.cf: No such file or directory\n",
            "Postfix is not configured in /tmp (open /tmp/main.cf: No such file or directory)",
        ),
        (
            "postconf: fatal: open /no/such/dir/main.cf: No such file or directory\n",
            "no Postfix configuration directory /no/such/dir",
        ),
        (  # any other missing file: Postfix's own words, not a vague sentence
            "postcat: fatal: open queue file deferred/A/ABC123: No such file or directory\n",
            "open queue file deferred/A/ABC123: No such file or directory",
        ),
    ],
)
def test_friendly_errors(stderr: str, expect: str) -> None:
    msg = friendly_error("postqueue", stderr, 69)
    assert expect in msg and "Traceback" not in msg


def test_fatal_lines() -> None:
    assert fatal_lines("postsuper: fatal: x\npostsuper: warning: y\npostqueue: error: z\n") == [
        "x",
        "z",
    ]


@pytest.mark.parametrize("site", ["example.com", "[10.0.0.1]:25", "[mx.example.com]", "a-b.c"])
def test_good_sites(site: str) -> None:
    assert is_valid_site(site)


@pytest.mark.parametrize("site", ["", "-f", "a b", "x;y", "a\nb", "é.com", "x" * 300])
def test_bad_sites(site: str) -> None:
    assert not is_valid_site(site)


def test_audit_log_env_and_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "sub" / "audit.log"
    monkeypatch.setenv("MAILQ_TUI_AUDIT_LOG", str(log))
    assert default_audit_path() == log
    report = ActionReport(action="delete", requested=2, done=1, skipped=[("ABCDEF2", "gone")])
    rec = audit_record(report, user="root", uid=0, config_dir="/x", requested_ids=["A", "B"])
    assert write_audit(rec) is None
    assert write_audit(rec) is None
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    data = json.loads(lines[0])
    assert (
        data["action"] == "delete"
        and data["done"] == 1
        and data["skipped"] == [["ABCDEF2", "gone"]]
    )
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def test_audit_log_failure_is_a_note(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    note = write_audit({"a": 1}, blocker / "audit.log")
    assert note is not None and "audit log not written" in note


def test_audit_default_for_non_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILQ_TUI_AUDIT_LOG", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_STATE_HOME", "/home/u/.state")
    assert default_audit_path() == Path("/home/u/.state/mailq-tui/audit.log")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert default_audit_path() == Path("/var/log/mailq-tui/audit.log")
