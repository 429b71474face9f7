"""The Postfix layer: runs Postfix commands, parses their output, knows privileges.

It never imports Textual; it may use the model's record types.
"""
