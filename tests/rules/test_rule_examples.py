"""Every rule's VALID and INVALID examples, as parametrized tests (all rules, all owners)."""

from __future__ import annotations

import pytest

from adnn_lint.engine.lint import fix_source, lint_source
from adnn_lint.rules.base import Invalid, Rule, all_rules

VALID = [
    pytest.param(rule, source, id=f"{rule.code}-valid-{i}")
    for rule in all_rules()
    for i, source in enumerate(rule.VALID)
]
INVALID = [
    pytest.param(rule, source, expected, id=f"{rule.code}-invalid-{i}")
    for rule in all_rules()
    for i, (source, expected) in enumerate(rule.INVALID)
]


def test_every_rule_has_examples() -> None:
    for rule in all_rules():
        assert rule.VALID, f"{rule.code} has no VALID example"
        assert rule.INVALID, f"{rule.code} has no INVALID example"
        assert rule.__doc__ and rule.summary, f"{rule.code} is undocumented"


@pytest.mark.parametrize(("rule", "source"), VALID)
def test_valid_example_is_clean(rule: type[Rule], source: str) -> None:
    findings = [f for f in lint_source(source, "example.py") if f.code == rule.code]
    assert findings == [], [f"{f.span.line}: {f.message}" for f in findings]


@pytest.mark.parametrize(("rule", "source", "expected"), INVALID)
def test_invalid_example_is_reported(rule: type[Rule], source: str, expected: Invalid) -> None:
    findings = [f for f in lint_source(source, "example.py") if f.code == expected.code]
    assert findings, f"{expected.code} not reported on:\n{source}"
    if expected.line is not None:
        lines = [f.span.line for f in findings]
        assert expected.line in lines, f"reported on lines {lines}, expected {expected.line}"
    for finding in findings:
        assert finding.path == "example.py"
        assert finding.message and finding.name == rule.name


@pytest.mark.parametrize(("rule", "source", "expected"), INVALID)
def test_invalid_example_fix(rule: type[Rule], source: str, expected: Invalid) -> None:
    findings = [f for f in lint_source(source, "example.py") if f.code == expected.code]
    if expected.fixed is None:
        assert all(f.fix is None for f in findings), "a fix is offered but none is documented"
        return
    assert any(f.fix is not None for f in findings), "the documented fix is not offered"
    fixed = fix_source(source, "example.py", unsafe=True, select=[expected.code])
    assert fixed == expected.fixed
