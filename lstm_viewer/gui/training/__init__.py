"""File ▸ Train a model…: the training panel, the training job it runs, its curves, and the quiet
TensorFlow import."""
