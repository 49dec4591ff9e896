"""pyqtgraph building blocks: the shared look (``style``), the heatmap item (``heatmap``) and the light
plot items that pay their way with measured costs (``light_items``)."""
