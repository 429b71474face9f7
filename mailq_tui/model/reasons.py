"""Deferral reasons: normalisation into clusters, and a table of known patterns with hints.

:func:`normalise_reason` strips what differs between otherwise identical reasons (addresses,
IPs, host names, queue ids, counts) so that ``connect to 1.2.3.4[1.2.3.4]:25: Connection
refused`` from 500 hosts is one cluster. SMTP reply codes and enhanced status codes are kept:
they carry meaning. :data:`HINTS` is data, not code: each entry says what a known reason means
and which Postfix setting addresses it; :func:`explain` finds the first that applies.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

# Addresses in their common forms: anything in angle brackets with an "@", or a bare
# ``local@domain.tld``.
_ADDRESS = re.compile(r"<[^<>\s]*@[^<>\s]*>|[^\s<>()\[\]\"',;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# The other RFC 5321 forms: a quoted local part (it may hold spaces, "<", ">" and
# backslash-escaped characters: ``<"john doe"@x>``, ``"a\\"b"@x``) and an address literal
# domain (``[192.0.2.1]``, ``[IPv6:2001:db8::1]``). Only tried when the reason has a ``"``
# or an ``@[``; most reasons have neither, and this regex is the slower one.
_QUOTED_LOCAL = r'"(?:[^"\\\r\n]|\\.)*"'
_ADDRESS_LITERAL = r"\[(?:IPv6:)?[0-9A-Fa-f:.]+\]"
_UNUSUAL_ADDRESS = re.compile(
    rf"<(?:[^<>\s\"@]|{_QUOTED_LOCAL})*@(?:[^<>\s\"]|{_QUOTED_LOCAL})*>"
    rf"|{_QUOTED_LOCAL}@(?:[A-Za-z0-9.-]+\.[A-Za-z]{{2,}}|{_ADDRESS_LITERAL})"
    rf"|[^\s<>()\[\]\"',;:]+@{_ADDRESS_LITERAL}"
)
#: The null sender (``MAIL FROM:<>``) is an address like any other.
_NULL_ADDRESS = "<>"
_HOST_WITH_IP = re.compile(r"[A-Za-z0-9_.-]*\[(?:IPv6:)?[0-9A-Fa-f:.]+\](?::\d+)?")
_BRACKETED_HOST = re.compile(r"\[[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+\](?::\d+)?")
_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b(?::\d+)?")
_IPV6 = re.compile(r"\b(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}\b")
_QUEUED_AS = re.compile(r"\b(queued as|queue id|id=|ID:?)\s*[0-9A-Za-z]{6,}\b", re.IGNORECASE)
_NAME_EQ = re.compile(r"\bname=[^\s]+")
_SMTP_CODES = re.compile(
    r"\b[245]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?\b|\b[245]\.\d{1,3}\.\d{1,3}\b"
)
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_HEXISH = re.compile(r"\b(?=[0-9A-Fa-f]*\d)[0-9A-Fa-f]{10,}\b")
_HOST_AFTER = re.compile(r"\b(host|from|by|to|at)\s+[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")
_SPACES = re.compile(r"\s+")
_SUSPENDED = "delivery temporarily suspended: "


def _keep_codes(text: str) -> str:
    """Replace numbers with ``N`` but keep SMTP reply and enhanced status codes."""
    out = []
    last = 0
    for match in _SMTP_CODES.finditer(text):
        out.append(_NUMBER.sub("N", text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_NUMBER.sub("N", text[last:]))
    return "".join(out)


#: Distinct raw reasons remembered across refreshes: a 500k-message queue can hold ~264k
#: (most carry the recipient's address), and a smaller cache thrashes and gains nothing. The
#: cached values are interned, so an entry costs about 100 bytes.
REASON_CACHE = 1 << 19


@lru_cache(maxsize=REASON_CACHE)
def normalise_reason(reason: str) -> str:
    """The cluster key of a deferral reason (readable, with ``<addr>``, ``<host>``, ``<ip>``,
    ``<id>`` and ``N`` placeholders).

    Reasons mostly differ by the recipient address and the host in them, so those are
    stripped first and the rest of the work is cached on what remains. Whole reasons are
    cached too: each live refresh of a big queue asks again for the same ones.
    """
    if not reason:
        return ""
    if reason.startswith(_SUSPENDED):
        # qmgr's "dead destination" prefix: the same failure as the attempt that caused it.
        reason = reason[len(_SUSPENDED) :]
    if "@" in reason:
        if '"' in reason or "@[" in reason:
            reason = _UNUSUAL_ADDRESS.sub("<addr>", reason)
        reason = _ADDRESS.sub("<addr>", reason)
    if _NULL_ADDRESS in reason:
        reason = reason.replace(_NULL_ADDRESS, "<addr>")
    if "[" in reason:
        reason = _HOST_WITH_IP.sub("<host>", reason)
    return sys.intern(_normalise_rest(reason))


@lru_cache(maxsize=REASON_CACHE)
def cluster_key(reason: str) -> str:
    """The lowercase cluster key of ``reason`` (what a ``cluster:`` query compares with);
    cached, since every refresh of a big queue asks again for the same reasons."""
    return sys.intern(normalise_reason(reason).lower())


@lru_cache(maxsize=1 << 16)
def _normalise_rest(text: str) -> str:
    text = _BRACKETED_HOST.sub("[<host>]", text)
    text = _IPV6.sub("<ip>", text)
    text = _IPV4.sub("<ip>", text)
    text = _QUEUED_AS.sub(lambda m: f"{m.group(1)} <id>", text)
    text = _NAME_EQ.sub("name=<domain>", text)
    text = _HOST_AFTER.sub(lambda m: f"{m.group(1)} <host>", text)
    text = _HEXISH.sub("<id>", text)
    text = _keep_codes(text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Hint:
    """What a known reason means and what addresses it."""

    name: str
    pattern: re.Pattern[str]
    title: str
    explanation: str
    #: What to change; :data:`DOMAIN` stands for the destination (see :meth:`setting_for`).
    setting: str

    def setting_for(self, destinations: Sequence[tuple[str, int]]) -> str:
        """The setting for this cluster: its busiest destination where the setting names a
        domain (``transport_maps: yahoo.com slow:``), ``example.com`` when it has none."""
        domain = destinations[0][0] if destinations else "example.com"
        return self.setting.replace(DOMAIN, domain)


#: The destination's place in a hint's setting.
DOMAIN = "{domain}"


def _hint(name: str, pattern: str, title: str, explanation: str, setting: str) -> Hint:
    return Hint(name, re.compile(pattern, re.IGNORECASE), title, explanation, setting)


#: Known reasons, most specific first.
HINTS: tuple[Hint, ...] = (
    _hint(
        "greylisting",
        r"greylist|grey-list|graylist|try again in \d+ seconds|4\.7\.1 .*please try again later",
        "Greylisting",
        "The destination asks every new sender to retry later; Postfix will, nothing to do.",
        "none (retries follow minimal_backoff_time / maximal_backoff_time)",
    ),
    _hint(
        "rate-limit",
        r"too many (connections|concurrent|messages|recipients)|rate limit|throttl|"
        r"too fast|slow down|4\.7\.0 .*(limit|throttle)",
        "Rate limited by the destination",
        "It refuses more connections or messages from you at once. Give it a dedicated "
        "transport with one connection and one recipient per delivery.",
        "transport_maps: {domain} slow:  + master.cf slow unix smtp with "
        "slow_destination_concurrency_limit=1, slow_destination_recipient_limit=1",
    ),
    _hint(
        "relay-denied",
        r"relay access denied|relaying denied|not permitted to relay|relay not permitted",
        "Relay access denied",
        "The next hop does not accept this domain from you: a backup MX or relay that is not "
        "set up for it.",
        "relay_domains / the upstream's relay permission (or transport_maps to the right host)",
    ),
    _hint(
        "loops-back",
        r"mail for \S+ loops back to myself|loops back to myself",
        "Mail loops back to myself",
        "The domain's MX points at this server but Postfix does not treat it as local.",
        "mydestination, virtual_mailbox_domains or relay_domains (and the domain's MX records)",
    ),
    _hint(
        "too-big",
        r"message size exceeds|message too (big|large)|size limit|5\.3\.4|552 ",
        "Message too big",
        "The destination (or this server) refuses messages of this size.",
        "message_size_limit (here), or the sender must send a smaller message",
    ),
    _hint(
        "dns",
        r"host or domain name not found|name service error|no mx host|dns|"
        r"nxdomain|domain not found|unknown host",
        "DNS lookup failed",
        "The destination's MX/A records could not be found (typo domain, expired domain or a "
        "resolver problem).",
        "the resolver in /etc/resolv.conf, smtp_host_lookup, or delete mail for dead domains",
    ),
    _hint(
        "tls",
        r"tls|ssl|starttls|certificate|handshake",
        "TLS failure",
        "TLS was required but failed or was not offered by the destination.",
        "smtp_tls_security_level / smtp_tls_policy_maps for that destination",
    ),
    _hint(
        "refused",
        r"connection refused|timed out|no route to host|network is unreachable|"
        r"lost connection|host unreachable|connection reset",
        "Destination down or unreachable",
        "Nothing answers on the destination's SMTP port. When it is back, flush it.",
        "postqueue -s DOMAIN (or flush from this view); smtp_connect_timeout",
    ),
    _hint(
        "try-later",
        r"try again later|service (not available|unavailable)|temporar|421 |450 |451 |452 ",
        "Temporary failure at the destination",
        "The destination is overloaded or in maintenance; Postfix keeps retrying.",
        "maximal_queue_lifetime decides when such mail bounces",
    ),
    _hint(
        "deferred-transport",
        r"deferred transport",
        "Delivery deferred by configuration",
        "This transport is listed in defer_transports: mail waits until you remove it.",
        "defer_transports (then postqueue -f)",
    ),
    _hint(
        "mailbox",
        r"user unknown|no such user|mailbox (full|unavailable|not found)|quota|over quota|5\.1\.1",
        "Recipient problem",
        "The mailbox does not exist or is full at the destination.",
        "nothing here; a 5xx answer bounces the message",
    ),
)


def explain(reason: str) -> Optional[Hint]:
    """The first :data:`HINTS` entry matching ``reason`` (raw or normalised), or None."""
    if not reason:
        return None
    for hint in HINTS:
        if hint.pattern.search(reason):
            return hint
    return None
