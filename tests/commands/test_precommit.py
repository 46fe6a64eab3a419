"""The real ``pre-commit`` tool runs our hooks from this repository (``pre-commit try-repo``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD = "import keras\n\nlayer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\n"
BROKEN = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(8)\n"
GOOD = "import keras\n\nlayer = keras.layers.Dense(8, kernel_initializer='glorot_uniform')\n"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_manifest_is_valid_and_offers_check_and_fix_hooks() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "id: adnn-lint\n" in text and "id: adnn-lint-fix\n" in text


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)


def _try_repo(repo: Path, home: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    return subprocess.run(
        [*pre_commit, "try-repo", str(ROOT), hook, "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
@needs_git
def test_hooks_fail_on_bad_keras_code_and_pass_on_good(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    home = tmp_path / "pre-commit-home"
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@example.invalid")
    _git(repo, "config", "user.name", "test")
    (repo / "bad.py").write_text(BAD, encoding="utf-8")
    (repo / "broken.py").write_text(BROKEN, encoding="utf-8")
    (repo / "good.py").write_text(GOOD, encoding="utf-8")
    _git(repo, "add", ".")

    failing = _try_repo(repo, home, "adnn-lint", "bad.py", "broken.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "ADNN108" in failing.stdout and "ADNN000" in failing.stdout

    passing = _try_repo(repo, home, "adnn-lint", "good.py")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout

    fixing = _try_repo(repo, home, "adnn-lint-fix", "bad.py")
    # The fix hook rewrites the file, so pre-commit reports a failure (files were modified).
    assert fixing.returncode == 1, fixing.stdout + fixing.stderr
    assert (repo / "bad.py").read_text(encoding="utf-8") == GOOD
