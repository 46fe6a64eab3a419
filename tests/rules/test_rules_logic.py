"""Rule logic on hand-built scan records, independent of the scanner's coverage."""

from __future__ import annotations

import dataclasses

import libcst as cst
import pytest

from adnn_lint.engine.fixes import apply_fixes
from adnn_lint.engine.lint import lint_source
from adnn_lint.rules._seeding import REQUIRED, KerasApi, seed_fix
from adnn_lint.rules._support import constant_value, string_like, suggested_for
from adnn_lint.rules._training import covering
from adnn_lint.rules._variance import describe
from adnn_lint.rules.adnn105_signal_explosion import SignalExplosion, extreme_paths
from adnn_lint.rules.adnn108_unknown_initializer import closest
from adnn_lint.rules.base import FileContext
from adnn_lint.scan.dag import Dag
from adnn_lint.scan.records import (
    FitCall,
    InitializerRef,
    LayerRecord,
    ModelRecord,
    Origin,
    ScanResult,
    SeedCall,
    Span,
)

ALL = frozenset({"python", "numpy", "tensorflow"})


def span(line: int) -> Span:
    return Span(line, 1, line, 10)


def test_closest_spelling_from_catalog_aliases() -> None:
    assert closest("glorot_unifrom") == "glorot_uniform"
    assert closest("HeNromal") == "HeNormal"
    assert closest("he_normall") == "he_normal"
    assert closest("completely_made_up") is None


def test_constant_values() -> None:
    ref = InitializerRef("kernel", "kernel_initializer", Origin.EXPLICIT, "constant", {"value": 2})
    assert constant_value(ref) == 2.0
    zeros = InitializerRef("kernel", "kernel_initializer", Origin.EXPLICIT, "zeros")
    assert constant_value(zeros) == 0.0
    seq = InitializerRef("kernel", "k", Origin.EXPLICIT, "constant", {"value": "array"})
    assert constant_value(seq) is None
    assert constant_value(InitializerRef("kernel", "k", Origin.EXPLICIT, "he_normal")) is None


def test_suggestion_keeps_distribution_and_follows_gain() -> None:
    assert suggested_for(2.0, "random_normal") == "he_normal"
    assert suggested_for(1.923, "random_uniform") == "he_uniform"
    assert suggested_for(1.0, "truncated_normal") == "glorot_normal"
    assert suggested_for(None, "random_normal") is None


def test_string_like_keeps_quote_style() -> None:
    assert string_like(cst.SimpleString("'zeros'"), "he_normal").value == "'he_normal'"
    assert string_like(cst.SimpleString('"zeros"'), "he_normal").value == '"he_normal"'
    assert string_like(cst.Name("init"), "he_normal").value == '"he_normal"'


def test_describe_factor() -> None:
    assert describe(16.0) == "grows 16x"
    assert describe(0.125) == "shrinks 8x"


@pytest.mark.parametrize(
    ("fit_scope", "fit_line", "seeds", "calls", "covered"),
    [
        ("module", 10, [("module", 2, ALL)], set(), ALL),
        ("module", 10, [("module", 12, ALL)], set(), frozenset()),  # seeded too late
        ("main", 10, [("main", 8, ALL)], set(), ALL),
        ("module", 10, [("main", 8, ALL)], set(), frozenset()),  # main block runs after module
        ("main", 10, [("function:seed_all", 3, ALL)], {"seed_all"}, ALL),
        ("main", 10, [("function:seed_all", 3, ALL)], set(), frozenset()),  # helper never called
        ("function:train", 10, [("function:setup", 3, ALL)], set(), ALL),
        ("function:train", 10, [("function:train", 12, ALL)], set(), frozenset()),
        ("module", 10, [("module", 2, frozenset({"tensorflow"}))], set(), {"tensorflow"}),
    ],
)
def test_seed_coverage(
    fit_scope: str,
    fit_line: int,
    seeds: list[tuple[str, int, frozenset[str]]],
    calls: set[str],
    covered: frozenset[str],
) -> None:
    fit = FitCall(span(fit_line), "model", scope=fit_scope)
    records = [
        SeedCall("keras.utils.set_random_seed", span(line), 1, scope, c) for scope, line, c in seeds
    ]
    assert covering(fit, records, calls) == covered
    assert REQUIRED == ALL


CURRENT = KerasApi("keras", "current", "tf2", imports_tensorflow=False)


def test_seed_fix_reuses_existing_keras_alias() -> None:
    module = cst.parse_module("import keras as K\nimport numpy as np\n\nmodel = None\n")
    fix = seed_fix(module, 5, CURRENT)
    assert fix is not None and fix.imports == () and not fix.safe
    assert fix.description == "Call K.utils.set_random_seed(5) after the imports"


def test_seed_fix_goes_after_a_late_import_past_constants() -> None:
    source = "# setup\nx = 1\nimport keras\nmodel = None\n"
    module = cst.parse_module(source)
    fix = seed_fix(module, 0, CURRENT)
    assert fix is not None
    fixed = apply_fixes(module, [fix]).code
    assert fixed == "# setup\nx = 1\nimport keras\n\nkeras.utils.set_random_seed(0)\nmodel = None\n"


def test_seed_fix_before_any_import_brings_its_own() -> None:
    source = "# setup\nmodel = build()\n"
    module = cst.parse_module(source)
    fix = seed_fix(module, 0, CURRENT)
    assert fix is not None
    fixed = apply_fixes(module, [fix]).code
    assert fixed == "# setup\nimport keras\n\nkeras.utils.set_random_seed(0)\nmodel = build()\n"


def test_seed_fix_never_rebinds_a_name_the_file_uses() -> None:
    # `import random` would shadow NumPy's random module that the file imported by that name.
    source = "from numpy import random\nimport tensorflow as tf\nx = random.rand(3)\n"
    api = KerasApi("tf.keras", "current", "tf2", imports_tensorflow=True)
    assert seed_fix(cst.parse_module(source), 0, api) is None
    assert seed_fix(cst.parse_module(source), 0, api, frozenset({"tensorflow"})) is not None


def test_extreme_paths_over_branches() -> None:
    graph = Dag(edges=[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    (hi, hi_path), (lo, lo_path) = extreme_paths(graph, {"a": 1.0, "b": 2.0, "c": -3.0, "d": 0.5})
    assert hi == pytest.approx(3.5) and hi_path == ["a", "b", "d"]
    assert lo == pytest.approx(-1.5) and lo_path == ["a", "c", "d"]


def _dense(
    lid: str, line: int, width: int, fan_in: int, init: str, activation: str, feeds: bool
) -> LayerRecord:
    ref = InitializerRef("kernel", "kernel_initializer", Origin.EXPLICIT, init, {}, span=span(line))
    return LayerRecord(
        lid,
        "keras.layers.Dense",
        "Dense",
        span(line),
        width=width,
        activation=activation,
        initializers=(ref,),
        model="M1",
        fan_in=fan_in,
        fan_out=width,
        feeds_trainable=feeds,
    )


def test_signal_explosion_multiplies_factors_along_the_chain() -> None:
    layers = (
        _dense("L1", 3, 256, 256, "random_uniform", "linear", True),
        _dense("L2", 4, 256, 256, "random_normal", "linear", True),
        _dense("L3", 5, 10, 256, "glorot_uniform", "softmax", False),
    )
    model = ModelRecord("M1", "model", "sequential", span(2), ("L1", "L2", "L3"))
    scan = ScanResult("m.py", layers=layers, models=(model,))
    module = cst.parse_module("x = 1\n")
    findings = list(SignalExplosion().check(FileContext("m.py", "x = 1\n", module, scan)))
    # Var(U(-0.05, 0.05)) * 256 = 0.213; Var(N(0, 0.05)) * 256 = 0.64: product 0.137 > 0.1.
    assert findings == []
    scan = ScanResult(
        "m.py",
        layers=(
            layers[0],
            dataclasses.replace(layers[0], id="L0", span=span(2)),
            *layers[1:],
        ),
        models=(ModelRecord("M1", "model", "sequential", span(2), ("L0", "L1", "L2", "L3")),),
    )
    findings = list(SignalExplosion().check(FileContext("m.py", "x = 1\n", module, scan)))
    # One more 0.213x layer: 0.029x end to end.
    assert len(findings) == 1 and "shrinks 34.3x" in findings[0].message


def _zero_mlp(activation: str, bias: str = "zeros", second: str = "glorot_uniform") -> str:
    return (
        "import keras\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(8,)),\n"
        f"    keras.layers.Dense(16, activation='{activation}', kernel_initializer='zeros',\n"
        f"                       bias_initializer='{bias}'),\n"
        f"    keras.layers.Dense(16, activation='tanh', kernel_initializer='{second}'),\n"
        "    keras.layers.Dense(1),\n"
        "])\n"
    )


@pytest.mark.parametrize(
    ("source", "severities"),
    [
        (_zero_mlp("relu"), ["error"]),  # dead: relu(0) = 0 and relu'(0) = 0
        (_zero_mlp("tanh"), ["warning"]),  # learns, symmetry broken by the next layer
        (_zero_mlp("relu", bias="ones"), ["warning"]),  # a positive bias keeps it alive
        (_zero_mlp("tanh", second="zeros"), ["error", "warning"]),  # stuck pair, then tanh
    ],
)
def test_zero_kernel_is_an_error_only_when_it_cannot_learn(
    source: str, severities: list[str]
) -> None:
    findings = [f for f in lint_source(source, "m.py") if f.code == "ADNN101"]
    assert [f.severity for f in findings] == severities
