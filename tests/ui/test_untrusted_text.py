"""Mail text from strangers on every path to the screen: list, filter bar (drill-downs from the
reasons and shape screens, paste), message screen, confirm dialog, notifications, action log.

Each test reads what the compositor would send to the terminal (the text of every segment
of the active screen) and asserts that no raw U+202E (right-to-left override) or ESC is in it,
and that Rich markup in the mail is shown literally.
"""

from __future__ import annotations

from textual import events

from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.message import MessageScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.screens.shape import ShapeScreen
from mailq_tui.ui.widgets.safe_input import MARKER, SafeInput
from tests.doubles import RecordedBackend
from tests.pilot import RLO, assert_safe, open_screen, queue_screen, screen_text, settle, shown_ids

from .conftest import NOW, make_app, make_backend

MARKUP = "[bold red]x[/]"
#: A reason with a bidi override, a terminal escape sequence and Rich markup.
HOSTILE_REASON = (
    f"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 {RLO}gnp \x1b[2J {MARKUP} slow down "
    "(in reply to RCPT TO command)"
)
#: The same reason as ``postqueue -j`` would print it without the two unsafe characters:
#: a different cluster that a drill-down into the hostile one must not select.
LOOKALIKE_REASON = HOSTILE_REASON.replace(RLO, "?").replace("\x1b", "?")
HOSTILE_DOMAIN = f"{RLO}elpmaxe.evil"
HOSTILE_SENDER = f"ev\x1b[2Jil{RLO}{MARKUP}@spam.example"


def hostile_messages() -> list[Message]:
    """Three hostile messages (two in the hostile reason's cluster) and a look-alike."""

    def message(queue_id: str, reason: str, domain: str = "victim.example") -> Message:
        return Message(
            queue_name="deferred",
            queue_id=queue_id,
            arrival_time=int(NOW) - 7200,
            message_size=1234,
            sender=HOSTILE_SENDER,
            recipients=[Recipient(f"user@{domain}", reason)],
        )

    return [
        message("ABCDEF0001", HOSTILE_REASON),
        message("ABCDEF0002", HOSTILE_REASON, HOSTILE_DOMAIN),
        message("ABCDEF0003", LOOKALIKE_REASON, HOSTILE_DOMAIN),
    ]


def hostile_backend() -> RecordedBackend:
    """The recorded queue with the hostile messages first."""
    backend = make_backend()
    backend.messages[0:0] = hostile_messages()
    return backend


def bar_text(app: MailqApp) -> str:
    """The filter bar as drawn."""
    bar = queue_screen(app).query_one("#filter", SafeInput)
    return "".join(segment.text for segment in bar.render_line(0))


def ids_in_cluster(backend: RecordedBackend, reason: str) -> set[str]:
    """Ids of the messages with a recipient whose reason is in ``reason``'s cluster."""
    key = normalise_reason(reason)
    return {
        m.queue_id
        for m in backend.messages
        if any(normalise_reason(r.delay_reason) == key for r in m.recipients)
    }


async def test_reasons_drill_down_into_a_hostile_cluster_shows_no_raw_control() -> None:
    backend = hostile_backend()
    expected = ids_in_cluster(backend, HOSTILE_REASON)
    assert expected == {"ABCDEF0001", "ABCDEF0002"}
    app = make_app(backend)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "R", ReasonsScreen)
        assert screen.summary is not None
        keys = [c.key for c in screen.summary.clusters]
        row = keys.index(normalise_reason(HOSTILE_REASON))
        for _ in range(row):
            await pilot.press("down")
        await pilot.pause()
        text = screen_text(app)
        assert_safe(text)
        assert MARKUP in text and "\\u202egnp" in text
        await pilot.press("enter")
        await settle(pilot)
        assert set(shown_ids(app)) == expected
        value = queue_screen(app).query_one("#filter", SafeInput).value
        assert RLO not in value and "\x1b" not in value  # written as escapes
        assert RLO not in bar_text(app) and "\x1b" not in bar_text(app)
        assert "\\u202e" in bar_text(app)
        text = screen_text(app)
        assert_safe(text)
        assert MARKUP in text


async def test_shape_drill_down_into_a_hostile_domain_shows_no_raw_control() -> None:
    backend = hostile_backend()
    app = make_app(backend)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "s", ShapeScreen)
        assert screen.shape is not None
        assert_safe(screen_text(app))
        domains = [name for name, _ in screen.shape.rows]
        for _ in range(domains.index(HOSTILE_DOMAIN)):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert set(shown_ids(app)) == {"ABCDEF0002", "ABCDEF0003"}
        assert RLO not in queue_screen(app).query_one("#filter", SafeInput).value
        assert_safe(screen_text(app))


async def test_a_pasted_control_character_is_drawn_as_a_marker() -> None:
    backend = hostile_backend()
    app = make_app(backend)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        bar = queue_screen(app).query_one("#filter", SafeInput)
        bar.post_message(events.Paste(f"{RLO}gnp"))
        await settle(pilot)
        assert bar.value == f"{RLO}gnp"  # the value keeps its meaning...
        assert set(shown_ids(app)) == {"ABCDEF0001", "ABCDEF0002"}
        drawn = bar_text(app)
        assert RLO not in drawn and drawn.startswith(f"{MARKER}gnp")  # ...drawn as a marker
        await pilot.press("home", "right")  # the cursor after the marker: in cell 1
        assert bar.cursor_position == 1
        assert bar.cursor_screen_offset.x - bar.region.x - bar.styles.padding.left == 1
        text = screen_text(app)
        assert_safe(text)
        assert "\\u202egnp" in text  # the note under the bar says what the marker hides


async def test_message_screen_and_confirm_dialog_show_hostile_text_literally() -> None:
    backend = hostile_backend()
    app = make_app(backend)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"id:ABCDEF0001", "enter")
        await settle(pilot)
        assert shown_ids(app) == ["ABCDEF0001"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageScreen)
        text = screen_text(app)
        assert_safe(text)
        assert MARKUP in text and "\\x1b[2J" in text
        await pilot.press("escape", "h")
        await pilot.pause()  # not settle: the action's worker waits for the answer
        assert isinstance(app.screen, ConfirmScreen)
        text = screen_text(app)
        assert_safe(text)
        assert "\\x1b[2Jil\\u202e[bold red]x[/]" in text
        await pilot.press("n")


async def test_notifications_show_hostile_text_literally() -> None:
    app = make_app(make_backend())
    hostile = f"{HOSTILE_SENDER}\nsecond line {RLO}"
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot)
        queue_screen(app).notify(hostile, title=f"title {RLO}\x1b[2J", markup=False)
        await settle(pilot)
        text = screen_text(app)
        assert_safe(text)
        assert MARKUP in text
        assert "second line \\u202e" in text  # the toast keeps its line break
        assert "title \\u202e\\x1b[2J" in text


async def test_the_action_log_shows_hostile_text_literally() -> None:
    app = make_app(make_backend())
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        queue_screen(app).log_line(f"held {HOSTILE_SENDER}")
        await pilot.press("l")
        await settle(pilot)
        text = screen_text(app)
        assert_safe(text)
        assert f"held ev\\x1b[2Jil\\u202e{MARKUP}@spam.example" in text
