"""What the current user may do with one Postfix instance, each with the reason when not.

- list: ``postqueue -j`` (set-gid, ``authorized_mailq_users``). Probed for real: postqueue is
  started and stopped at its first byte of output (or its exit) so the ACL, the config
  directory check and "mail system is down" (non-root) all show up, cheaply at any queue size.
- flush: ``postqueue -i 000000`` (an id no message can have: inode 0) is a harmless probe of
  ``authorized_flush_users`` and of the flush service being up.
- postsuper: root; or, only when the user opted in (``--sudo``), ``sudo -n -l postsuper``.
- postcat: root or the mail owner; or via ``sudo -n -l postcat`` when opted in.
"""

from __future__ import annotations

import asyncio
import os
import pwd
from typing import Optional

from mailq_tui.postfix.commands import (
    PostfixError,
    PostfixTools,
    friendly_error,
    kill_quietly,
    run,
    run_tool,
    spawn,
)
from mailq_tui.reports import Capability, Privileges

#: A syntactically valid queue id that names no message (inode number 0 never exists).
PROBE_ID = "000000"


def current_user() -> tuple[str, int]:
    """(name, uid) of the effective user."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name, uid
    except KeyError:
        return str(uid), uid


async def probe_list(tools: PostfixTools) -> Capability:
    """May this user list the queue? Runs ``postqueue -j`` up to its first output."""
    try:
        proc = await spawn(tools.argv("postqueue", "-j"))
    except PostfixError as exc:
        return Capability(False, exc.message)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        first = await asyncio.wait_for(proc.stdout.read(1), tools.timeout)
        if first:
            return Capability(True)
        code = await asyncio.wait_for(proc.wait(), tools.timeout)
        err = (await proc.stderr.read()).decode("utf-8", "replace")
    except asyncio.TimeoutError:
        return Capability(False, "postqueue -j did not answer in time")
    finally:
        await kill_quietly(proc)
    if code == 0:
        return Capability(True)
    return Capability(False, friendly_error("postqueue", err, code))


async def probe_flush(tools: PostfixTools) -> Capability:
    """May this user flush? ``postqueue -i 000000`` touches nothing and exits 0 when allowed."""
    try:
        res = await run_tool(tools, "postqueue", "-i", PROBE_ID)
    except PostfixError as exc:
        return Capability(False, exc.message)
    if res.returncode == 0:
        return Capability(True)
    return Capability(False, friendly_error("postqueue", res.stderr, res.returncode))


async def sudo_allows(tools: PostfixTools, tool: str) -> Capability:
    """Does ``sudo -n`` let this user run ``tool`` (``sudo -n -l PATH``)?"""
    try:
        path = tools.tool_path(tool)
    except PostfixError as exc:
        return Capability(False, exc.message)
    try:
        res = await run([*tools.prefix, "sudo", "-n", "-l", path], timeout=15)
    except PostfixError:
        return Capability(False, "--sudo was given but sudo is not installed")
    if res.returncode == 0:
        return Capability(True)
    why = friendly_error("sudo", res.stderr, res.returncode)
    return Capability(
        False,
        f"{tool} needs root and `sudo -n {tool}` is not allowed ({why}): add a NOPASSWD "
        f"sudoers rule for {path}",
    )


async def detect_privileges(
    tools: PostfixTools,
    mail_owner: str = "postfix",
    *,
    uid: Optional[int] = None,
    user: Optional[str] = None,
) -> Privileges:
    """Fill :class:`Privileges` for the current user (or ``uid``/``user`` when a test runs
    the tools through ``tools.prefix`` as someone else)."""
    if uid is None or user is None:
        user, uid = current_user()
    is_root = uid == 0
    list_cap, flush_cap = await asyncio.gather(probe_list(tools), probe_flush(tools))
    try:
        owner_uid: Optional[int] = pwd.getpwnam(mail_owner).pw_uid
    except KeyError:
        owner_uid = None
    via_sudo = False
    if is_root:
        postsuper_cap = Capability(True)
        postcat_cap = Capability(True)
    elif tools.use_sudo:
        postsuper_cap, postcat_cap = await asyncio.gather(
            sudo_allows(tools, "postsuper"), sudo_allows(tools, "postcat")
        )
        if uid == owner_uid:
            postcat_cap = Capability(True)
        via_sudo = postsuper_cap.allowed or postcat_cap.allowed
    else:
        postsuper_cap = Capability(
            False, "postsuper needs root: run as root, or pass --sudo with a sudoers rule"
        )
        postcat_cap = (
            Capability(True)
            if uid == owner_uid
            else Capability(
                False,
                f"reading messages (postcat) needs root or the mail owner ({mail_owner}): run "
                "as root, or pass --sudo with a sudoers rule",
            )
        )
    return Privileges(
        user=user,
        is_root=is_root,
        list=list_cap,
        flush=flush_cap,
        postsuper=postsuper_cap,
        postcat=postcat_cap,
        via_sudo=via_sudo,
    )
