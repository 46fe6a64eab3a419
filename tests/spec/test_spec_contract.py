"""The contract clause grammar, the ``# adnn:`` comment finder and rule ADNN302."""

from __future__ import annotations

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adnn_lint.rules.adnn302_bad_contract import BadContractRule
from adnn_lint.rules.base import FileContext
from adnn_lint.scan.records import ModelRecord, ScanResult, Span
from adnn_lint.spec.contract import (
    attached_comment,
    definitions,
    find_contract_comments,
    format_contract,
    parse_contract,
    parse_duration,
)
from adnn_lint.spec.errors import ContractSyntaxError
from adnn_lint.spec.model import Contract


def test_full_contract() -> None:
    text = "accuracy >= 88% on validation, max_trial = 50, max_time = 1h30m, max_gain = 0.02"
    assert parse_contract(text) == Contract(
        accuracy=0.88, split="validation", max_trial=50, max_time=5400.0, max_gain=0.02
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("10m", 600.0),
        ("2h", 7200.0),
        ("1.5h", 5400.0),
        ("250ms", 0.25),
        ("45", 45.0),
        ("1h30m", 5400.0),
        ("2min", 120.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_a_unit_may_stand_apart() -> None:
    assert parse_contract("max_time = 10 m").max_time == 600.0


def test_percentages_divide_exactly() -> None:
    assert parse_contract("accuracy >= 88.5%").accuracy == 0.885
    assert parse_contract("max_gain = 2%").max_gain == 0.02


@pytest.mark.parametrize(
    ("text", "offset", "words"),
    [
        ("", 0, "empty contract"),
        ("accuracy >= 1.5", 12, "outside [0, 1]"),
        ("acc >= 0.9", 0, "unknown clause 'acc'"),
        ("accuracy > 0.9", 9, "expected >="),
        ("accuracy >= 0.9 on training", 19, "unknown split 'training'"),
        ("max_time = 10x", 13, "unknown time unit 'x'"),
        ("max_time = 0s", 11, "positive duration"),
        ("max_trial = 5.5", 12, "whole number"),
        ("max_trial = -5", 12, "positive number of trials"),
        ("accuracy >= 0.9 max_trial = 3", 16, "expected ','"),
        ("max_trial = 3, max_trial = 4", 15, "given twice"),
        ("max_gain = ", 11, "expected a value"),
        ("delta = 0", 8, "positive step size"),
        ("confidence = 1", 13, "strictly between 0 and 1"),
        ("accuracy >= 0.9; max_trial = 3", 15, "unexpected character ';'"),
    ],
)
def test_errors_carry_the_offset(text: str, offset: int, words: str) -> None:
    with pytest.raises(ContractSyntaxError) as caught:
        parse_contract(text)
    assert caught.value.offset == offset
    assert words in caught.value.message


contracts = st.builds(
    Contract,
    st.floats(0.0, 1.0),
    st.sampled_from(["test", "validation"]),
    st.none() | st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
    st.none() | st.integers(min_value=1, max_value=10**9),
    st.none() | st.floats(0.0, 1.0),
    st.none() | st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
    st.floats(0.0, 1.0, exclude_min=True, exclude_max=True),
)


@settings(max_examples=200, deadline=None)
@given(contracts)
def test_format_then_parse_is_the_identity(contract: Contract) -> None:
    assert parse_contract(format_contract(contract)) == contract


SOURCE = """\
import keras
text = "# adnn: accuracy >= 2"  # adnn: accuracy >= 0.9
# adnn: max_trial = 5
@decorator
# a note
class Net(keras.Model):
    pass

#   ADNN :max_trial = 7

model = keras.Sequential([  # adnn: max_gain = 1%
    keras.layers.Dense(2),
])
"""


def test_comment_finder_skips_strings_and_records_columns() -> None:
    found = find_contract_comments(SOURCE)
    assert [(c.line, c.column, c.text_column, c.text, c.own_line) for c in found] == [
        (2, 33, 41, "accuracy >= 0.9", False),
        (3, 1, 9, "max_trial = 5", True),
        (9, 1, 11, "max_trial = 7", True),
        (11, 29, 37, "max_gain = 1%", False),
    ]


def test_attachment() -> None:
    comments = find_contract_comments(SOURCE)
    lines = SOURCE.splitlines()
    net = attached_comment(comments, lines, 6, 7)
    assert net is not None and net.line == 3  # above, across a decorator and a note
    model = attached_comment(comments, lines, 11, 13)
    assert model is not None and model.line == 11
    assert attached_comment(comments, lines, 13, 13) is None


def _context(source: str, models: tuple[ModelRecord, ...]) -> FileContext:
    scan = ScanResult(path="m.py", models=models)
    return FileContext("m.py", source, cst.parse_module(source), scan)


def _model(line: int, end_line: int) -> ModelRecord:
    return ModelRecord("M1", "model", "sequential", Span(line, 1, end_line, 2))


def test_rule_points_at_the_column_of_the_mistake() -> None:
    source = "import keras\n# adnn: accuracy >= 0.9, max_time = 10 parsecs\nmodel = f()\n"
    findings = list(BadContractRule().check(_context(source, (_model(3, 3),))))
    assert [(f.code, f.span.line, f.span.column, f.severity) for f in findings] == [
        ("ADNN302", 2, 40, "error")
    ]
    assert "unknown time unit 'parsecs'" in findings[0].message


def test_rule_flags_a_contract_attached_to_no_model() -> None:
    source = "import keras\n# adnn: accuracy >= 0.9\n\nmodel = f()\n"
    findings = list(BadContractRule().check(_context(source, (_model(4, 4),))))
    assert [(f.span.line, f.span.column, f.severity) for f in findings] == [(2, 1, "warning")]
    assert (
        list(BadContractRule().check(_context(source.replace("\n\n", "\n"), (_model(3, 3),)))) == []
    )


def test_a_contract_above_the_building_function_attaches() -> None:
    source = (
        "import keras\n"
        "# adnn: accuracy >= 0.9\n"
        "@cache\n"
        "def build():\n"
        "    return keras.Sequential([])\n"
    )
    comments = find_contract_comments(source)
    scopes = definitions(source)
    found = attached_comment(comments, source.splitlines(), 5, 5, scopes)
    assert found is not None and found.line == 2
    assert attached_comment(comments, source.splitlines(), 5, 5) is None
    assert list(BadContractRule().check(_context(source, (_model(5, 5),)))) == []


def test_a_second_comment_on_the_line_is_not_part_of_the_contract() -> None:
    (found,) = find_contract_comments("model = f()  # adnn: max_trial = 5  # noqa: ADNN201\n")
    assert found.text == "max_trial = 5"
    assert parse_contract(found.text).max_trial == 5
