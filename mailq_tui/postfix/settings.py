"""Postfix settings the app needs, read with ONE ``postconf [-c DIR] -x NAME...``.

``postconf -h NAME...`` prints bare values in order, but silently drops an unknown name (only a
warning on stderr), which would shift every value after it; so the ``name = value`` form is read
instead and matched by name. ``-x`` expands ``$parameter`` references (e.g.
``bounce_queue_lifetime = $maximal_queue_lifetime``, ``fast_flush_domains = $relay_domains``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from mailq_tui.model.expiry import Lifetimes
from mailq_tui.postfix.commands import PostfixTools, check, run_tool

#: Parameter -> unit a bare number means (Postfix's own defaults for these parameters).
DURATION_PARAMS = {
    "maximal_queue_lifetime": "d",
    "bounce_queue_lifetime": "d",
    "minimal_backoff_time": "s",
    "maximal_backoff_time": "s",
    "queue_run_delay": "s",
}
STRING_PARAMS = (
    "authorized_flush_users",
    "authorized_mailq_users",
    "fast_flush_domains",
    "mail_owner",
    "queue_directory",
    "command_directory",
    "mail_version",
    "enable_long_queue_ids",
)
ALL_PARAMS = (*DURATION_PARAMS, *STRING_PARAMS)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhdwSMHDW]?)\s*$")


def parse_duration(value: str, default_unit: str = "s") -> int:
    """Seconds for a Postfix time value (``300s``, ``5d``, ``1w``; bare number: default unit).

    Raises ValueError for anything else.
    """
    m = _DURATION_RE.match(value)
    if not m:
        raise ValueError(f"not a Postfix time value: {value!r}")
    unit = (m.group(2) or default_unit).lower()
    return int(m.group(1)) * _UNITS[unit]


def parse_postconf(text: str) -> dict[str, str]:
    """``name = value`` lines of ``postconf`` into a dict (values stripped)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            out[name.strip()] = value.strip()
    return out


@dataclass
class PostfixSettings:
    """The settings mailq-tui uses; durations in seconds."""

    maximal_queue_lifetime: int = 5 * 86400
    bounce_queue_lifetime: int = 5 * 86400
    minimal_backoff_time: int = 300
    maximal_backoff_time: int = 4000
    queue_run_delay: int = 300
    authorized_flush_users: str = "static:anyone"
    authorized_mailq_users: str = "static:anyone"
    fast_flush_domains: str = ""
    mail_owner: str = "postfix"
    queue_directory: str = "/var/spool/postfix"
    command_directory: str = "/usr/sbin"
    mail_version: str = ""
    enable_long_queue_ids: bool = False
    #: Values that could not be parsed (the default above was kept).
    warnings: list[str] = field(default_factory=list)

    @property
    def has_json_listing(self) -> bool:
        """``postqueue -j`` exists (Postfix 3.1+); True when the version is unknown."""
        from mailq_tui.postfix.listing import mail_version_has_json

        return not self.mail_version or mail_version_has_json(self.mail_version)

    @property
    def lifetimes(self) -> Lifetimes:
        """The queue lifetimes, for the expiry rules of :mod:`mailq_tui.model.expiry`."""
        return Lifetimes(self.maximal_queue_lifetime, self.bounce_queue_lifetime)


def settings_from_values(values: dict[str, str]) -> PostfixSettings:
    """Build :class:`PostfixSettings` from ``postconf`` name/value pairs."""
    settings = PostfixSettings()
    for name, unit in DURATION_PARAMS.items():
        if name in values:
            try:
                setattr(settings, name, parse_duration(values[name], unit))
            except ValueError as exc:
                settings.warnings.append(f"{name}: {exc}")
    for name in STRING_PARAMS:
        if name in values:
            if name == "enable_long_queue_ids":
                settings.enable_long_queue_ids = values[name].lower() in ("yes", "true", "1")
            else:
                setattr(settings, name, values[name])
    return settings


async def read_settings(
    tools: PostfixTools, names: Optional[tuple[str, ...]] = None
) -> PostfixSettings:
    """Read the settings with one ``postconf -x`` run (friendly PostfixError on failure)."""
    result = check(await run_tool(tools, "postconf", "-x", *(names or ALL_PARAMS)), "postconf")
    settings = settings_from_values(parse_postconf(result.stdout.decode("utf-8", "replace")))
    settings.warnings.extend(line for line in result.stderr_lines if "warning" in line)
    return settings
