from __future__ import annotations

import pytest

from adnn_lint.engine.lint import codes_for, fix_source, lint_source
from adnn_lint.engine.selection import SelectionError, known_codes
from adnn_lint.rules.base import all_rules

pytest.importorskip("adnn_lint.scan.scanner", reason="the scanner has not landed yet")

BROKEN_KERAS = "import keras\nmodel = keras.Sequential([keras.layers.Dense(4)\n"


def test_syntax_error_in_keras_file_is_adnn000_not_an_exception() -> None:
    findings = lint_source(BROKEN_KERAS, "model.py")
    assert [f.code for f in findings] == ["ADNN000"]
    assert findings[0].path == "model.py"
    assert (findings[0].span.line, findings[0].span.column) == (2, 26)
    assert "never closed" in findings[0].message
    assert findings[0].message.startswith("syntax error")
    assert findings[0].severity == "error"


def test_syntax_error_in_non_keras_file_is_reported_too() -> None:
    findings = lint_source("def f(:\n    pass\n", "plain.py")
    assert [(f.code, f.span.line) for f in findings] == [("ADNN000", 1)]


def test_syntax_error_can_be_deselected() -> None:
    assert lint_source(BROKEN_KERAS, "m.py", ignore=["ADNN000"]) == []
    assert lint_source(BROKEN_KERAS, "m.py", select=["ADNN1"]) == []


def test_clean_non_keras_file_has_no_findings() -> None:
    assert lint_source("x = 1\n") == []
    assert lint_source("") == []


def test_unknown_selector_is_an_error_naming_the_key() -> None:
    with pytest.raises(SelectionError, match="select"):
        lint_source("x = 1\n", select=["ADNN999"])
    with pytest.raises(SelectionError, match="ignore"):
        lint_source("x = 1\n", ignore=["E501"])


def test_specific_select_beats_broad_ignore() -> None:
    codes = codes_for(["ADNN000"], ["ADNN"])
    assert codes == frozenset({"ADNN000"})
    assert codes_for(None, ["ADNN0"]) == frozenset(known_codes()) - {
        c for c in known_codes() if c.startswith("ADNN0")
    }


def test_rule_codes_from_module_names_match_rule_classes() -> None:
    assert tuple(rule.code for rule in all_rules()) == known_codes()


def test_fix_source_leaves_a_file_without_fixes_alone() -> None:
    assert fix_source(BROKEN_KERAS) == BROKEN_KERAS
    assert fix_source("x = 1\n") == "x = 1\n"


TYPO = "import keras\nlayer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\n"


def test_adnn108_end_to_end_with_noqa_and_fix() -> None:
    (finding,) = lint_source(TYPO, "m.py", select=["ADNN108"])
    assert finding.code == "ADNN108" and finding.span.line == 2
    assert "glorot_uniform" in finding.message and finding.fix_safe is True
    assert finding.fix is not None
    assert lint_source(TYPO.rstrip("\n") + "  # noqa: ADNN108\n", select=["ADNN108"]) == []
    assert lint_source(TYPO.rstrip("\n") + "  # noqa\n", select=["ADNN108"]) == []
    assert len(lint_source(TYPO.rstrip("\n") + "  # noqa: ADNN101\n", select=["ADNN108"])) == 1
    fixed = fix_source(TYPO, select=["ADNN108"])
    assert "'glorot_uniform'" in fixed
    assert fix_source(fixed, select=["ADNN108"]) == fixed  # idempotent
    assert lint_source(fixed, select=["ADNN108"]) == []
