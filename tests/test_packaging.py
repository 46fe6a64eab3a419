"""Build the wheel, install it into a fresh virtual environment, run the CLI from there."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "import keras\n\nlayer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\n"

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Build from a copy so build/ and egg-info never land in the working tree.
    source = tmp_path_factory.mktemp("src") / "adnn-lint"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "*.egg-info",
            "build",
            "dist",
            "__pycache__",
            ".*_cache",
            ".adnn_lint_cache",
        ),
    )
    built = _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        out,
        source,
        cwd=source,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = out.glob("adnn_lint-*.whl")
    return found


def test_wheel_maps_the_card_layout_into_the_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert not {"rules", "runtime", "reports", "tests"} & tops
    assert "adnn_lint/rules/catalog.json" in names
    assert "adnn_lint/rules/adnn000_syntax_error.py" in names
    assert any(n.startswith("adnn_lint/reports/templates/") and n.endswith(".j2") for n in names)
    assert "adnn_lint/output/findings.schema.json" in names
    assert "adnn_lint/output/sarif-schema-2.1.0.json" in names
    assert "adnn_lint/py.typed" in names
    assert any(n.startswith("adnn_lint/runtime/") for n in names)


def test_fresh_venv_runs_the_cli(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    work = tmp_path / "work"
    work.mkdir()
    # No top-level `rules`/`runtime`: the repository's top-level folders live inside the package.
    probe = _run(
        python,
        "-c",
        "import importlib.util as u, json, adnn_lint;"
        "print(json.dumps([u.find_spec(n) is None for n in ('rules','runtime','reports')]"
        " + [adnn_lint.__file__]))",
        cwd=work,
    )
    flags = json.loads(probe.stdout)
    assert flags[:3] == [True, True, True] and str(env_dir) in flags[3]

    (work / "model.py").write_text(EXAMPLE, encoding="utf-8")
    cli = env_dir / "bin" / "adnn-lint"
    version = _run(cli, "--version", cwd=work)
    assert version.returncode == 0 and version.stdout.startswith("adnn-lint ")
    checked = _run(cli, "check", "--no-cache", "--output-format", "json", "-o", "f.json", cwd=work)
    assert checked.returncode in (0, 1), checked.stderr
    document = json.loads((work / "f.json").read_text(encoding="utf-8"))
    assert document["summary"]["files_checked"] == 1
    listed = _run(cli, "rules", cwd=work)
    assert listed.returncode == 0 and "ADNN000" in listed.stdout

    help_text = _run(cli, "--help", cwd=work).stdout
    if " report " in help_text:
        report = _run(cli, "report", "--findings", "f.json", "-o", "r.html", cwd=work)
        assert report.returncode == 0, report.stderr
        assert "<html" in (work / "r.html").read_text(encoding="utf-8").lower()
