"""mailq-tui: a terminal UI and CLI for operating a Postfix mail queue.

Layers (each a sub-package):

- ``mailq_tui.postfix``: runs Postfix commands, parses their output, knows privileges.
  Never imports Textual.
- ``mailq_tui.model``: messages, queries, grouping, queue shape. Pure Python, never imports
  Textual.
- ``mailq_tui.engine``: the operations the UI and the CLI share (snapshot, safe bulk actions).
- ``mailq_tui.sandbox``: a real, isolated Postfix instance for tests and the demo.
- ``mailq_tui.ui``: the Textual application (screens and widgets only present and dispatch).
"""

__version__ = "0.1.0"
