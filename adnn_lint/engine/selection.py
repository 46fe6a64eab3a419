"""Which rule codes are on: ruff-style selectors (``ALL``, ``ADNN``, ``ADNN1``, ``ADNN101``).

The known codes come from the rule modules' file names (``rules/adnnNNN_name.py``), so resolving
a selection never imports a rule (nor LibCST): a cached or non-Keras run stays cheap. A test checks
that every module's rule class carries the code its file name promises.
"""

from __future__ import annotations

import pkgutil
import re
from collections.abc import Iterable
from functools import cache

_MODULE = re.compile(r"^adnn(\d{3})_\w+$")
_SELECTOR = re.compile(r"^(ALL|ADNN\d{0,3})$")


class SelectionError(ValueError):
    """A selector that is malformed or matches no rule; ``key`` names where it came from."""

    def __init__(self, key: str, selector: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}: {selector!r}")
        self.key = key
        self.selector = selector


@cache
def known_codes() -> tuple[str, ...]:
    """Every rule code, from the rule modules' names, sorted."""
    import adnn_lint.rules as package

    codes = {
        f"ADNN{match.group(1)}"
        for info in pkgutil.iter_modules(package.__path__)
        if (match := _MODULE.match(info.name))
    }
    return tuple(sorted(codes))


def check_selectors(key: str, selectors: Iterable[str]) -> tuple[str, ...]:
    """Normalise selectors (upper case) and reject ones that are malformed or match no code."""
    known = known_codes()
    out: list[str] = []
    for raw in selectors:
        selector = raw.strip().upper()
        if not _SELECTOR.match(selector):
            raise SelectionError(key, raw, "not a rule code or prefix (expected e.g. ADNN101)")
        if selector != "ALL" and not any(code.startswith(selector) for code in known):
            raise SelectionError(key, raw, "matches no known rule code")
        out.append(selector)
    return tuple(out)


def _specificity(selector: str, code: str) -> int:
    """How closely ``selector`` matches ``code``: -1 no match, else the prefix length."""
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


def resolve(
    select: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> frozenset[str]:
    """The enabled codes. As in ruff, the most specific selector wins; on a tie, ignore wins.

    ``select=None`` means every rule.
    """
    chosen = list(select) if select is not None else ["ALL"]
    chosen += list(extend_select)
    ignored = list(ignore)
    enabled: set[str] = set()
    for code in known_codes():
        best_select = max((_specificity(s, code) for s in chosen), default=-1)
        best_ignore = max((_specificity(s, code) for s in ignored), default=-1)
        if best_select >= 0 and best_select > best_ignore:
            enabled.add(code)
    return frozenset(enabled)
