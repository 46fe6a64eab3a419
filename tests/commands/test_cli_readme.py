from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gen_readme() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_readme", ROOT / "tools" / "gen_readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_rules_table_is_current() -> None:
    gen = _gen_readme()
    assert gen.main(["--check"]) == 0, "README.md is stale: run python tools/gen_readme.py"


def test_stale_table_is_detected(tmp_path: Path) -> None:
    gen = _gen_readme()
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n{gen.START}\n| old |\n{gen.END}\n", encoding="utf-8")
    assert gen.main(["--check", "--readme", str(stale)]) == 1
    assert gen.main(["--readme", str(stale)]) == 0
    assert gen.main(["--check", "--readme", str(stale)]) == 0
    assert "ADNN000" in stale.read_text(encoding="utf-8")


def test_readme_has_the_two_commands_and_the_main_job_section() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash .ci/run" in text
    assert "<!-- main-job -->" in text


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    gen = _gen_readme()
    bare = tmp_path / "README.md"
    bare.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        gen.main(["--check", "--readme", str(bare)])
