"""Widgets of the mailq-tui app."""
