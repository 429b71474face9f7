"""Queue id validation: nothing but a well-formed id ever reaches postsuper, postqueue or postcat.

Short ids (the default): the microseconds as five upper-case hex digits, then the inode number in
upper-case hex, so ``[0-9A-F]{6,}``.

Long ids (``enable_long_queue_ids = yes``), from Postfix's ``mail_queue.h``: an alphabet of the
10 digits and the consonants (no vowels); the time in seconds (base 52, six or more chars), the
microseconds (base 52, exactly four chars), a ``z`` separator, then the inode number (base 51:
the same alphabet without ``z``). E.g. ``4jZ49M3nnXzJ9FV``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_B51 = "0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy"
_B52 = _B51 + "z"

#: Longest id we accept (Postfix ids are far shorter; this only bounds hostile input).
MAX_ID_LENGTH = 40

SHORT_ID_RE = re.compile(rf"[0-9A-F]{{6,{MAX_ID_LENGTH}}}")
LONG_ID_RE = re.compile(rf"[{_B52}]{{10,{MAX_ID_LENGTH}}}z[{_B51}]{{1,{MAX_ID_LENGTH}}}")


def is_short_id(queue_id: str) -> bool:
    """True for a well-formed short (hex) queue id."""
    return SHORT_ID_RE.fullmatch(queue_id) is not None


def is_long_id(queue_id: str) -> bool:
    """True for a well-formed long queue id (``enable_long_queue_ids``)."""
    return len(queue_id) <= MAX_ID_LENGTH and LONG_ID_RE.fullmatch(queue_id) is not None


def is_valid_queue_id(queue_id: object) -> bool:
    """True when ``queue_id`` is a string that is a short or a long Postfix queue id."""
    if not isinstance(queue_id, str) or not queue_id.isascii():
        return False
    return is_short_id(queue_id) or is_long_id(queue_id)


def split_valid(queue_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split ids into (valid, invalid), keeping order and dropping duplicates."""
    valid: list[str] = []
    invalid: list[str] = []
    seen: set[str] = set()
    for qid in queue_ids:
        if qid in seen:
            continue
        seen.add(qid)
        (valid if is_valid_queue_id(qid) else invalid).append(qid)
    return valid, invalid


def require_valid(queue_id: str) -> str:
    """Return ``queue_id`` if valid, else raise ValueError naming it (repr: safe to print)."""
    if not is_valid_queue_id(queue_id):
        raise ValueError(f"not a Postfix queue id: {queue_id!r}")
    return queue_id
