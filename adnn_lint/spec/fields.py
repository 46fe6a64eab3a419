"""Typed reading of the values of a parsed TOML document, collecting problems at their key paths."""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from adnn_lint.knowledge.params import ParamValue
from adnn_lint.spec.check import Problem
from adnn_lint.spec.errors import KeyPath
from adnn_lint.spec.model import (
    SPEC_VERSION,
)

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - exercised only on Python 3.10
    pass

T = TypeVar("T")
#: The top-level keys of a spec (a table key among them was meant to come before the tables).
TOP_KEYS = ("adnn", "source", "model", "data", "train", "search", "contract")


def _positive(name: str) -> Callable[[float], str | None]:
    return lambda v: None if v > 0 else f"{name} must be positive, got {v}"


def _nonempty(name: str) -> Callable[[str], str | None]:
    return lambda v: None if v.strip() else f"{name} must not be empty"


def _at_least(name: str, low: int) -> Callable[[float], str | None]:
    return lambda v: None if v >= low else f"{name} must be at least {low}, got {v}"


class Fields:
    """Typed reading of TOML tables and values; every problem is collected, none raised."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def report(self, path: KeyPath, message: str, at: str = "value") -> None:
        self.problems.append(Problem(path, message, at))

    def table(self, raw: object, path: KeyPath, allowed: Iterable[str]) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.report(path, f"must be a table, got {_kind(raw)}")
            return None
        allowed = tuple(allowed)
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                if path and key in TOP_KEYS:
                    hint = " (a top-level key must come before the first [table])"
                self.report((*path, key), f"unknown key {key!r}{hint}", at="key")
        return raw

    def required(self, table: Mapping[str, Any], path: KeyPath, key: str) -> bool:
        if key in table:
            return True
        self.report(path, f"missing required key {key!r}", at="key")
        return False

    def scalar(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        kind: type[T],
        default: T,
        check: Callable[[Any], str | None] | None = None,
    ) -> T:
        if key not in table:
            return default
        value = table[key]
        here = (*path, key)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.report(here, f"must be {_article(kind)}, got {_kind(value)}")
            return default
        if isinstance(value, float) and not math.isfinite(value):
            self.report(here, f"must be a finite number, got {value}")
            return default
        problem = check(value) if check else None
        if problem:
            self.report(here, problem)
            return default
        return value

    def optional(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        kind: type[T],
        check: Callable[[Any], str | None] | None = None,
    ) -> T | None:
        if key not in table:
            return None
        sentinel = object()
        value = self.scalar(table, path, key, kind, cast(T, sentinel), check)
        return None if value is sentinel else value

    def choice(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        choices: tuple[str, ...],
        default: str,
    ) -> str:
        def check(value: str) -> str | None:
            if value in choices:
                return None
            return f"{value!r} is not one of {', '.join(choices)}"

        return self.scalar(table, path, key, str, default, check)

    def array(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        kind: type[T],
        check: Callable[[Any], str | None] | None = None,
    ) -> tuple[T, ...] | None:
        if key not in table:
            return None
        value = table[key]
        here = (*path, key)
        if not isinstance(value, list):
            self.report(here, f"must be an array of {_article(kind)}, got {_kind(value)}")
            return None
        out: list[T] = []
        for i, item in enumerate(value):
            if not isinstance(item, kind) or isinstance(item, bool):
                self.report((*here, i), f"must be {_article(kind)}, got {_kind(item)}")
                return None
            problem = check(item) if check else None
            if problem:
                self.report((*here, i), problem)
                return None
            out.append(item)
        return tuple(out)

    def params(self, table: Mapping[str, Any], path: KeyPath, key: str) -> dict[str, ParamValue]:
        raw = table.get(key, {})
        if not isinstance(raw, dict):
            self.report((*path, key), f"must be a table of literal values, got {_kind(raw)}")
            return {}
        out: dict[str, ParamValue] = {}
        for name, value in raw.items():
            if isinstance(value, float) and not math.isfinite(value):
                self.report((*path, key, name), f"must be a finite number, got {value}")
            elif isinstance(value, str | int | float | bool):
                out[name] = value
            else:
                self.report(
                    (*path, key, name),
                    f"must be a string, number or boolean, got {_kind(value)}",
                )
        return out

    # -- sections ---------------------------------------------------------------------------


def _or(value: tuple[T, ...] | None, default: tuple[T, ...]) -> tuple[T, ...]:
    return default if value is None else value


def _version(value: int) -> str | None:
    if value == SPEC_VERSION:
        return None
    return f"unsupported spec version {value}; this adnn-lint reads adnn = {SPEC_VERSION}"


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def _article(kind: type) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        kind, kind.__name__
    )


# -- reading ---------------------------------------------------------------------------------
