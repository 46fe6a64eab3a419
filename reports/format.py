"""How the report writes numbers and counts: once, here, with the precision the input holds
(accuracies with four decimals), and the severity order and labels of its sections.
"""

from __future__ import annotations

SEVERITY_ORDER = ("error", "warning", "info")
SEVERITY_LABEL = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
SEVERITY_NOUN = {"error": "error", "warning": "warning", "info": "note"}
#: Lines of context above and below a finding's line in its code frame.
FRAME_CONTEXT = 2
#: A variance factor this many times away from the activation's gain is flagged (as ADNN103 does).
FACTOR_TOLERANCE = 4.0


def acc(value: float | None) -> str:
    """Accuracies and gains as stored (fractions), four decimals: traceable to the file."""
    return "n/a" if value is None else f"{value:.4f}"


def signed(value: float) -> str:
    return f"{value:+.4f}"


def seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f} s" if value < 120 else f"{value:.0f} s ({value / 60:.1f} min)"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def num(value: float | int | None) -> str:
    return "?" if value is None else str(value)
