"""``[tool.adnn-lint]`` configuration from the nearest ``pyproject.toml`` (or ``--config FILE``).

Keys (all optional), as in ruff::

    [tool.adnn-lint]
    select = ["ADNN1"]            # codes or prefixes; default: every rule
    extend-select = []
    ignore = ["ADNN106"]
    per-file-ignores = { "tests/*" = ["ADNN201"] }
    exclude = ["generated/"]      # gitignore-style, relative to the config file; replaces defaults
    extend-exclude = ["legacy/"]  # added to the defaults
    respect-gitignore = true

An unknown key, a wrongly typed value or an unknown code is a ``ConfigError`` that names the key
and the file.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from adnn_lint.engine.selection import SelectionError, check_selectors


def _toml() -> ModuleType:
    # Imported on demand: most runs have no pyproject.toml with our table to parse.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on Python 3.10
        import tomli as tomllib
    return tomllib


def _parse_toml(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = _toml().loads(text)
    return parsed


DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    ".eggs/",
    "__pycache__/",
    "build/",
    "dist/",
    "node_modules/",
    "site-packages/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".pytest_cache/",
    ".ipynb_checkpoints/",
    ".adnn_lint_cache/",
)
_KEYS = frozenset(
    {
        "select",
        "extend-select",
        "ignore",
        "per-file-ignores",
        "exclude",
        "extend-exclude",
        "respect-gitignore",
    }
)


class ConfigError(ValueError):
    """A bad configuration value; the message names the key and the file."""


@dataclass(frozen=True)
class Config:
    """Resolved settings. ``root`` anchors relative patterns (the config file's directory)."""

    root: Path
    source: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude


def _where(key: str, source: Path | None) -> str:
    return f"[tool.adnn-lint] {key}" + (f" in {source}" if source else "")


def _strings(key: str, value: object, source: Path | None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{_where(key, source)}: expected a list of strings, got {value!r}")
    return tuple(value)


def _codes(key: str, value: object, source: Path | None) -> tuple[str, ...]:
    try:
        return check_selectors(_where(key, source), _strings(key, value, source))
    except SelectionError as err:
        raise ConfigError(str(err)) from err


def parse_table(table: Mapping[str, object], root: Path, source: Path | None) -> Config:
    """Validate a ``[tool.adnn-lint]`` table."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{_where(unknown[0], source)}: unknown key (known keys: {', '.join(sorted(_KEYS))})"
        )
    config = Config(root=root, source=source)
    kwargs: dict[str, object] = {}
    if "select" in table:
        kwargs["select"] = _codes("select", table["select"], source)
    if "extend-select" in table:
        kwargs["extend_select"] = _codes("extend-select", table["extend-select"], source)
    if "ignore" in table:
        kwargs["ignore"] = _codes("ignore", table["ignore"], source)
    if "exclude" in table:
        kwargs["exclude"] = _strings("exclude", table["exclude"], source)
    if "extend-exclude" in table:
        kwargs["extend_exclude"] = _strings("extend-exclude", table["extend-exclude"], source)
    if "respect-gitignore" in table:
        value = table["respect-gitignore"]
        if not isinstance(value, bool):
            raise ConfigError(f"{_where('respect-gitignore', source)}: expected true or false")
        kwargs["respect_gitignore"] = value
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise ConfigError(f"{_where('per-file-ignores', source)}: expected a table")
        pairs = tuple(
            (str(pattern), _codes(f"per-file-ignores.{pattern!r}", codes, source))
            for pattern, codes in raw.items()
        )
        kwargs["per_file_ignores"] = pairs
    return replace(config, **kwargs)  # type: ignore[arg-type]


def load_file(path: Path) -> Config:
    """The configuration in ``path``: a pyproject.toml (its tool table) or an adnn-lint.toml."""
    try:
        document = _parse_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read configuration: {err}") from err
    except _toml().TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from err
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        table = tool.get("adnn-lint", {}) if isinstance(tool, dict) else {}
    else:
        table = document.get("tool", {}).get("adnn-lint", document)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.adnn-lint] must be a table")
    return parse_table(table, path.resolve().parent, path)


def _has_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "adnn-lint" not in text:  # cheap pre-check before parsing
        return False
    try:
        tool = _parse_toml(text).get("tool", {})
    except _toml().TOMLDecodeError:
        return True  # let load_file report the error with its position
    return isinstance(tool, dict) and "adnn-lint" in tool


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.adnn-lint] table."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return candidate
    return None


def discover(paths: list[Path], explicit: Path | None, cwd: Path) -> Config:
    """``--config FILE`` if given, else the nearest pyproject.toml above the paths, else cwd's."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"--config: no such file: {explicit}")
        return load_file(explicit)
    starts = [p if p.is_absolute() else cwd / p for p in paths] or [cwd]
    for start in (*starts, cwd):
        found = find_pyproject(start)
        if found is not None:
            return load_file(found)
    return Config(root=cwd.resolve())
