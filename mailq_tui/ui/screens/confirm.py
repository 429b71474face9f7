"""A typed yes/no dialog: ``ModalScreen[bool]`` with focus on "No"; y / n / Esc.

Keys sent before the dialog was shown (typed ahead in the same burst as the key that opened
it) are dropped: only a key pressed while the question is on screen answers it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mailq_tui.safe_text import visible_lines
from mailq_tui.ui.keys import FreshKeysOnly


class ConfirmScreen(FreshKeysOnly, ModalScreen[bool]):
    """Ask before doing something that cannot be undone. Dismisses with True only on "Yes"."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", tooltip="Do it", id="confirm.yes"),
        Binding("n", "answer(False)", "No", tooltip="Do nothing", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", tooltip="Do nothing", id="confirm.cancel"),
        Binding("left,right", "focus_next", show=False, id="confirm.switch"),
    ]

    def __init__(self, title: str, body: str, yes_label: str = "Yes") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._yes_label = yes_label

    def compose(self) -> ComposeResult:
        """Title, the plain-text description (control and bidi characters shown as escapes,
        line breaks kept), and the two buttons (No first)."""
        with Vertical(id="confirm-dialog"):
            yield Static(Text(visible_lines(self._title)), id="confirm-title")
            yield Static(Text(visible_lines(self._body)), id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button("No", id="no", variant="primary")
                yield Button(self._yes_label, id="yes", variant="error")

    def on_mount(self) -> None:
        """The safe answer has the focus."""
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Yes -> True, No -> False."""
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        """Answer from the keyboard."""
        self.dismiss(value)
