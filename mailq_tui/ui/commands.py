"""Every command, defined once: it feeds the key bindings, the command palette
(:class:`QueueCommands`) and the help screen.

Each command has a stable id (``queue.delete``...) usable in a user keymap
(``App.set_keymap``), a key, a short footer description and a longer tooltip/help text. A
command that operates on mail names its :class:`~mailq_tui.operations.Op`; its Textual action
is derived from it, and the queue and message screens take their operation keys from the same
table (:data:`OPERATION_KEYS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Optional

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from mailq_tui.operations import MESSAGE_OPS, Op
from mailq_tui.safe_text import visible


@dataclass(frozen=True)
class Command:
    """One user command of the queue screen."""

    id: str
    key: str
    #: The Textual action (derived from ``op`` for an operation: see :func:`operation`).
    action: str
    description: str
    help: str
    show: bool = True
    #: Shown in the footer (although ``show`` is False) when keys this user's privileges
    #: forbid are hidden from it: an ordinary user sees the flushes instead of postsuper.
    spare: bool = False
    #: Keys of one group shown side by side in the footer share this description.
    group: str = ""
    #: Shown in the palette (list navigation keys are not).
    palette: bool = True
    #: The operation on mail this command runs (None for views, marks, navigation).
    op: Optional[Op] = None

    def binding(self) -> Binding:
        """The Textual binding for this command."""
        return Binding(
            self.key,
            self.action,
            self.description,
            show=self.show,
            tooltip=self.help,
            id=self.id,
            group=Binding.Group(self.group) if self.group else None,
        )


@dataclass(frozen=True)
class OperationKey:
    """How an operation is offered: its key, footer word, and what it does to the list's
    selection or to the one message shown."""

    key: str
    description: str
    list_help: str
    message_help: str = ""


#: Every operation's key, on the queue screen and (for those that act on one message) on the
#: message screen.
OPERATION_KEYS: dict[Op, OperationKey] = {
    Op.DELETE: OperationKey(
        "d",
        "Delete",
        "Delete the marked messages (or the one under the cursor)",
        "Delete this message",
    ),
    Op.HOLD: OperationKey(
        "h",
        "Hold",
        "Put the marked messages (or the one under the cursor) on hold",
        "Put this message on hold",
    ),
    Op.RELEASE: OperationKey(
        "H",
        "Release",
        "Release the marked messages (or the one under the cursor) from hold",
        "Release this message from hold",
    ),
    Op.REQUEUE: OperationKey(
        "r",
        "Requeue",
        "Requeue the marked messages (or the one under the cursor)",
        "Requeue this message",
    ),
    Op.FLUSH_IDS: OperationKey(
        "f",
        "Flush",
        "One delivery attempt now for the marked messages (or the one under the cursor)",
        "One delivery attempt now",
    ),
    Op.FLUSH_SITE: OperationKey(
        "t",
        "Flush site",
        "Flush the destination of the message under the cursor (postqueue -s)",
    ),
    Op.FLUSH_ALL: OperationKey(
        "F", "Flush all", "Attempt delivery of everything now (postqueue -f)"
    ),
}

#: The id of each operation's command (``queue.delete``, ``message.flush_ids``...): user keymaps
#: name these.
OPERATION_IDS = {
    Op.DELETE: "delete",
    Op.HOLD: "hold",
    Op.RELEASE: "release",
    Op.REQUEUE: "requeue",
    Op.FLUSH_IDS: "flush_ids",
    Op.FLUSH_SITE: "flush_site",
    Op.FLUSH_ALL: "flush_all",
}


def operation(op: Op, *, show: bool = True, spare: bool = False, group: str = "") -> Command:
    """The queue screen's command for ``op``."""
    keys = OPERATION_KEYS[op]
    return Command(
        f"queue.{OPERATION_IDS[op]}",
        keys.key,
        op.action,
        keys.description,
        keys.list_help,
        show=show,
        spare=spare,
        group=group,
        op=op,
    )


#: The flushes side by side in the footer (an ordinary user's only actions): ``f t F Flush
#: id/site/all`` fits an 80-column footer where three separate keys would not.
FLUSH_GROUP = "Flush id/site/all"

QUEUE_COMMANDS: tuple[Command, ...] = (
    Command("queue.filter", "slash", "focus_filter", "Filter", "Filter the list with a query"),
    Command(
        "queue.open",
        "enter",
        "open_message",
        "Open",
        "Show the message under the cursor",
        show=False,
    ),
    Command("queue.mark", "space", "toggle_mark", "Mark", "Mark or unmark the message"),
    Command(
        "queue.mark_all",
        "asterisk,a",
        "mark_all",
        "Mark all",
        "Mark every message the filter matches",
    ),
    Command("queue.clear_marks", "u", "clear_marks", "Unmark", "Clear all marks"),
    operation(Op.DELETE),
    operation(Op.HOLD),
    operation(Op.RELEASE),
    operation(Op.REQUEUE),
    operation(Op.FLUSH_IDS, group=FLUSH_GROUP),
    operation(Op.FLUSH_SITE, show=False, spare=True, group=FLUSH_GROUP),
    operation(Op.FLUSH_ALL, show=False, spare=True, group=FLUSH_GROUP),
    Command(
        "queue.sort",
        "o",
        "cycle_sort",
        "Sort",
        "Sort by the next column (age, size, queue, id, sender, recipient, reason)",
        show=False,
    ),
    Command("queue.reverse", "O", "reverse_sort", "Reverse", "Reverse the sort order", show=False),
    Command(
        "queue.group",
        "b",
        "cycle_group",
        "Group",
        "Group by recipient domain, sender domain, sender, reason, or not at all; Enter on a "
        "group shows its messages, Space marks them all",
    ),
    Command(
        "queue.shape",
        "s",
        "shape",
        "Shape",
        "Queue shape: domains by age as a heat map (qshape); Enter shows a cell's messages",
    ),
    Command(
        "queue.reasons",
        "R",
        "reasons",
        "Reasons",
        "Deferral reasons: clusters with counts and hints; Enter shows a cluster's messages",
    ),
    Command("queue.refresh", "g", "refresh_now", "Refresh", "Read the queue again now", show=False),
    Command("queue.pause", "p", "toggle_pause", "Pause", "Pause or resume live refresh"),
    Command("queue.log", "l", "toggle_log", "Log", "Show or hide the action log"),
    Command(
        "queue.health",
        "i",
        "toggle_health",
        "Health",
        "Show or hide the Postfix health panel (master, processes, load, queue trend)",
        show=False,
    ),
    Command("queue.help", "question_mark", "help", "Help", "List every key"),
    Command(
        "queue.quit",
        "q",
        "app.quit",
        "Quit",
        "Quit (while an action runs, asks first, as Ctrl+Q does)",
        show=False,
        palette=False,  # the palette has Textual's own Quit
    ),
)

#: Keys handled by the list itself (shown in the help only).
LIST_KEYS: tuple[tuple[str, str], ...] = (
    ("↑/k ↓/j", "Move the cursor"),
    ("PgUp PgDn", "One screen up / down"),
    ("Home End", "First / last message"),
    ("mouse", "Click moves the cursor, double click opens the message"),
    ("Esc", "Leave the filter bar / close a screen"),
    ("Ctrl+P", "Command palette"),
    ("Ctrl+Q", "Quit"),
)


#: How Textual key names read to a person.
KEY_NAMES = {
    "slash": "/",
    "asterisk": "*",
    "question_mark": "?",
    "space": "Space",
    "enter": "Enter",
    "escape": "Esc",
}


def key_label(key: str) -> str:
    """``asterisk,a`` -> ``* a``."""
    return " ".join(KEY_NAMES.get(k, k) for k in key.split(","))


def queue_bindings() -> list[Binding]:
    """The queue screen's bindings, from :data:`QUEUE_COMMANDS`."""
    return [cmd.binding() for cmd in QUEUE_COMMANDS]


def message_bindings() -> list[Binding]:
    """The message screen's bindings: back, the operations on one message (same keys as on
    the queue screen), next pane."""
    operations = [
        Binding(
            OPERATION_KEYS[op].key,
            op.action,
            OPERATION_KEYS[op].description,
            tooltip=OPERATION_KEYS[op].message_help,
            id=f"message.{OPERATION_IDS[op]}",
        )
        for op in MESSAGE_OPS
    ]
    return [
        Binding("escape,q", "close", "Back", tooltip="Back to the queue", id="message.back"),
        *operations,
        Binding("tab", "focus_next", "Next pane", show=False, id="message.next"),
    ]


class QueueCommands(Provider):
    """Command palette entries for every queue-screen command.

    An unavailable command (e.g. delete without postsuper rights) is listed with the reason
    and, when chosen, tells it in a notification instead of acting.
    """

    def _commands(self) -> list[tuple[str, str, Command]]:
        from mailq_tui.ui.screens.queue import QueueScreen

        screen = self.screen
        if not isinstance(screen, QueueScreen):
            return []
        out = []
        for cmd in QUEUE_COMMANDS:
            if not cmd.palette:
                continue
            why = screen.command_unavailable(cmd)
            help_text = f"key {key_label(cmd.key)}" + (f" — unavailable: {why}" if why else "")
            out.append((f"{cmd.description}: {cmd.help}", help_text, cmd))
        return out

    def _run(self, cmd: Command) -> None:
        from mailq_tui.ui.screens.queue import QueueScreen

        screen = self.screen
        if isinstance(screen, QueueScreen):
            screen.run_command(cmd)

    async def discover(self) -> Hits:
        """Every command, before anything is typed."""
        for title, help_text, cmd in self._commands():
            yield DiscoveryHit(title, partial(self._run, cmd), help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands whose title matches ``query``."""
        matcher = self.matcher(query)
        for title, help_text, cmd in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, cmd), help=help_text)


class SavedFilterCommands(Provider):
    """A palette entry per saved filter of the config file (``Filter: stuck-gmail —
    domain:gmail.com age:>2h``): choosing it puts ``@stuck-gmail`` in the filter bar.

    Titles are plain :class:`Content` (never markup): a query such as ``/[0-9]+/`` is text.
    """

    def _filters(self) -> list[tuple[str, str]]:
        """(title, name) for every saved filter of the queue screen, by name."""
        from mailq_tui.ui.screens.queue import QueueScreen

        screen = self.screen
        if not isinstance(screen, QueueScreen):
            return []
        return [
            (f"Filter: {visible(name, 60)} — {visible(query, 200)}", name)
            for name, query in sorted(screen.saved_filters.items())
        ]

    def _apply(self, name: str) -> None:
        from mailq_tui.ui.screens.queue import QueueScreen

        screen = self.screen
        if isinstance(screen, QueueScreen):
            screen.apply_saved_filter(name)

    async def discover(self) -> Hits:
        """Every saved filter, before anything is typed."""
        for title, name in self._filters():
            yield DiscoveryHit(
                Content(title), partial(self._apply, name), text=title, help=f"@{name}"
            )

    async def search(self, query: str) -> Hits:
        """Saved filters whose title matches ``query``."""
        matcher = self.matcher(query)
        for title, name in self._filters():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    Content(title),
                    partial(self._apply, name),
                    text=title,
                    help=f"@{name}",
                )
