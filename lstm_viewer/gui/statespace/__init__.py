"""The state space panel, on ``lstm_viewer.statespace``: the panel, its cloud, neighbours and
selectivity map, and the background build with its progress."""
