"""The names the CLI's parser offers as choices: the sort keys of ``ls --sort`` and the
groupings of ``groups --by``.

They are the names of :data:`mailq_tui.model.index.SORT_KEYS` and
:data:`mailq_tui.model.grouping.GROUP_BY`, written out here so that building the parser
imports neither the index nor the grouping code: the CLI starts ``postqueue -j`` right after
parsing its command line, before those imports (see :mod:`mailq_tui.cli`). A unit test checks
that both lists stay equal to the model's.
"""

from __future__ import annotations

#: ``ls --sort`` keys, in the order the app lists them.
SORT_KEYS = ("id", "queue", "age", "size", "sender", "recipient", "domain", "reason", "recipients")
#: ``groups --by`` groupings (underscores; the command line spells them with dashes).
GROUP_BY = ("domain", "sender", "sender_domain", "queue", "reason")
