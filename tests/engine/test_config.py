from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from adnn_lint.engine.config import (
    DEFAULT_EXCLUDE,
    ConfigError,
    discover,
    find_pyproject,
    load_file,
)

Tree = Callable[[Mapping[str, str | bytes]], Path]


def test_nearest_pyproject_with_a_tool_table_wins(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": '[tool.adnn-lint]\nignore = ["ADNN000"]\n',
            "pkg/pyproject.toml": '[project]\nname = "adnn-lint-user"\n',  # no table: skipped
            "pkg/sub/model.py": "",
        }
    )
    found = find_pyproject(root / "pkg" / "sub" / "model.py")
    assert found == root / "pyproject.toml"
    config = discover([root / "pkg"], None, root)
    assert config.ignore == ("ADNN000",)
    assert config.root == root.resolve()


def test_all_keys_parse(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": """
[tool.adnn-lint]
select = ["adnn1"]
extend-select = ["ADNN000"]
ignore = ["ADNN108"]
exclude = ["gen/"]
extend-exclude = ["old/"]
respect-gitignore = false
[tool.adnn-lint.per-file-ignores]
"tests/*" = ["ADNN0"]
"""
        }
    )
    config = load_file(root / "pyproject.toml")
    assert config.select == ("ADNN1",)
    assert config.extend_select == ("ADNN000",)
    assert config.ignore == ("ADNN108",)
    assert config.exclude == ("gen/",)
    assert config.all_excludes == ("gen/", "old/")
    assert config.respect_gitignore is False
    assert config.per_file_ignores == (("tests/*", ("ADNN0",)),)


def test_defaults_without_a_config(tmp_path: Path) -> None:
    config = discover([tmp_path], None, tmp_path)
    assert config.source is None
    assert config.exclude == DEFAULT_EXCLUDE


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('selekt = ["ADNN101"]', "selekt"),
        ('select = ["ADNN999"]', "select"),
        ('ignore = ["E501"]', "ignore"),
        ('select = "ADNN101"', "select"),
        ("respect-gitignore = 1", "respect-gitignore"),
        ('per-file-ignores = { "a.py" = ["XYZ1"] }', "per-file-ignores"),
    ],
)
def test_bad_values_name_the_key_and_file(tree: Tree, body: str, key: str) -> None:
    root = tree({"pyproject.toml": f"[tool.adnn-lint]\n{body}\n"})
    with pytest.raises(ConfigError) as info:
        load_file(root / "pyproject.toml")
    assert key in str(info.value)
    assert "pyproject.toml" in str(info.value)


def test_invalid_toml_is_reported_with_the_file(tree: Tree) -> None:
    root = tree({"pyproject.toml": "[tool.adnn-lint\nselect = [\n"})
    with pytest.raises(ConfigError, match=r"pyproject\.toml: invalid TOML"):
        discover([root], None, root)


def test_explicit_config_file(tree: Tree) -> None:
    root = tree({"custom.toml": '[tool.adnn-lint]\nselect = ["ADNN108"]\n'})
    assert discover([root], root / "custom.toml", root).select == ("ADNN108",)
    with pytest.raises(ConfigError, match="--config"):
        discover([root], root / "missing.toml", root)
