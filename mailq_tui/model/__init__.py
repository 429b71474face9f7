"""The pure model layer: messages, the queue index, queries, grouping and queue shape.

Nothing here runs a command or imports Textual.
"""
