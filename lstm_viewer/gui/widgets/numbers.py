"""Numbers written for a learner."""
from __future__ import annotations


def plain_p(value: float) -> str:
    """A probability, or a change of one: four decimals, so never "1" for 0.9998 or "0.000" for
    0.0003, and no "7.5e-05" for a tiny one."""
    value = float(value)
    if 0 < value < 1e-4:
        return "less than 0.0001"
    return f"{value:.4f}"
