"""Written files get the permissions any other tool's would: the umask's for a new file, the
old file's own mode when one is replaced."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from adnn_lint.atomic import write_atomic
from adnn_lint.reports.render import render_report

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask")
def test_new_file_follows_the_umask(tmp_path: Path) -> None:
    assert mode(write_atomic(tmp_path / "a.txt", "x")) == 0o644
    os.umask(0o077)
    assert mode(write_atomic(tmp_path / "b.txt", "x")) == 0o600
    os.umask(0o002)
    assert mode(write_atomic(tmp_path / "c.txt", "x")) == 0o664


@pytest.mark.usefixtures("umask")
def test_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert (target.read_text(), mode(target)) == ("new", 0o640)
    target.chmod(0o600)  # someone made it private: an update does not publish it
    write_atomic(target, "newer")
    assert (target.read_text(), mode(target)) == ("newer", 0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


@pytest.mark.usefixtures("umask")
def test_report_is_readable_by_reviewers(tmp_path: Path) -> None:
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps({"schema_version": 1, "findings": []}))
    for name in ("report.html", "report.md"):
        written = render_report(output=tmp_path / "out" / name, findings=str(findings))
        assert mode(written) == 0o644
