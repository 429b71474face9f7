"""Per-queue counts read one way wherever they are shown: the status bar, the confirm dialog
and the CLI's dry run and query summary all use :func:`mailq_tui.formatting.breakdown_text`."""

from __future__ import annotations

from mailq_tui.formatting import breakdown_text, plural, short_age, short_size
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.query import parse_query
from mailq_tui.model.selection import count_line, per_queue, summarise
from mailq_tui.ui import plans
from mailq_tui.ui.view import totals
from mailq_tui.ui.widgets.status import status_text
from tests.unit.samples import msg

MESSAGES = [msg("H1", queue="hold"), msg("D1"), msg("A1", queue="active"), msg("D2")]
SAID = "1 active, 2 deferred, 1 hold"


def test_breakdown_is_in_postfix_queue_order() -> None:
    assert breakdown_text(per_queue(MESSAGES)) == SAID
    assert breakdown_text({}) == ""


def test_status_bar_confirm_dialog_and_cli_summary_say_it_alike() -> None:
    status = status_text(totals(MESSAGES), 4, 0, None, None, paused=False, loading=False)
    assert f"│ {SAID}" in str(status)
    assert f"({SAID})" in plans.describe_targets(MESSAGES)
    index = QueueIndex(MESSAGES, now=1_700_000_000)
    query = parse_query("from:alice")
    assert f"({SAID})" in count_line(summarise(index, query, index.filter(query)))


def test_short_forms() -> None:
    assert [short_age(s) for s in (-5, 45, 720, 3 * 3600, 2 * 86400)] == [
        "0s",
        "45s",
        "12m",
        "3h",
        "2d",
    ]
    assert [short_size(n) for n in (1, 812, 4200, 2 * 1024**2)] == ["1B", "812B", "4.1K", "2.0M"]
    assert (plural(1, "message"), plural(3, "message")) == ("1 message", "3 messages")
