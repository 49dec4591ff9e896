"""Lessons in the window: the lesson panel, its live numbers and the slow-motion read."""
