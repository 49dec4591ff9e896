"""Figures and animations for slides: what is on screen, written as files a teacher can use.

- ``figures``: one view or panel rendered as a PNG at 1×, 2× or 3× (a real rendering at that
  resolution, not an enlarged screenshot), as an SVG, or onto the clipboard; the file names proposed.
- ``figure_menu``: the right-click menu every panel and plot offers (``install_figure_menus(window)``).
- ``animation``: the row-by-row read (or the training timeline) as an animated GIF or an MP4, frames
  made on the GUI thread and encoded in a job, written atomically.
- ``animation_dialog``: File ▸ Export animation….
- ``animate_command``: ``lstm-viewer animate IMAGE --out read.gif``.

Importing this package imports nothing (the command line builds its parser from ``animate_command``
without Qt).
"""
