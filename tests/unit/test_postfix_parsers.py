"""Unit tests of the Postfix layer's parsers on recorded output (no Postfix needed)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import msgspec
import pytest

from mailq_tui.model.expiry import Lifetimes
from mailq_tui.model.message import Message
from mailq_tui.postfix.listing import LineSplitter, decode_batch, mail_version_has_json
from mailq_tui.postfix.mailq_text import arrival_epoch, parse_mailq
from mailq_tui.postfix.postcat import parse_postcat
from mailq_tui.postfix.postsuper import parse_postsuper_stderr, postsuper_args
from mailq_tui.postfix.settings import parse_duration, parse_postconf, settings_from_values

FIX = Path(__file__).parent / "fixtures"


def _json(name: str) -> list[Message]:
    return msgspec.json.Decoder(Message).decode_lines((FIX / name).read_bytes())


# --------------------------------------------------------------- listing: chunks and lines


def _big_line(n_rcpt: int = 3000) -> bytes:
    msg = {
        "queue_name": "deferred",
        "queue_id": "ABCDEF12345",
        "arrival_time": 1700000000,
        "message_size": 1234,
        "forced_expire": False,
        "sender": "spam@example.test",
        "recipients": [
            {"address": f"user{i}@dest{i % 7}.test", "delay_reason": "connect to x: refused"}
            for i in range(n_rcpt)
        ],
    }
    return msgspec.json.encode(msg) + b"\n"


def _feed_all(data: bytes, size: int) -> tuple[list[Message], list[str]]:
    splitter = LineSplitter()
    warnings: list[str] = []
    out: list[Message] = []
    for start in range(0, len(data), size):
        out += decode_batch(splitter.feed(data[start : start + size]), warnings)
    out += decode_batch(splitter.flush(), warnings)
    return out, warnings


def test_line_longer_than_64k_and_split_across_chunks() -> None:
    big = _big_line()
    assert len(big) > 64 * 1024
    small = (FIX / "queue-small.jsonl").read_bytes()
    data = small + big + small
    expected = _json("queue-small.jsonl")
    for size in (1, 7, 4096, 65536, 1 << 20):
        msgs, warnings = _feed_all(data, size)
        assert warnings == []
        assert len(msgs) == 2 * len(expected) + 1
        assert msgs[: len(expected)] == expected
        assert len(msgs[len(expected)].recipients) == 3000
        assert msgs[-1] == expected[-1]


def test_last_line_without_newline_is_decoded() -> None:
    data = (FIX / "queue-small.jsonl").read_bytes().rstrip(b"\n")
    msgs, _ = _feed_all(data, 100)
    assert len(msgs) == len(_json("queue-small.jsonl"))


def test_malformed_line_is_skipped_with_a_warning() -> None:
    lines = (FIX / "queue-small.jsonl").read_bytes().splitlines(keepends=True)
    data = lines[0] + b'{"queue_name": "deferred", "queue_id": \n' + b"not json\n" + lines[1]
    warnings: list[str] = []
    msgs = decode_batch(data, warnings)
    assert [m.queue_id for m in msgs] == [_json("queue-small.jsonl")[i].queue_id for i in (0, 1)]
    assert len(warnings) == 2 and "malformed" in warnings[0]


def test_recorded_json_fields() -> None:
    msgs = {m.queue_id: m for m in _json("queue-small.jsonl")}
    assert msgs["A947420C261"].queue_name == "active"
    assert msgs["A947420C261"].recipients[0].delay_reason == ""
    assert msgs["A81C620C25E"].queue_name == "hold"
    assert msgs["A8AC520C260"].forced_expire is True
    # null sender, a literal MAILER-DAEMON and MAILER-DAEMON@$myorigin all became <> in cleanup
    assert {msgs[i].sender for i in ("A462920C1B3", "A52F720C1C2", "A5EEF20C1D2")} == {
        "MAILER-DAEMON"
    }
    assert msgs["1FD1820C0A1"].sender == "MAILER-DAEMON@other.test"
    assert msgs["A69A320C1F2"].sender == "jörg@exämple.test"
    reasons = [r.delay_reason for r in msgs["A733120C202"].recipients]
    assert len(set(reasons)) == 4


def test_mail_version_json_detection() -> None:
    assert mail_version_has_json("3.7.11")
    assert mail_version_has_json("3.1.0")
    assert not mail_version_has_json("3.0.15")
    assert not mail_version_has_json("2.11.3")
    assert mail_version_has_json("weird")


# --------------------------------------------------------------- mailq text


@pytest.mark.parametrize("name", ["queue-small", "queue-longids"])
def test_mailq_text_equals_json_of_the_same_queue(name: str) -> None:
    text = (FIX / f"{name}.mailq.txt").read_text()
    # the recording was taken in UTC; the parser reads local time
    now = datetime(2026, 11, 25, 3, 0).timestamp()
    msgs, warnings = parse_mailq(text, now=now)
    assert warnings == []
    by_id = {m.queue_id: m for m in _json(f"{name}.jsonl")}
    assert [m.queue_id for m in msgs] == list(by_id)
    for m in msgs:
        j = by_id[m.queue_id]
        assert m.recipients == j.recipients, m.queue_id  # reasons carried over per recipient
        assert (m.sender, m.message_size, m.forced_expire) == (
            j.sender,
            j.message_size,
            j.forced_expire,
        )
        if j.queue_name in ("active", "hold", "deferred"):
            assert m.queue_name == j.queue_name
        assert datetime.fromtimestamp(m.arrival_time).strftime("%b %d %H:%M:%S") == (
            datetime.fromtimestamp(j.arrival_time, timezone.utc).strftime("%b %d %H:%M:%S")
        )


def test_mailq_reason_applies_to_following_recipients_until_it_changes() -> None:
    text = (
        "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
        "ABCDEF123!     100 Mon Jan  1 10:00:00  a@b.test\n"
        "                   (first reason)\n"
        "                                         r1@x.test\n"
        "                                         r2@x.test\n"
        "(reason unavailable)\n"
        "                                         r3@x.test\n"
        "\n"
        "DEF456789*#    200 Mon Jan  1 10:00:00  MAILER-DAEMON\n"
        "                                         r4@x.test\n"
        "\n"
        "-- 1 Kbytes in 2 Requests.\n"
    )
    msgs, warnings = parse_mailq(text, now=datetime(2024, 6, 1).timestamp())
    assert warnings == []
    a, b = msgs
    assert (a.queue_name, a.forced_expire) == ("hold", False)
    assert [(r.address, r.delay_reason) for r in a.recipients] == [
        ("r1@x.test", "first reason"),
        ("r2@x.test", "first reason"),
        ("r3@x.test", ""),
    ]
    assert (b.queue_name, b.forced_expire, b.sender) == ("active", True, "MAILER-DAEMON")
    assert datetime.fromtimestamp(a.arrival_time) == datetime(2024, 1, 1, 10, 0, 0)


def test_mailq_empty_and_count_mismatch() -> None:
    assert parse_mailq((FIX / "queue-empty.mailq.txt").read_text()) == ([], [])
    text = (
        "ABCDEF1     100 Mon Jan  1 10:00:00  a@b.test\n  r@x.test\n\n-- 1 Kbytes in 5 Requests.\n"
    )
    msgs, warnings = parse_mailq(text, now=datetime(2024, 6, 1).timestamp())
    assert len(msgs) == 1 and "5 requests" in warnings[0]


def test_mailq_date_is_never_in_the_future() -> None:
    now = datetime(2025, 1, 2, 12, 0).timestamp()
    # Dec 31 seen on Jan 2 is last year's (2024-12-31 was a Tuesday)
    assert datetime.fromtimestamp(arrival_epoch("Tue Dec 31 23:59:00", now)).year == 2024
    assert datetime.fromtimestamp(arrival_epoch("Thu Jan  2 11:00:00", now)).year == 2025
    # Feb 29 picks the last leap year whose weekday matches (2024-02-29 was a Thursday)
    assert datetime.fromtimestamp(arrival_epoch("Thu Feb 29 08:00:00", now)).year == 2024


# --------------------------------------------------------------- postsuper


def test_postsuper_hold_output_with_invalid_id() -> None:
    res = parse_postsuper_stderr("hold", (FIX / "postsuper-hold.stderr").read_text())
    assert res.outcomes == {"A52F720C1C2": "placed on hold", "A462920C1B3": "placed on hold"}
    assert res.total == 2 and res.done == 2
    assert res.warnings == ["invalid mail queue id: BADID!"]
    assert res.error is None


@pytest.mark.parametrize(
    ("action", "name", "word", "count"),
    [
        ("release", "postsuper-release.stderr", "released from hold", 3),
        ("requeue", "postsuper-requeue.stderr", "requeued", 2),
        ("delete", "postsuper-delete.stderr", "removed", 1),
    ],
)
def test_postsuper_recorded_outputs(action: str, name: str, word: str, count: int) -> None:
    res = parse_postsuper_stderr(action, (FIX / name).read_text())
    assert res.done == count == len(res.outcomes)
    assert set(res.outcomes.values()) == {word}


def test_postsuper_counts_come_from_postfix_not_from_the_request() -> None:
    res = parse_postsuper_stderr("delete", "postsuper: Deleted: 0 messages\n")
    assert res.done == 0 and res.outcomes == {}


def test_postsuper_fatal_becomes_a_friendly_error() -> None:
    res = parse_postsuper_stderr(
        "delete", "postsuper: fatal: use of this command is reserved for the superuser\n", 1
    )
    assert res.error is not None and "needs root" in res.error
    res = parse_postsuper_stderr("hold", "postsuper: fatal: invalid directory name: bogus\n", 1)
    assert res.error is not None and "invalid directory name" in res.error


def test_postsuper_args_validate_action_and_queues() -> None:
    assert postsuper_args("delete", ["deferred", "hold"]) == ["-d", "-", "deferred", "hold"]
    assert postsuper_args("release", ["hold"]) == ["-H", "-", "hold"]
    with pytest.raises(ValueError):
        postsuper_args("delete", ["ALL"])
    with pytest.raises(ValueError):
        postsuper_args("expire-all", [])


# --------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("value", "unit", "seconds"),
    [
        ("300s", "s", 300),
        ("5d", "d", 432000),
        ("5", "d", 432000),
        ("4000", "s", 4000),
        ("1w", "d", 604800),
        ("2h", "s", 7200),
        ("10m", "s", 600),
        ("7D", "s", 7 * 86400),
    ],
)
def test_parse_duration(value: str, unit: str, seconds: int) -> None:
    assert parse_duration(value, unit) == seconds


@pytest.mark.parametrize("value", ["", "5x", "-1d", "1.5d", "5 days", "$foo"])
def test_parse_duration_rejects(value: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


def test_postconf_output_to_settings() -> None:
    text = (
        "maximal_queue_lifetime = 3\n"
        "bounce_queue_lifetime = 1d\n"
        "minimal_backoff_time = 5m\n"
        "maximal_backoff_time = 4000s\n"
        "queue_run_delay = 300s\n"
        "authorized_flush_users = static:anyone\n"
        "authorized_mailq_users = alice, bob\n"
        "fast_flush_domains =\n"
        "mail_owner = postfix\n"
        "queue_directory = /var/spool/postfix\n"
        "mail_version = 3.7.11\n"
        "enable_long_queue_ids = yes\n"
    )
    s = settings_from_values(parse_postconf(text))
    assert s.maximal_queue_lifetime == 3 * 86400
    assert s.bounce_queue_lifetime == 86400
    assert s.minimal_backoff_time == 300
    assert s.authorized_mailq_users == "alice, bob"
    assert s.fast_flush_domains == ""
    assert s.enable_long_queue_ids is True
    assert s.has_json_listing
    assert s.lifetimes == Lifetimes(3 * 86400, 86400)
    bad = settings_from_values({"maximal_queue_lifetime": "forever"})
    assert bad.maximal_queue_lifetime == 5 * 86400 and bad.warnings


# --------------------------------------------------------------- postcat


def test_postcat_recorded_output() -> None:
    res = parse_postcat((FIX / "postcat-utf8.txt").read_text(), "A69A320C1F2")
    assert res.queue_file == "deferred/A/A69A320C1F2"
    assert ("sender", "jörg@exämple.test") in res.envelope
    assert ("recipient", "ünïcødé@remote.test") in res.envelope
    assert res.header("subject") == "utf8 Grüße"
    assert (
        res.header(
            "Received",
        ).count("\n")
        == 2
    )  # folded lines kept with the header
    assert res.body == "Grüße"


def test_postcat_body_imitating_a_marker_is_body() -> None:
    text = (
        "*** ENVELOPE RECORDS deferred/A/ABCDEF1 ***\nsender: a@b\n"
        "*** MESSAGE CONTENTS deferred/A/ABCDEF1 ***\nSubject: x\n\nline1\n"
        "*** HEADER EXTRACTED deferred/B/BBBBBB1 ***\nline2\n"
        "*** HEADER EXTRACTED deferred/A/ABCDEF1 ***\n"
        "*** MESSAGE FILE END deferred/A/ABCDEF1 ***\n"
    )
    res = parse_postcat(text, "ABCDEF1")
    assert res.body == "line1\n*** HEADER EXTRACTED deferred/B/BBBBBB1 ***\nline2"
