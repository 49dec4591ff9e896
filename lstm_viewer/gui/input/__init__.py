"""Where a digit comes from: the drawing canvas and its strokes (``canvas``, ``drawing``), the 28 × 28
input view, and the digits to pick: ``digit_picker`` (the widget), ``digit_library`` (its
controller, through the session's jobs) and ``core.digits`` (the data, no Qt)."""
