"""One message: envelope, every recipient with its own reason, expiry, headers and body.

Headers and body come from ``postcat -q`` in a worker; the text is made safe and split into
lines off the UI thread, then shown in a ``Log`` (a Line-API view: only visible lines are
drawn, so multi-MB bodies scroll smoothly). An operation's key dismisses the screen with its
:class:`~mailq_tui.operations.Op`; the queue screen confirms and runs it on this message. The
keys are the queue screen's (:func:`~mailq_tui.ui.commands.message_bindings`), and so is the
rule for when each is available (the ``why`` the queue screen passes in).
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, ClassVar, Optional

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Log, Static

from mailq_tui.engine import PostcatResult, PostfixSettings
from mailq_tui.formatting import plural, short_age, short_size
from mailq_tui.glyphs import current as glyphs
from mailq_tui.model.expiry import expiry
from mailq_tui.model.message import Message
from mailq_tui.operations import Op
from mailq_tui.reports import Privileges
from mailq_tui.safe_text import visible
from mailq_tui.ui.availability import ExplainingScreen
from mailq_tui.ui.backend import QueueBackend
from mailq_tui.ui.commands import message_bindings
from mailq_tui.ui.widgets.footer import Footer

#: Longest line shown in the content view (longer ones are cut, with a marker).
MAX_LINE = 2000


def expiry_text(msg: Message, now: float, settings: Optional[PostfixSettings]) -> str:
    """When Postfix gives up on this message (bounce_queue_lifetime for null-sender mail);
    held mail does not expire until released (:mod:`mailq_tui.model.expiry`)."""
    facts = expiry(msg, now, (settings or PostfixSettings()).lifetimes)
    if facts.forced:
        return "force-expired: returned to the sender at the next delivery attempt"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(facts.at))
    limit = f"{facts.parameter} {short_age(facts.lifetime)}"
    if facts.held:
        if facts.past:
            return (
                f"does not expire while on hold; released, it expires at once (past {limit} "
                f"since {when}): requeue (r) gives it a new lifetime"
            )
        left = short_age(facts.at - now)
        return f"does not expire while on hold; released, it would expire {when} ({left}, {limit})"
    if facts.past:
        return f"past {limit}: bounces at the next attempt ({when})"
    return f"expires in {short_age(facts.at - now)} ({when}, {limit})"


def envelope_text(msg: Message, now: float, settings: Optional[PostfixSettings]) -> Text:
    """The envelope as plain text, every recipient with its own delay reason."""
    arrived = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(msg.arrival_time))
    sender = "<> (null sender: a bounce or notification)" if msg.is_null_sender else msg.sender
    text = Text()
    rows = [
        ("Queue id", msg.queue_id),
        ("Queue", msg.queue_name),
        ("Arrived", f"{arrived} ({short_age(now - msg.arrival_time)} ago)"),
        ("Size", f"{short_size(msg.message_size)} ({plural(msg.message_size, 'byte')})"),
        ("Expiry", expiry_text(msg, now, settings)),
        ("Sender", sender),
        ("Recipients", str(len(msg.recipients))),
    ]
    for label, value in rows:
        text.append(f"{label:>10}  ", style="bold")
        text.append(visible(value, 500) + "\n")
    for rcpt in msg.recipients:
        text.append(f"  {glyphs().bullet} ")
        text.append(visible(rcpt.address, 300))
        text.append("\n      ")
        reason = rcpt.delay_reason or "(no reason yet: not tried, or being delivered)"
        text.append(visible(reason, 1000) + "\n", style="italic")
    return text


def content_lines(result: PostcatResult) -> list[str]:
    """Headers, a blank line and the body, each line made safe (run in a thread)."""
    lines: list[str] = []
    for key, value in result.headers:
        first, *folded = value.split("\n")
        lines.append(f"{visible(key, 200)}: {visible(first.expandtabs(), MAX_LINE)}")
        lines.extend(visible(more.expandtabs(), MAX_LINE) for more in folded)
    lines.append("")
    for line in result.body.split("\n"):
        lines.append(visible(line.expandtabs(), MAX_LINE))
    if result.truncated:
        lines.append(f"{glyphs().dots} cut after {short_size(result.bytes_read)} {glyphs().dots}")
    return lines


class MessageScreen(ExplainingScreen[Optional[Op]]):
    """Envelope and content of one message; keys act on it.

    ``backend``: reads the content. ``privileges``: what this user may do (keys they may
    never use leave the footer). ``why``: why an operation cannot run on this message now
    ("" when it can); the queue screen's rule.
    """

    BINDINGS: ClassVar[list[BindingType]] = list(message_bindings())

    def __init__(
        self,
        message: Message,
        now: float,
        *,
        backend: QueueBackend,
        settings: Optional[PostfixSettings],
        privileges: Optional[Privileges],
        why: Callable[[Op], str],
    ) -> None:
        super().__init__()
        self.message = message
        self.now = now
        self.backend = backend
        self.settings = settings
        self.privileges = privileges
        self._why = why

    def compose(self) -> ComposeResult:
        """Envelope on top, content below, footer."""
        with VerticalScroll(id="envelope-pane"):
            yield Static(envelope_text(self.message, self.now, self.settings), id="envelope")
        yield Static(
            Text(f"Loading headers and body (postcat){glyphs().dots}"), id="content-status"
        )
        yield Log(id="content", highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        """Fetch the content in the background."""
        self.query_one("#content", Log).focus()
        self.load_content()

    @work(exclusive=True, group="postcat", exit_on_error=False, description="postcat")
    async def load_content(self) -> None:
        """``postcat -q`` through the backend; lines prepared in a thread."""
        status = self.query_one("#content-status", Static)
        result = await self.backend.postcat(self.message.queue_id)
        if result.error:
            status.update(Text(f"Headers and body unavailable: {visible(result.error, 300)}"))
            return
        lines = await asyncio.to_thread(content_lines, result)
        where = visible(result.queue_file or self.message.queue_id, 80)
        size = short_size(result.bytes_read)
        status.update(Text(f"{where} {glyphs().dash} {plural(len(lines), 'line')}, {size}"))
        self.query_one("#content", Log).write_lines(lines, scroll_end=False)

    def unavailable_reason(self, action: str, parameters: tuple[object, ...] = ()) -> str:
        """Why the Textual ``action`` cannot run on the message now ("" when it can)."""
        op = Op.from_action(action, parameters)
        return self._why(op) if op is not None else ""

    def action_operate(self, name: str) -> None:
        """Back to the queue screen, which confirms and runs the operation on this message."""
        self.dismiss(Op(name))

    def action_close(self) -> None:
        """Back to the queue."""
        self.dismiss(None)
