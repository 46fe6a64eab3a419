"""docs/rules.md is generated from the rule classes and must be current."""

from __future__ import annotations

from pathlib import Path

from adnn_lint.rules.base import all_rules
from adnn_lint.rules.docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `python -m adnn_lint.rules.docs > docs/rules.md`"
    )


def test_rules_doc_names_every_rule() -> None:
    text = render()
    for rule in all_rules():
        assert f"({rule.code})" in text and rule.summary.replace("|", "\\|") in text
