from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from adnn_lint.engine.config import Config
from adnn_lint.engine.discovery import discover_files

Tree = Callable[[Mapping[str, str | bytes]], Path]


def _names(root: Path, config: Config | None = None, *paths: Path) -> list[str]:
    found = discover_files(paths or (root,), config or Config(root=root))
    return sorted(p.relative_to(root).as_posix() for p in found.files)


def test_finds_python_and_notebooks_only(tree: Tree) -> None:
    root = tree({"a.py": "", "b.ipynb": "{}", "c.txt": "", "d/e.py": "", "d/f.pyi": ""})
    assert _names(root) == ["a.py", "b.ipynb", "d/e.py", "d/f.pyi"]


def test_gitignore_default_and_configured_excludes(tree: Tree) -> None:
    root = tree(
        {
            ".git/HEAD": "",
            ".gitignore": "secret/\n*.gen.py\n",
            "sub/.gitignore": "local.py\n",
            "keep.py": "",
            "x.gen.py": "",
            "secret/a.py": "",
            "sub/local.py": "",
            "sub/kept.py": "",
            ".venv/lib/site.py": "",
            "build/out.py": "",
            "vendor/third.py": "",
        }
    )
    config = Config(root=root, extend_exclude=("vendor/",))
    assert _names(root, config) == ["keep.py", "sub/kept.py"]
    no_git = Config(root=root, respect_gitignore=False, extend_exclude=("vendor/",))
    assert "secret/a.py" in _names(root, no_git)


def test_explicit_files_are_linted_unless_force_exclude(tree: Tree) -> None:
    root = tree({"build/gen.py": ""})
    target = root / "build" / "gen.py"
    config = Config(root=root)
    assert discover_files([target], config).files == (target,)
    assert discover_files([target], config, force_exclude=True).files == ()


def test_missing_paths_are_reported(tmp_path: Path) -> None:
    found = discover_files([tmp_path / "nope.py"], Config(root=tmp_path))
    assert found.files == () and found.missing == (tmp_path / "nope.py",)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_end(tree: Tree) -> None:
    root = tree({"pkg/model.py": ""})
    (root / "pkg" / "loop").symlink_to(root / "pkg", target_is_directory=True)
    (root / "alias").symlink_to(root / "pkg", target_is_directory=True)
    names = _names(root)
    # Every directory is entered once: the file appears under exactly one path.
    assert len(names) == 1 and names[0].endswith("model.py")


def test_relative_paths_stay_relative(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree({"src/m.py": ""})
    monkeypatch.chdir(root)
    found = discover_files([Path("src")], Config(root=root))
    assert found.files == (Path("src/m.py"),)
