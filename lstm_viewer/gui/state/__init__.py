"""What the window shows and does, without widgets: the view state (no Qt), the session (open, save,
train, score), the one job runner, the digit sets and the file helpers. Nothing here imports a view,
a panel or the window (a contract in pyproject.toml)."""
