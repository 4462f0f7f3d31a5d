"""The `echollama` command: `main.py` builds the parser from one module per command (each has `register`)."""
