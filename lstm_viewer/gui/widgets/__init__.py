"""Small Qt widgets for text: wrapped runs of text, steady labels, text widths, help notes, numbers
written for a learner, and refresh-when-shown for panels that skip work while hidden."""
