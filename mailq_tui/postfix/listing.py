"""Listing the queue: stream ``postqueue [-c DIR] -j`` and decode it in batches.

stdout is read in fixed-size chunks (not ``readline``: one message with thousands of recipients
is one line, longer than asyncio's 64 KiB line limit), cut at the last newline, and each run of
complete lines is decoded at once with ``msgspec.json.Decoder(Message).decode_lines``. A
malformed line is skipped with a warning, never a crash.

Postfix < 3.1 has no ``-j``: :func:`iter_queue` then falls back to ``postqueue -p`` text
(:mod:`mailq_text`).

One message can be listed twice: showq reads the queue directories one after another while
qmgr and postsuper move files between them. :func:`list_queue` and :func:`find_current` keep
one copy per queue id, the later one (see :func:`drop_superseded` for why); :func:`iter_queue`
streams what showq printed, duplicates included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from operator import attrgetter
from typing import Callable, Optional, Protocol

import msgspec

from mailq_tui.model.message import Message
from mailq_tui.model.shared_strings import StringStore
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.postfix.commands import (
    PostfixError,
    PostfixTools,
    friendly_error,
    kill_quietly,
    run_tool,
    spawn,
)
from mailq_tui.postfix.listing_reuse import ListingMemo, ReusingDecoder, decode_all, decode_one
from mailq_tui.postfix.mailq_text import parse_mailq

#: Bytes read from postqueue per read() call.
CHUNK_SIZE = 1 << 20

_DECODER = msgspec.json.Decoder(Message)
_QUEUE_ID = attrgetter("queue_id")


def mail_version_has_json(mail_version: str) -> bool:
    """True when this Postfix version has ``postqueue -j`` (3.1 and later)."""
    try:
        parts = [int(p) for p in mail_version.split(".")[:2]]
    except ValueError:
        return True  # unknown format: try -j, fall back on a usage error
    major, minor = ([*parts, 0])[:2]
    return (major, minor) >= (3, 1)


class LineSplitter:
    """Accumulates chunks and hands back runs of complete lines (ending in ``\\n``)."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, chunk: bytes) -> bytes:
        """Add ``chunk``; return every complete line now available (possibly ``b""``)."""
        data = self._rest + chunk if self._rest else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            self._rest = data
            return b""
        self._rest = data[cut + 1 :]
        return data[: cut + 1]

    def flush(self) -> bytes:
        """The unterminated last line, if any (end of stream)."""
        rest, self._rest = self._rest, b""
        return rest


class BatchDecoder(Protocol):
    """Turns the chunks of a ``postqueue -j`` stream into batches of messages."""

    def feed(self, chunk: bytes) -> list[Message]: ...

    def flush(self) -> list[Message]: ...


class LineDecoder:
    """Decodes each run of complete lines as it arrives (:func:`decode_batch`)."""

    def __init__(self, warnings: list[str]) -> None:
        self._splitter = LineSplitter()
        self._warnings = warnings

    def feed(self, chunk: bytes) -> list[Message]:
        """The messages of the lines ``chunk`` completed."""
        return decode_batch(self._splitter.feed(chunk), self._warnings)

    def flush(self) -> list[Message]:
        """The message of an unterminated last line, if any."""
        return decode_batch(self._splitter.flush(), self._warnings)


def decode_batch(data: bytes, warnings: list[str]) -> list[Message]:
    """Decode ``postqueue -j`` lines; a malformed line is skipped and noted in ``warnings``."""
    if not data.strip():
        return []
    try:
        return _DECODER.decode_lines(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        pass
    out: list[Message] = []
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            out.append(_DECODER.decode(line))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            shown = line[:80].decode("utf-8", "replace")
            warnings.append(f"skipped a malformed postqueue -j line ({exc}): {shown!r}")
    return out


def _is_usage_error(stderr: str) -> bool:
    low = stderr.lower()
    return "usage:" in low or "illegal option" in low or "invalid option" in low


async def iter_queue(
    tools: PostfixTools,
    warnings: Optional[list[str]] = None,
    *,
    use_json: bool = True,
    chunk_size: int = CHUNK_SIZE,
    decoder: Optional[BatchDecoder] = None,
) -> AsyncIterator[list[Message]]:
    """Yield batches of messages from ``postqueue -j`` as they stream in, in showq's order
    (an id showq listed twice comes twice: callers keep the later copy, see
    :func:`drop_superseded`).

    Warnings (Postfix's stderr warnings, skipped lines) are appended to ``warnings``. Raises
    :class:`PostfixError` with a friendly message when the listing is refused (not allowed,
    mail system down for non-root, bad config dir). With ``use_json=False``, or when ``-j``
    is rejected with a usage error, the ``postqueue -p`` text is parsed instead.
    ``decoder``: how the JSON stream is decoded (default: :class:`LineDecoder`).
    """
    warns = warnings if warnings is not None else []
    batches = decoder if decoder is not None else LineDecoder(warns)
    if not use_json:
        for batch in await _text_listing(tools, warns):
            yield batch
        return
    proc = await spawn(tools.argv("postqueue", "-j"))
    assert proc.stdout is not None and proc.stderr is not None
    stderr_task = asyncio.ensure_future(proc.stderr.read())
    got_any = False
    try:
        while True:
            chunk = await asyncio.wait_for(proc.stdout.read(chunk_size), tools.timeout)
            if not chunk:
                break
            got_any = True
            batch = batches.feed(chunk)
            if batch:
                yield batch
        batch = batches.flush()
        if batch:
            yield batch
        await asyncio.wait_for(proc.wait(), tools.timeout)
    except BaseException as exc:  # timeout, or the consumer stopped early / was cancelled
        await kill_quietly(proc)
        stderr_task.cancel()
        if isinstance(exc, asyncio.TimeoutError):
            raise PostfixError(f"postqueue -j stalled for {tools.timeout:g} s (killed)") from exc
        raise
    stderr = (await asyncio.wait_for(stderr_task, tools.timeout)).decode("utf-8", "replace")
    if proc.returncode != 0:
        if not got_any and _is_usage_error(stderr):
            for batch in await _text_listing(tools, warns):
                yield batch
            return
        raise PostfixError(
            friendly_error("postqueue", stderr, proc.returncode),
            returncode=proc.returncode,
            detail=stderr,
        )
    warns.extend(line.strip() for line in stderr.splitlines() if line.strip())


async def _text_listing(tools: PostfixTools, warnings: list[str]) -> list[list[Message]]:
    result = await run_tool(tools, "postqueue", "-p")
    if result.returncode != 0:
        raise PostfixError(
            friendly_error("postqueue", result.stderr, result.returncode),
            returncode=result.returncode,
            detail=result.stderr,
        )
    warnings.extend(result.stderr_lines)
    messages, parse_warnings = parse_mailq(result.stdout.decode("utf-8", "replace"))
    warnings.extend(parse_warnings)
    return [messages] if messages else []


def reusing_decoder(
    previous: Optional[ListingMemo], warnings: list[str], store: StringStore
) -> ReusingDecoder:
    """The decoder of a reusable listing (:class:`ReusingDecoder`), the messages it decodes
    sharing ``store``'s strings."""
    return ReusingDecoder(
        previous, _shared_one(store, decode_one(_DECODER, warnings)), _shared_all(store)
    )


def _shared_one(
    store: StringStore, decode: Callable[[bytes], Optional[Message]]
) -> Callable[[bytes], Optional[Message]]:
    """``decode`` (one line), its message sharing ``store``'s strings."""

    def decode_line(line: bytes) -> Optional[Message]:
        msg = decode(line)
        if msg is not None:
            store.share((msg,))
        return msg

    return decode_line


def _shared_all(store: StringStore) -> Callable[[bytes], Optional[list[Message]]]:
    """:func:`decode_all`, its messages sharing ``store``'s strings."""
    decode = decode_all(_DECODER)

    def decode_segment(segment: bytes) -> Optional[list[Message]]:
        batch = decode(segment)
        if batch is not None:
            store.share(batch)
        return batch

    return decode_segment


def drop_superseded(messages: list[Message]) -> list[Message]:
    """``messages`` with one copy per queue id: the one listed last (``messages`` itself when
    no id repeats, the common case).

    showq (showq.c) scans maildrop, active, incoming, deferred, hold, in that order, one
    directory after the other; ``postqueue -j`` on a sandbox lists them in that order. A
    message moved while the scan runs is listed twice only when it moves to a queue scanned
    later (active -> deferred after a failed delivery during a flush; deferred -> hold by
    ``postsuper -h``), and then the later copy is where the message is now: that copy is
    kept, so counts, a release's "is it on hold" check and postsuper's queue restriction see
    the present. (A move the other way, deferred -> active, makes showq miss the message for
    one listing instead; nothing can be done about that here.)
    """
    if len(set(map(_QUEUE_ID, messages))) == len(messages):
        return messages  # ~0.1 s at 500k messages, next to ~20 s of postqueue -j
    last = {m.queue_id: i for i, m in enumerate(messages)}
    return [m for i, m in enumerate(messages) if last[m.queue_id] == i]


async def find_current(
    tools: PostfixTools, ids: set[str], *, use_json: bool = True
) -> dict[str, Message]:
    """A fresh listing of only the messages whose id is in ``ids`` (streamed: memory stays
    small); an id listed twice keeps its later copy, as in :func:`drop_superseded`."""
    found: dict[str, Message] = {}
    async for batch in iter_queue(tools, [], use_json=use_json):
        for msg in batch:
            if msg.queue_id in ids:
                found[msg.queue_id] = msg  # a later copy replaces an earlier one
    return found


async def list_queue(
    tools: PostfixTools,
    *,
    use_json: bool = True,
    previous: Optional[Snapshot] = None,
    reusable: bool = False,
    on_batch: Optional[Callable[[list[Message]], None]] = None,
) -> Snapshot:
    """One full listing as a :class:`Snapshot` (with its duration and warnings), one message
    per queue id (:func:`drop_superseded`).

    ``reusable``: keep what the next listing needs to decode only what changed (the
    snapshot's ``memo``; a live view lists again and again, a one-shot command does not).
    ``previous``: a reusable snapshot of the same queue; records whose bytes did not change
    keep their decoded message, and when no byte changed the snapshot has the previous one's
    ``messages`` list itself and ``same_as_previous`` set (see :mod:`listing_reuse`).

    The messages decoded here share their repeated strings and numbers (reasons, senders,
    queue names, arrival times, sizes, and for a ``reusable`` listing, which stays in
    memory, addresses: :class:`~mailq_tui.model.shared_strings.StringStore`, one per
    listing).
    """
    started_wall = time.time()
    started = time.perf_counter()
    warnings: list[str] = []
    messages: list[Message] = []
    old = previous.memo if previous is not None else None
    reusing: Optional[ReusingDecoder] = None
    store = StringStore(addresses=reusable)
    if use_json and (reusable or isinstance(old, ListingMemo)):
        memo = old if isinstance(old, ListingMemo) else None
        reusing = reusing_decoder(memo, warnings, store)
    async for batch in iter_queue(tools, warnings, use_json=use_json, decoder=reusing):
        if reusing is None:
            store.share(batch)  # in place: the batch's messages now share strings
            messages.extend(batch)
        if on_batch is not None:
            on_batch(batch)
    memo = reusing.finish() if reusing is not None else None
    same = False
    if memo is not None:
        messages = memo.records
        if memo.same_as_previous and previous is not None:
            same, messages = True, previous.messages
    if not same:
        messages = drop_superseded(messages)
    return Snapshot(
        messages=messages,
        taken_at=started_wall,
        duration=time.perf_counter() - started,
        warnings=warnings,
        memo=memo,
        same_as_previous=same,
    )
