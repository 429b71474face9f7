"""Running Postfix tools: argument lists only (never a shell), timeouts, friendly errors.

:class:`PostfixTools` knows how to build the command line of every Postfix tool for one
instance (``-c CONFIG_DIR``), whether privileged tools go through ``sudo -n``, and an optional
command *prefix* (a hook through which tests run a tool as another user). :func:`run` runs one
command and :func:`friendly_error` turns Postfix's fatal lines into a sentence for a human.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import asyncio

#: Where Postfix tools live when they are not on PATH (non-root users often lack /usr/sbin).
FALLBACK_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin")

#: Tools that need root (or ``sudo -n``) to do anything useful.
PRIVILEGED_TOOLS = frozenset({"postsuper", "postcat"})

DEFAULT_TIMEOUT = 120.0


class PostfixError(Exception):
    """A Postfix command failed; ``str(error)`` is a sentence fit for the user."""

    def __init__(self, message: str, *, returncode: Optional[int] = None, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        #: Postfix's own words (its stderr), for a log or a "details" pane.
        self.detail = detail

    @property
    def not_configured(self) -> bool:
        """True when the instance has no main.cf (a "No configuration" install, or a ``-c DIR``
        that names no Postfix configuration): nothing can be said about Postfix running."""
        return missing_main_cf(self.detail) is not None


@dataclass
class CommandResult:
    """What one finished command printed and returned."""

    argv: list[str]
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        """Non-empty stderr lines."""
        return [line for line in self.stderr.splitlines() if line.strip()]


def _which(name: str, extra_dirs: Sequence[str] = ()) -> Optional[str]:
    found = shutil.which(name)
    if found:
        return found
    for directory in (*extra_dirs, *FALLBACK_DIRS):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class PostfixTools:
    """How to run the Postfix tools of one instance.

    ``config_dir`` becomes ``-c CONFIG_DIR`` for every tool. ``use_sudo`` prefixes postsuper and
    postcat with ``sudo -n`` (the user opted in with ``--sudo``). ``prefix`` is prepended to
    every command (tests use it to run a tool as another user); it is empty in normal use.
    """

    config_dir: Optional[str] = None
    use_sudo: bool = False
    prefix: Sequence[str] = ()
    timeout: float = DEFAULT_TIMEOUT
    #: Extra directories to look in for tools (e.g. ``postconf -h command_directory``).
    search_dirs: Sequence[str] = ()
    _paths: dict[str, str] = field(default_factory=dict, repr=False)

    def tool_path(self, name: str) -> str:
        """Absolute path of a Postfix tool; :class:`PostfixError` when it is missing."""
        if name not in self._paths:
            found = _which(name, self.search_dirs)
            if found is None:
                raise PostfixError(
                    f"{name}: command not found (is Postfix installed? looked on PATH and "
                    f"in {', '.join(FALLBACK_DIRS)})"
                )
            self._paths[name] = found
        return self._paths[name]

    def argv(self, tool: str, *args: str) -> list[str]:
        """The full argument list to run ``tool`` with ``args`` on this instance."""
        argv: list[str] = list(self.prefix)
        if self.use_sudo and tool in PRIVILEGED_TOOLS:
            argv += ["sudo", "-n"]
        argv.append(self.tool_path(tool))
        if self.config_dir:
            argv += ["-c", self.config_dir]
        argv += list(args)
        return argv


#: Known fatal/error fragments (lowercase) -> what to tell the user. Checked in order.
_KNOWN_ERRORS: tuple[tuple[str, str], ...] = (
    (
        "mail system is down",
        "Postfix is not running (mail system is down): start it (postfix start), then try again",
    ),
    (
        "is not allowed to view the mail queue",
        "you are not allowed to view the mail queue: an administrator can add you to "
        "authorized_mailq_users in main.cf",
    ),
    (
        "is not allowed to flush the mail queue",
        "you are not allowed to flush the mail queue: an administrator can add you to "
        "authorized_flush_users in main.cf",
    ),
    (
        "reserved for the superuser",
        "this needs root: run as root, or pass --sudo with a sudoers rule for postsuper/postcat",
    ),
    (
        "unauthorized configuration directory name",
        "this configuration directory is not authorized for non-root users: list it in "
        "alternate_config_directories (or multi_instance_directories) of the default "
        "/etc/postfix/main.cf",
    ),
    ("invalid directory name", "Postfix rejected a queue name (invalid directory name)"),
    (
        "flush service is not configured for destination",
        "the fast flush service is not configured for this destination (fast_flush_domains)",
    ),
    ("invalid name", "Postfix rejected the queue id (invalid name)"),
    ("a password is required", "sudo needs a password: add a NOPASSWD sudoers rule"),
    ("a terminal is required", "sudo needs a password: add a NOPASSWD sudoers rule"),
    (
        "is not in the sudoers file",
        "sudo is not allowed for this user: an administrator must add a NOPASSWD sudoers rule",
    ),
    (
        "may not run sudo",
        "sudo is not allowed for this user: an administrator must add a NOPASSWD sudoers rule",
    ),
    (
        "not allowed to execute",
        "sudo does not allow this command for this user: an administrator must add a NOPASSWD "
        "sudoers rule for it",
    ),
    ("permission denied", "permission denied"),
)

_FATAL_RE = re.compile(r"^(?:[\w./-]+: )?(?:fatal|error): (?P<text>.*)$")


def fatal_lines(stderr: str) -> list[str]:
    """The ``fatal:`` / ``error:`` lines of a Postfix tool's stderr, without the prefix."""
    out = []
    for line in stderr.splitlines():
        m = _FATAL_RE.match(line.strip())
        if m:
            out.append(m.group("text"))
    return out


#: Every Postfix tool's first act is reading main.cf; without one it stops with this line.
_MISSING_MAIN_CF = re.compile(r"open (?P<path>\S*/main\.cf): No such file or directory")


def missing_main_cf(stderr: str) -> Optional[str]:
    """The path of the main.cf a Postfix tool could not open (from its stderr), or None."""
    m = _MISSING_MAIN_CF.search(stderr)
    return m.group("path") if m else None


def not_configured_error(tool: str, main_cf: str) -> str:
    """What to tell the user when ``main_cf`` does not exist: Postfix's own words, and what
    to do (configure this instance, or name another one with ``-c DIR``)."""
    config_dir = os.path.dirname(main_cf) or "."
    words = f"open {main_cf}: No such file or directory"
    if os.path.isdir(config_dir):
        return (
            f"{tool}: Postfix is not configured in {config_dir} ({words}): configure it, "
            "or pass -c DIR for another instance"
        )
    return (
        f"{tool}: no Postfix configuration directory {config_dir} ({words}): pass -c DIR "
        "with the directory that holds the instance's main.cf"
    )


def friendly_error(tool: str, stderr: str, returncode: Optional[int] = None) -> str:
    """One sentence for the user about why ``tool`` failed, from its stderr."""
    main_cf = missing_main_cf(stderr)
    if main_cf is not None:
        return not_configured_error(tool, main_cf)
    low = stderr.lower()
    for needle, message in _KNOWN_ERRORS:
        if needle in low:
            return f"{tool}: {message}"
    fatals = fatal_lines(stderr)
    if fatals:
        return f"{tool}: {fatals[0]}"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if lines:
        return f"{tool}: {lines[-1]}"
    if returncode is not None:
        return f"{tool} failed (exit status {returncode})"
    return f"{tool} failed"


async def spawn(
    argv: Sequence[str], *, stdin: bool = False, limit: int = 1 << 20, new_session: bool = False
) -> asyncio.subprocess.Process:
    """Start ``argv`` (no shell) with piped stdout/stderr; friendly error when missing.

    ``new_session``: run it in a session of its own, so the terminal's Ctrl+C and hangup
    reach only us (we then stop it cleanly), never the tool in the middle of its work.
    """
    import asyncio  # here: the CLI imports this module before it starts postqueue

    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=limit,
            start_new_session=new_session,
        )
    except FileNotFoundError as exc:
        raise PostfixError(f"{argv[0]}: command not found") from exc
    except PermissionError as exc:
        raise PostfixError(f"{argv[0]}: permission denied (cannot execute)") from exc


async def kill_quietly(proc: asyncio.subprocess.Process) -> None:
    """Kill ``proc`` if still running and reap it."""
    import asyncio

    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(proc.wait(), 5)


async def run(
    argv: Sequence[str], *, input: Optional[bytes] = None, timeout: float = DEFAULT_TIMEOUT
) -> CommandResult:
    """Run ``argv`` to completion and collect its output.

    Raises :class:`PostfixError` only when the command cannot start or times out; a non-zero
    exit status is returned in the result for the caller to judge.
    """
    import asyncio

    proc = await spawn(argv, stdin=input is not None)
    try:
        out, err = await asyncio.wait_for(proc.communicate(input), timeout)
    except asyncio.TimeoutError as exc:
        await kill_quietly(proc)
        name = os.path.basename(argv[0])
        raise PostfixError(f"{name} did not finish within {timeout:g} s (killed)") from exc
    assert proc.returncode is not None
    return CommandResult(list(argv), proc.returncode, out, err.decode("utf-8", "replace"))


async def run_tool(
    tools: PostfixTools, tool: str, *args: str, input: Optional[bytes] = None
) -> CommandResult:
    """Run one Postfix tool of this instance (see :meth:`PostfixTools.argv`)."""
    return await run(tools.argv(tool, *args), input=input, timeout=tools.timeout)


def check(result: CommandResult, tool: str) -> CommandResult:
    """Raise a friendly :class:`PostfixError` when ``result`` failed."""
    if result.returncode != 0:
        raise PostfixError(
            friendly_error(tool, result.stderr, result.returncode),
            returncode=result.returncode,
            detail=result.stderr,
        )
    return result
