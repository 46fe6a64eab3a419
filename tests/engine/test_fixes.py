"""Autofixes: formatting and comments survive, fixing is idempotent, the result re-parses."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from adnn_lint.engine.fixes import apply_fixes
from adnn_lint.engine.lint import fix_source, lint_source
from adnn_lint.rules.base import Invalid, Rule, all_rules
from adnn_lint.scan.records import Edit, Fix

FIXABLE = [rule for rule in all_rules() if rule.fixable is not None]
CASES = [
    pytest.param(rule, source, expected, id=f"{rule.code}-{i}")
    for rule in FIXABLE
    for i, (source, expected) in enumerate(rule.INVALID)
    if expected.fixed is not None
]
HEADER = "# Copyright header that must survive.\n#   (odd   spacing too)\n"


def decorate(source: str) -> str:
    """Add a header comment and a trailing comment: both must survive the fix untouched."""
    return HEADER + source + "# trailing comment\n"


def test_every_fixable_rule_documents_a_fix() -> None:
    assert FIXABLE, "no rule offers a fix"
    for rule in FIXABLE:
        assert any(e.fixed is not None for _, e in rule.INVALID), f"{rule.code}: no fixed example"


@pytest.mark.parametrize(("rule", "source", "expected"), CASES)
def test_fix_preserves_comments_and_formatting(
    rule: type[Rule], source: str, expected: Invalid
) -> None:
    assert expected.fixed is not None
    fixed = fix_source(decorate(source), "x.py", unsafe=True, select=[rule.code])
    assert fixed == decorate(expected.fixed)


@pytest.mark.parametrize(("rule", "source", "expected"), CASES)
def test_fix_is_idempotent_and_reparses(rule: type[Rule], source: str, expected: Invalid) -> None:
    once = fix_source(source, "x.py", unsafe=True)
    twice = fix_source(once, "x.py", unsafe=True)
    assert once == twice
    cst.parse_module(once)
    ast.parse(once)
    remaining = [f for f in lint_source(once, "x.py") if f.code == rule.code and f.fix]
    assert remaining == [], [f.message for f in remaining]


@pytest.mark.parametrize(("rule", "source", "expected"), CASES)
def test_fix_safety_matches_the_rule(rule: type[Rule], source: str, expected: Invalid) -> None:
    fixes = [f for f in lint_source(source, "x.py") if f.code == rule.code and f.fix]
    assert fixes
    for finding in fixes:
        assert finding.fix_safe is (rule.fixable == "safe")
    untouched = fix_source(source, "x.py", unsafe=False, select=[rule.code])
    if rule.fixable == "unsafe":
        assert untouched == source, "an unsafe fix was applied without --unsafe-fixes"
    else:
        assert untouched == expected.fixed


def _first_call(module: cst.Module, index: int) -> cst.Call:
    stmt = module.body[index]
    assert isinstance(stmt, cst.SimpleStatementLine)
    expr = stmt.body[0]
    value = expr.value if isinstance(expr, cst.Expr | cst.Assign) else None
    assert isinstance(value, cst.Call)
    return value


def test_apply_fixes_skips_overlapping_fix_whole() -> None:
    module = cst.parse_module(
        "import keras\nlayer = keras.layers.Dense(4, kernel_initializer='zeros')  # c\n"
    )
    call = _first_call(module, 1)
    value = call.args[1].value
    inner = Fix("inner", (Edit(value, cst.SimpleString("'he_normal'")),))
    outer = Fix("outer", (Edit(call, cst.parse_expression("keras.layers.Dense(8)")),))
    out = apply_fixes(module, [inner, outer]).code
    assert (
        out == "import keras\nlayer = keras.layers.Dense(4, kernel_initializer='he_normal')  # c\n"
    )
    out = apply_fixes(module, [outer, inner]).code
    assert out == "import keras\nlayer = keras.layers.Dense(8)  # c\n"


def test_apply_fixes_adds_each_import_once() -> None:
    module = cst.parse_module('"""Doc."""\nimport os\n\nx = 1\n')
    stmt = module.body[2]
    seed = cst.parse_statement("keras.utils.set_random_seed(0)\n")
    fix = Fix("seed", (Edit(stmt, cst.FlattenSentinel([seed, stmt])),), imports=(("keras", None),))
    out = apply_fixes(module, [fix, fix]).code
    assert out.count("import keras") == 1
    assert out.index("import keras") < out.index("set_random_seed")
    again = apply_fixes(cst.parse_module(out), [])
    assert again.code == out


def test_apply_fixes_ignores_nodes_of_another_module() -> None:
    module = cst.parse_module("x = 'zeros'\n")
    other = cst.parse_module("x = 'zeros'\n")
    stmt = other.body[0]
    assert isinstance(stmt, cst.SimpleStatementLine)
    fix = Fix("foreign", (Edit(stmt, cst.parse_statement("y = 1\n")),))
    assert apply_fixes(module, [fix]).code == "x = 'zeros'\n"


CORPUS = sorted((Path(__file__).parents[1] / "corpus").glob("*.py"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_fixing_the_corpus_is_idempotent_and_reparses(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    once = fix_source(source, path.name, unsafe=True)
    ast.parse(once)
    assert fix_source(once, path.name, unsafe=True) == once
    left = [f for f in lint_source(once, path.name) if f.fix is not None]
    assert left == [], [f"{f.span.line}: {f.code}" for f in left]
    # Comments survive: every comment line of the original is still there.
    comments = [line.strip() for line in source.splitlines() if line.strip().startswith("#")]
    for comment in comments:
        assert comment in once


# A test that forces a NaN loss with a huge constant kernel, the initializer bound to a name.
NAN_LOSS_TEST = """import keras
import numpy as np


def test_logger_survives_nan():
    initializer = keras.initializers.Constant(1e5)
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu", kernel_initializer=initializer),
            keras.layers.Dense(1),
        ]
    )
    model.compile(loss="mse")
    model.fit(np.ones((2, 4)), np.ones((2, 1)), epochs=1)


test_logger_survives_nan()
"""

# A test that asserts the exact output of an all-ones hidden layer.
EXACT_ONES_TEST = """import keras
import numpy as np

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        keras.layers.Dense(2, kernel_initializer="ones", use_bias=False),
        keras.layers.Dense(1, kernel_initializer="ones", use_bias=False),
    ]
)
np.testing.assert_allclose(model.predict(np.ones((1, 3))), [[6.0]])
"""


@pytest.mark.parametrize(
    ("source", "code"), [(NAN_LOSS_TEST, "ADNN102"), (EXACT_ONES_TEST, "ADNN102")]
)
def test_a_deliberate_constant_is_never_rewritten_by_a_safe_fix(source: str, code: str) -> None:
    assert [f.code for f in lint_source(source, "t.py", select=[code])] == [code]
    assert fix_source(source, "t.py", select=[code]) == source


def test_an_initializer_bound_to_a_name_gets_no_fix() -> None:
    # Rewriting the use would leave `initializer = ...` dead; rewriting the binding would change
    # every other use of it.
    (finding,) = lint_source(NAN_LOSS_TEST, "t.py", select=["ADNN102"])
    assert "use 'he_uniform'" in finding.message and finding.fix is None
    assert fix_source(NAN_LOSS_TEST, "t.py", unsafe=True, select=["ADNN102"]) == NAN_LOSS_TEST


def test_an_inline_constant_gets_an_unsafe_fix() -> None:
    (finding,) = lint_source(EXACT_ONES_TEST, "t.py", select=["ADNN102"])
    assert finding.fix_safe is False
    fixed = fix_source(EXACT_ONES_TEST, "t.py", unsafe=True, select=["ADNN102"])
    assert fixed == EXACT_ONES_TEST.replace(
        'Dense(2, kernel_initializer="ones"', 'Dense(2, kernel_initializer="glorot_uniform"'
    )


@pytest.mark.parametrize(
    ("spelled", "fixed"),
    [
        ("glorot_unifrom", "glorot_uniform"),  # a swap: 2 characters
        ("he_normall", "he_normal"),
        ("orthogonal_init", None),  # may be the user's own, registered in another module
    ],
)
def test_a_misspelt_name_is_fixed_safely_only_when_it_is_a_typo(
    spelled: str, fixed: str | None
) -> None:
    source = f"import keras\nlayer = keras.layers.Dense(8, kernel_initializer='{spelled}')\n"
    (finding,) = lint_source(source, "m.py", select=["ADNN108"])
    after = fix_source(source, "m.py", unsafe=True, select=["ADNN108"])
    if fixed is None:
        assert finding.fix is None and after == source
    else:
        assert finding.fix_safe is True and after == source.replace(spelled, fixed)


def test_every_rule_states_its_fix_safety() -> None:
    for rule in all_rules():
        assert rule.fix_why, f"{rule.code} does not say why its fix is (un)safe or absent"
        assert (rule.fix_does is None) is (rule.fixable is None), rule.code
