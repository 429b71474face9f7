"""A typed yes/no dialog: ``ModalScreen[bool]`` with focus on "No"; y / n / Esc.

Keys sent before the dialog was shown (typed ahead in the same burst as the key that opened
it) are dropped: only a key pressed while the question is on screen answers it.

For the gravest actions (every message in the queue) the dialog asks for a typed word
instead: ``y`` and Enter alone do nothing there, so a reflex cannot act on the whole queue.
"""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from mailq_tui.safe_text import visible_lines
from mailq_tui.ui.keys import FreshKeysOnly


class ConfirmScreen(FreshKeysOnly, ModalScreen[bool]):
    """Ask before doing something that cannot be undone. Dismisses with True only on "Yes".

    With ``confirm_word`` the answer is "Yes" only once that word is typed in the dialog's
    input (then Enter, or the Yes button, which stays disabled until then).
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", tooltip="Do it", id="confirm.yes"),
        Binding("n", "answer(False)", "No", tooltip="Do nothing", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", tooltip="Do nothing", id="confirm.cancel"),
        Binding("left,right", "focus_next", show=False, id="confirm.switch"),
    ]

    def __init__(
        self, title: str, body: str, yes_label: str = "Yes", confirm_word: Optional[str] = None
    ) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._yes_label = yes_label
        self._word = confirm_word

    def compose(self) -> ComposeResult:
        """Title, the plain-text description (control and bidi characters shown as escapes,
        line breaks kept), the word to type (if any), the buttons (No first)."""
        with Vertical(id="confirm-dialog"):
            yield Static(Text(visible_lines(self._title)), id="confirm-title")
            yield Static(Text(visible_lines(self._body)), id="confirm-body")
            if self._word is not None:
                yield Static(
                    Text(f'Type "{self._word}" and press Enter to confirm (Esc cancels).'),
                    id="confirm-hint",
                )
                yield Input(placeholder=self._word, id="confirm-word")
            with Horizontal(id="confirm-buttons"):
                yield Button("No", id="no", variant="primary")
                yield Button(
                    self._yes_label, id="yes", variant="error", disabled=self._word is not None
                )

    def on_mount(self) -> None:
        """The safe answer has the focus (or the input, when a word must be typed)."""
        target = "#confirm-word" if self._word is not None else "#no"
        self.query_one(target).focus()

    @property
    def typed(self) -> bool:
        """True when no word is asked for, or the input holds it."""
        if self._word is None:
            return True
        inputs = self.query("#confirm-word").results(Input)
        return any(i.value.strip().lower() == self._word for i in inputs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        """ "Yes" from the keyboard only when the word (if any) was typed."""
        if action == "answer" and parameters[:1] == (True,):
            return self.typed
        return True

    @on(Input.Changed, "#confirm-word")
    def _word_changed(self) -> None:
        self.query_one("#yes", Button).disabled = not self.typed

    @on(Input.Submitted, "#confirm-word")
    def _word_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.typed:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Yes -> True, No -> False."""
        event.stop()
        self.dismiss(event.button.id == "yes" and self.typed)

    def action_answer(self, value: bool) -> None:
        """Answer from the keyboard."""
        self.dismiss(value and self.typed)
