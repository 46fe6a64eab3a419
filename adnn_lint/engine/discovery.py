"""Find the files to lint: ``.py`` and ``.ipynb`` under the given paths.

Directories are walked with ``os.scandir``; ``.gitignore`` files (from the git root down) and
the configured ``exclude`` patterns are gitignore-style patterns matched with ``pathspec``.
Symlinked directories are followed once: a directory already visited (same device and inode) is
not entered again, so a symlink loop ends the walk instead of the run. Files named explicitly
are linted even when excluded, as in ruff, unless ``force_exclude`` is set (pre-commit passes
every staged file by name, so its hook sets it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from adnn_lint.engine.config import Config

if TYPE_CHECKING:
    import pathspec

SUFFIXES = frozenset({".py", ".pyi", ".ipynb"})


@dataclass(frozen=True)
class Discovered:
    """The files to lint (sorted, unique) and the paths that do not exist."""

    files: tuple[Path, ...]
    missing: tuple[Path, ...] = ()


@dataclass(frozen=True)
class _Ignore:
    base: Path
    spec: pathspec.GitIgnoreSpec

    def matches(self, path: Path, is_dir: bool) -> bool:
        try:
            rel = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        if rel == ".":
            return False
        return self.spec.match_file(rel + "/" if is_dir else rel)


def _read_gitignore(directory: Path) -> _Ignore | None:
    path = directory / ".gitignore"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return _Ignore(directory, _spec(lines))


def _spec(lines: list[str]) -> pathspec.GitIgnoreSpec:
    # Imported on demand: a one-file run (pre-commit) often needs no pattern at all.
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ancestor_gitignores(start: Path) -> list[_Ignore]:
    """The .gitignore files above ``start`` up to (and including) its git root."""
    found: list[_Ignore] = []
    for directory in start.parents:
        ignore = _read_gitignore(directory)
        if ignore is not None:
            found.append(ignore)
        if (directory / ".git").exists():
            break
    else:
        return []  # not inside a git work tree: outer .gitignore files do not apply
    return list(reversed(found))


class _Walker:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.seen_dirs: set[tuple[int, int]] = set()

    @cached_property
    def exclude(self) -> _Ignore:
        return _Ignore(self.config.root, _spec(list(self.config.all_excludes)))

    def excluded(self, path: Path, is_dir: bool, ignores: Iterable[_Ignore]) -> bool:
        if self.exclude.matches(path, is_dir) or self._outside_root_match(path, is_dir):
            return True
        return self.config.respect_gitignore and any(i.matches(path, is_dir) for i in ignores)

    def _outside_root_match(self, path: Path, is_dir: bool) -> bool:
        # Paths outside the config root still honour unanchored patterns ("build/").
        if path.is_relative_to(self.config.root):
            return False
        name = path.name + ("/" if is_dir else "")
        return self.exclude.spec.match_file(name)

    def walk(self, directory: Path, ignores: list[_Ignore]) -> Iterator[Path]:
        try:
            stat = directory.stat()
        except OSError:
            return
        key = (stat.st_dev, stat.st_ino)
        if key in self.seen_dirs:
            return
        self.seen_dirs.add(key)
        local = _read_gitignore(directory) if self.config.respect_gitignore else None
        scope = [*ignores, local] if local is not None else ignores
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = not is_dir and entry.is_file(follow_symlinks=True)
            except OSError:
                continue
            if self.excluded(path, is_dir, scope):
                continue
            if is_dir:
                yield from self.walk(path, scope)
            elif is_file and path.suffix in SUFFIXES:
                yield path


def discover_files(
    paths: Iterable[Path], config: Config, *, force_exclude: bool = False
) -> Discovered:
    """Every lintable file under ``paths`` (files are taken as given)."""
    walker = _Walker(config)
    files: dict[str, Path] = {}
    missing: list[Path] = []
    for given in paths:
        absolute = given.absolute()
        if not absolute.exists():
            missing.append(given)
            continue
        ancestors: list[_Ignore] = []
        if (absolute.is_dir() or force_exclude) and config.respect_gitignore:
            ancestors = _ancestor_gitignores(absolute)
        if absolute.is_dir():
            for found in walker.walk(absolute, ancestors):
                shown = found if given.is_absolute() else Path(os.path.relpath(found))
                files.setdefault(str(shown), shown)
        elif not force_exclude or not walker.excluded(absolute, False, ancestors):
            files.setdefault(str(given), given)
    return Discovered(tuple(files[k] for k in sorted(files)), tuple(missing))
