"""Measuring correctness: detection against hand labels (more metrics arrive with `echollama eval`)."""
