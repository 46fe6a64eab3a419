"""Lint rules, one module per rule (``adnnNNN_name.py``), and the mined initializer catalog."""
