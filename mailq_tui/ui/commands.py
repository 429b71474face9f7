"""Every queue-screen command, defined once: it feeds the key bindings, the command palette
(:class:`QueueCommands`) and the help screen.

Each command has a stable id (``queue.delete``...) usable in a user keymap
(``App.set_keymap``), a key, a short footer description and a longer tooltip/help text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class Command:
    """One user command of the queue screen."""

    id: str
    key: str
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
    Command(
        "queue.delete",
        "d",
        "act('delete')",
        "Delete",
        "Delete the marked messages (or the one under the cursor)",
    ),
    Command(
        "queue.hold",
        "h",
        "act('hold')",
        "Hold",
        "Put the marked messages (or the one under the cursor) on hold",
    ),
    Command(
        "queue.release",
        "H",
        "act('release')",
        "Release",
        "Release the marked messages (or the one under the cursor) from hold",
    ),
    Command(
        "queue.requeue",
        "r",
        "act('requeue')",
        "Requeue",
        "Requeue the marked messages (or the one under the cursor)",
    ),
    Command(
        "queue.flush_ids",
        "f",
        "flush('ids')",
        "Flush",
        "One delivery attempt now for the marked messages (or the one under the cursor)",
        group=FLUSH_GROUP,
    ),
    Command(
        "queue.flush_site",
        "t",
        "flush('site')",
        "Flush site",
        "Flush the destination of the message under the cursor (postqueue -s)",
        show=False,
        spare=True,
        group=FLUSH_GROUP,
    ),
    Command(
        "queue.flush_all",
        "F",
        "flush('all')",
        "Flush all",
        "Attempt delivery of everything now (postqueue -f)",
        show=False,
        spare=True,
        group=FLUSH_GROUP,
    ),
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
)

#: Keys handled by the list itself (shown in the help only).
LIST_KEYS: tuple[tuple[str, str], ...] = (
    ("↑/k ↓/j", "Move the cursor"),
    ("PgUp PgDn", "One screen up / down"),
    ("Home End", "First / last message"),
    ("click, double click", "Move the cursor / open the message"),
    ("Esc", "Leave the filter bar / close a screen"),
    ("Ctrl+P", "Command palette"),
    ("Ctrl+Q", "Quit"),
)


def queue_bindings() -> list[Binding]:
    """The queue screen's bindings, from :data:`QUEUE_COMMANDS`."""
    return [cmd.binding() for cmd in QUEUE_COMMANDS]


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
            why = screen.unavailable_reason(cmd.action)
            help_text = f"{cmd.help} (key: {cmd.key})" + (f" — unavailable: {why}" if why else "")
            out.append((cmd.help, help_text, cmd))
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
