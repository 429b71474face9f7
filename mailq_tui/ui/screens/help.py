"""Every key, from the same command table that builds the bindings and the palette."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mailq_tui.ui.commands import LIST_KEYS, QUEUE_COMMANDS, key_label


def help_table() -> Table:
    """Key, what it does, and the binding id (for keymaps)."""
    table = Table(box=None, expand=True, show_header=True, header_style="bold")
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    table.add_column("Id", no_wrap=True, style="dim")
    for cmd in QUEUE_COMMANDS:
        table.add_row(Text(key_label(cmd.key)), Text(cmd.help), Text(cmd.id))
    for key, what in LIST_KEYS:
        table.add_row(Text(key), Text(what), Text(""))
    return table


class HelpScreen(ModalScreen[None]):
    """The key table; Esc, q or ? closes it."""

    BINDINGS = [
        Binding(
            "escape,q,question_mark", "close", "Close", tooltip="Close the help", id="help.close"
        ),
    ]

    def compose(self) -> ComposeResult:
        """Title and table in a scrollable box."""
        with VerticalScroll(id="help-dialog"):
            yield Static(Text("mailq-tui keys"), id="help-title")
            yield Static(help_table(), id="help-table")
            yield Static(
                Text(
                    "Actions apply to the marked messages, or to the one under the cursor "
                    "when nothing is marked. Every action asks first."
                ),
                id="help-note",
            )

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
