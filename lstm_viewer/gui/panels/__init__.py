"""The analysis panels, each docked and built when first shown; ``PANELS`` is their one table."""
