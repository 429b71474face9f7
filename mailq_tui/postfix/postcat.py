"""Reading one message: ``postcat [-c DIR] -q ID`` parsed into envelope, headers and body.

postcat prints sections introduced by marker lines naming the queue file::

    *** ENVELOPE RECORDS deferred/A/A69A320C1F2 ***
    *** MESSAGE CONTENTS deferred/A/A69A320C1F2 ***
    *** HEADER EXTRACTED deferred/A/A69A320C1F2 ***
    *** MESSAGE FILE END deferred/A/A69A320C1F2 ***

Markers are recognised only when they name the requested id, so a body line imitating one does
not split the message. Output can be many MB: it is read in chunks up to ``max_bytes`` and the
rest is cut off (``truncated``). Everything is text from strangers: callers must render it as
plain text.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Optional

from mailq_tui.postfix.commands import (
    PostfixError,
    PostfixTools,
    friendly_error,
    kill_quietly,
    spawn,
)
from mailq_tui.postfix.queue_ids import require_valid

#: Default cap on postcat output kept in memory.
MAX_BYTES = 8 << 20

#: section name -> postcat flag.
SECTION_FLAGS = {"envelope": "-e", "headers": "-h", "body": "-b"}


@dataclass
class PostcatResult:
    """One message as postcat showed it."""

    queue_id: str
    #: ``queue/x/ID`` from the section markers, e.g. ``deferred/A/A69A320C1F2``.
    queue_file: str = ""
    #: Envelope records (``sender``, ``recipient``, ``done_recipient``, ...) in order.
    envelope: list[tuple[str, str]] = field(default_factory=list)
    #: Records after the body (``HEADER EXTRACTED``), same shape.
    extracted: list[tuple[str, str]] = field(default_factory=list)
    #: Header fields in order, continuation lines unfolded into the value (with ``\n``).
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    #: True when output was cut at ``max_bytes``.
    truncated: bool = False
    bytes_read: int = 0
    error: Optional[str] = None

    def header(self, name: str) -> Optional[str]:
        """First header named ``name`` (case-insensitive)."""
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return None


def _records(lines: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in lines:
        key, sep, value = line.partition(": ")
        if not sep and line.endswith(":"):
            key, value = line[:-1], ""
        out.append((key.strip(), value))
    return out


def _split_headers(lines: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    headers: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        if line == "":
            return headers, lines[i + 1 :]
        if line[:1] in (" ", "\t") and headers:
            key, value = headers[-1]
            headers[-1] = (key, value + "\n" + line)
            continue
        key, sep, value = line.partition(":")
        if not sep:  # not a header: the body starts here (no blank separator line)
            return headers, lines[i:]
        headers.append((key, value.lstrip(" ")))
    return headers, []


def parse_postcat(text: str, queue_id: str) -> PostcatResult:
    """Parse postcat output for ``queue_id`` (any of the sections may be missing)."""
    marker = re.compile(
        r"^\*\*\* (ENVELOPE RECORDS|MESSAGE CONTENTS|HEADER EXTRACTED|MESSAGE FILE END) "
        r"(\S*/)?" + re.escape(queue_id) + r" \*\*\*$"
    )
    result = PostcatResult(queue_id=queue_id)
    sections: dict[str, list[str]] = {}
    current: Optional[list[str]] = None
    only_content: list[str] = []  # -h / -b print no markers at all
    for line in text.split("\n"):
        m = marker.match(line)
        if m:
            name = m.group(1)
            if not result.queue_file:
                result.queue_file = line.split(" ")[-2]
            current = sections.setdefault(name, [])
            continue
        (current if current is not None else only_content).append(line)
    result.envelope = _records([x for x in sections.get("ENVELOPE RECORDS", []) if x])
    result.extracted = _records([x for x in sections.get("HEADER EXTRACTED", []) if x])
    content = sections.get("MESSAGE CONTENTS")
    if content is None and not sections:
        content = only_content
    if content is not None:
        while content and content[-1] == "":
            content.pop()
        headers, body = _split_headers(content)
        result.headers = headers
        result.body = "\n".join(body)
    return result


async def postcat(
    tools: PostfixTools,
    queue_id: str,
    sections: tuple[str, ...] = (),
    max_bytes: int = MAX_BYTES,
) -> PostcatResult:
    """Run ``postcat -q ID`` (optionally ``-e``/``-h``/``-b``) and parse it.

    The id is validated (ValueError). Failures are returned in ``result.error``; output past
    ``max_bytes`` is dropped and ``truncated`` set.
    """
    require_valid(queue_id)
    flags = [SECTION_FLAGS[s] for s in sections]
    result = PostcatResult(queue_id=queue_id)
    try:
        proc = await spawn(tools.argv("postcat", *flags, "-q", queue_id))
    except PostfixError as exc:
        result.error = exc.message
        return result
    assert proc.stdout is not None and proc.stderr is not None
    stderr_task = asyncio.ensure_future(proc.stderr.read())
    chunks: list[bytes] = []
    size = 0
    truncated = False
    try:
        while True:
            chunk = await asyncio.wait_for(proc.stdout.read(1 << 20), tools.timeout)
            if not chunk:
                break
            if size + len(chunk) > max_bytes:
                chunks.append(chunk[: max_bytes - size])
                size = max_bytes
                truncated = True
                break
            chunks.append(chunk)
            size += len(chunk)
        if not truncated:
            await asyncio.wait_for(proc.wait(), tools.timeout)
    except asyncio.TimeoutError:
        result.error = f"postcat stalled for {tools.timeout:g} s (killed)"
    finally:
        await kill_quietly(proc)
    try:
        stderr = (await asyncio.wait_for(stderr_task, 5)).decode("utf-8", "replace")
    except asyncio.TimeoutError:
        stderr = ""
    data = b"".join(chunks)
    if truncated:  # do not end in the middle of a line
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut > 0 else data
    parsed = parse_postcat(data.decode("utf-8", "replace"), queue_id)
    parsed.truncated = truncated
    parsed.bytes_read = size
    parsed.error = result.error
    if not truncated and proc.returncode not in (0, None) and parsed.error is None:
        parsed.error = friendly_error("postcat", stderr, proc.returncode)
        low = stderr.lower()
        if "no such file" in low or "not found" in low:
            parsed.error = f"postcat: message {queue_id} is no longer in the queue"
        elif "permission denied" in low:
            parsed.error = (
                "postcat: permission denied (reading messages needs root or the mail owner; "
                "run as root, or pass --sudo with a sudoers rule)"
            )
    return parsed
