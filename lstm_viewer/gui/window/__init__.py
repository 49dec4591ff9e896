"""The main window and what frames it: the menus and their actions, where the panels dock and how
wide (panel columns), the docks' title style, the one-repaint batching, the screenshot tool and the
input-scaling dialog."""
