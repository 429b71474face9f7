"""Listing again without decoding again: a refresh pays for what changed in the queue.

The app lists the queue every few seconds, and most of the time nothing, or a little, has
changed. The ``postqueue -j`` stream is cut into segments whose boundaries depend on the bytes
only (:class:`SegmentSplitter`), so an unchanged run of records gives the same segments as in
the previous listing, even after a message was added or removed before it. Each segment is
known by its length and the ``hash`` of its bytes:

- a segment the previous listing had: its decoded messages are taken over as they are (no
  line is split, hashed or decoded);
- a new segment: its lines are looked up by their hash among the previous listing's records
  (a record whose bytes did not change keeps its :class:`Message`), and only the others are
  decoded.

When every segment was there before, in the same order and nothing else, the listing is
unchanged (:attr:`ListingMemo.same_as_previous`): the caller can keep the view it has.

Keys are Python's ``hash`` of the bytes (SipHash-1-3 with a per-process random key, 64 bits;
2-3x faster than SHA-256 here, and nobody outside the process can aim at a collision): a
changed line or segment taking the key of an old one is a chance of about ``n / 2**64``
(3e-14 at 500,000 messages), and would only show a stale record; actions re-check every id
against a freshly decoded listing before running (``find_current``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import msgspec

from mailq_tui.model.message import Message

#: A segment is at least this long (bytes), then ends before the next record that starts a
#: segment (see :class:`SegmentSplitter`).
SEGMENT_MIN = 8 << 10
#: ... and at most about this long, when no record starts a segment.
SEGMENT_MAX = 256 << 10
#: Bytes that appear once per record, in about one record of 16 (queue ids ending in 0), and
#: never inside a JSON string (its quotes would be escaped there): a record holding them
#: starts a segment.
_CUT_MARK = b'0", "arrival_time"'


class SegmentSplitter:
    """Cuts a stream of ``postqueue -j`` bytes into segments of whole lines whose boundaries
    depend only on the bytes, never on how the pipe delivered them: a segment starting at
    the same record as before, over the same records, ends at the same place.

    Segments are handed out as memoryviews of the buffer (hashing one needs no copy); each
    is valid only until the next call.
    """

    def __init__(self, minimum: int = SEGMENT_MIN, maximum: int = SEGMENT_MAX) -> None:
        self._buf = bytearray()
        self._min = minimum
        self._max = maximum
        #: The length the next segment probably has (the previous listing's next segment),
        #: set by the consumer between segments; see :meth:`_cut_as_expected`.
        self.expected: Optional[int] = None

    def feed(self, chunk: bytes) -> Iterator[memoryview]:
        """Add ``chunk``; yield each segment now complete."""
        buf = self._buf
        if buf:
            del buf[: self._consumed]
        buf += chunk
        self._consumed = 0
        start = 0
        with memoryview(buf) as view:
            while True:
                cut = self._cut_as_expected(start) or self._cut(start)
                if cut <= 0:
                    break
                with view[start:cut] as segment:
                    yield segment
                start = cut
        self._consumed = start

    def flush(self) -> bytes:
        """What is left at the end of the stream (possibly ``b""``)."""
        rest = bytes(self._buf[self._consumed :])
        self._buf.clear()
        self._consumed = 0
        return rest

    _consumed = 0

    def _cut_as_expected(self, start: int) -> int:
        """``start + expected`` when the record there starts a segment (it holds the mark,
        past the minimum and within the maximum); 0 otherwise, or when not known yet.

        This reads one line instead of searching the whole segment for the mark, and it is
        what :meth:`_cut` gives whenever the segment's bytes are those of the previous
        listing's segment of that length (which the consumer checks by their hash): those
        bytes were cut there, so no mark lies between the minimum and their end. When the
        bytes changed the cut may fall elsewhere than :meth:`_cut` would put it; the
        segment is still whole lines, decoded line by line, and the cuts after it come
        back to the marks."""
        length, buf = self.expected, self._buf
        if not length:
            return 0
        cut = start + length
        if len(buf) <= cut or buf[cut - 1] != 10:  # not read yet, or not a line start
            return 0
        line_end = buf.find(b"\n", cut)
        if line_end < 0:
            return 0
        mark = buf.find(_CUT_MARK, max(cut, start + self._min), line_end)
        return cut if 0 <= mark <= start + self._max else 0

    def _cut(self, start: int) -> int:
        """Where the segment starting at ``start`` ends (0: not known yet)."""
        buf = self._buf
        mark = buf.find(_CUT_MARK, start + self._min)
        if 0 <= mark <= start + self._max:
            line_start = buf.rfind(b"\n", start, mark) + 1
            if line_start > start:
                return line_start
        if len(buf) - start > self._max:
            end = buf.find(b"\n", start + self._max)
            return end + 1 if end >= 0 else 0
        return 0


#: A segment's length and ``hash`` of its bytes.
SegmentKey = tuple[int, int]


@dataclass
class ListingMemo:
    """What one listing keeps so that the next decodes only what changed.

    ``records``: every message in the order listed (duplicates included); ``keys``: the hash of
    each record's line, aligned with ``records`` (a segment taken over brings its keys along);
    ``segments``: the key of each segment -> its (start, stop) in ``records``, in stream order.
    """

    records: list[Message] = field(default_factory=list)
    keys: array[int] = field(default_factory=lambda: array("q"))
    segments: dict[SegmentKey, tuple[int, int]] = field(default_factory=dict)
    #: True when this listing is byte for byte the previous one (:func:`decode_reusing`).
    same_as_previous: bool = False
    #: How many records were decoded (not taken over); for tests and benchmarks.
    decoded: int = 0


class ReusingDecoder:
    """Decodes one listing's segments, taking over what ``previous`` already decoded.

    ``decode_line``: decodes one line, or returns None for a malformed one (it notes why).
    ``decode_all``: decodes a whole segment at once, or returns None when a line is malformed
    (then each line is decoded alone); used while there is nothing to take over.
    """

    def __init__(
        self,
        previous: Optional[ListingMemo],
        decode_line: Callable[[bytes], Optional[Message]],
        decode_all: Optional[Callable[[bytes], Optional[list[Message]]]] = None,
    ) -> None:
        self.previous = previous
        self.memo = ListingMemo()
        self._decode_line = decode_line
        self._decode_all = decode_all
        self._by_key: Optional[dict[int, Message]] = None
        self._splitter = SegmentSplitter()
        #: The previous listing's segment keys in stream order, and where each is in it.
        self._order: list[SegmentKey] = list(previous.segments) if previous else []
        self._place = {key: n for n, key in enumerate(self._order)}
        self._splitter.expected = self._order[0][0] if self._order else None
        #: Still true while every segment so far is the previous listing's, in order.
        self._in_step = previous is not None

    def feed(self, chunk: bytes) -> list[Message]:
        """Add a chunk of the stream; return the messages of the segments it completed (the
        batch interface of :func:`~mailq_tui.postfix.listing.iter_queue`)."""
        start = len(self.memo.records)
        for segment in self._splitter.feed(chunk):
            self.add(segment)
        return self.memo.records[start:]

    def flush(self) -> list[Message]:
        """The end of the stream: the messages of the last segment."""
        start = len(self.memo.records)
        self.add(self._splitter.flush())
        return self.memo.records[start:]

    def add(self, segment: Union[bytes, memoryview]) -> None:
        """Decode (or take over) one segment of whole lines."""
        data = bytes(segment)
        if not data:
            return
        memo, previous = self.memo, self.previous
        key: Optional[SegmentKey] = (len(data), hash(data))
        if key in memo.segments:  # the same bytes twice in one listing: decode them
            key = None
        start = len(memo.records)
        span = previous.segments.get(key) if previous is not None and key else None
        if span is not None and previous is not None:
            old_start, old_stop = span
            self._in_step = self._in_step and old_start == start
            memo.records += previous.records[old_start:old_stop]
            memo.keys += previous.keys[old_start:old_stop]
            following = self._place[key] + 1  # type: ignore[index]
            after = self._order[following] if following < len(self._order) else None
            self._splitter.expected = after[0] if after else None
        else:
            self._in_step = False
            self._splitter.expected = None
            self._decode_lines(data)
        if key:
            memo.segments[key] = (start, len(memo.records))

    def finish(self) -> ListingMemo:
        """The memo of this listing (``same_as_previous`` decided)."""
        memo, previous = self.memo, self.previous
        memo.same_as_previous = (
            self._in_step
            and previous is not None
            and len(memo.records) == len(previous.records)
            and len(memo.segments) == len(previous.segments)
        )
        self._by_key = None
        return memo

    def _decode_lines(self, segment: bytes) -> None:
        memo = self.memo
        lines = segment.split(b"\n")
        if not lines[-1]:
            lines.pop()  # the newline ending the segment
        keys = list(map(hash, lines))
        by_key = self._lookup()
        if not by_key and self._decode_all is not None:
            # Nothing to take over (the first listing): one call for the whole segment.
            batch = self._decode_all(segment)
            if batch is not None and len(batch) == len(lines):
                memo.records += batch
                memo.keys.extend(keys)
                memo.decoded += len(batch)
                return
        decode = self._decode_line
        for line, key in zip(lines, keys):
            msg = by_key.get(key)
            if msg is None:
                if not line.strip():
                    continue  # a blank line, as decode_lines skips it
                msg = decode(line)
                if msg is None:
                    continue
                memo.decoded += 1
            memo.records.append(msg)
            memo.keys.append(key)

    def _lookup(self) -> dict[int, Message]:
        """The previous listing's records by line key (built at the first changed segment)."""
        if self._by_key is None:
            previous = self.previous
            self._by_key = {} if previous is None else dict(zip(previous.keys, previous.records))
        return self._by_key


def decode_one(
    decoder: msgspec.json.Decoder[Message], warnings: list[str]
) -> Callable[[bytes], Optional[Message]]:
    """A ``decode_line`` for :class:`ReusingDecoder`: a malformed line is noted in
    ``warnings`` and skipped."""

    def decode_line(line: bytes) -> Optional[Message]:
        try:
            msg: Message = decoder.decode(line)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            shown = line[:80].decode("utf-8", "replace")
            warnings.append(f"skipped a malformed postqueue -j line ({exc}): {shown!r}")
            return None
        return msg

    return decode_line


def decode_all(
    decoder: msgspec.json.Decoder[Message],
) -> Callable[[bytes], Optional[list[Message]]]:
    """A ``decode_all`` for :class:`ReusingDecoder` (None when any line is malformed)."""

    def decode_segment(segment: bytes) -> Optional[list[Message]]:
        try:
            return decoder.decode_lines(segment)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None

    return decode_segment
