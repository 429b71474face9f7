"""Screens of the mailq-tui app."""
