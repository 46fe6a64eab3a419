"""adnn-lint: make a Keras model accountable for its accuracy."""

from __future__ import annotations

__version__ = "0.1.0"
