"""Extraction: scanner records -> one spec per model, rebuildable without edits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from adnn_lint.knowledge.defaults import DEFAULT_LEARNING_RATES, FIT_DEFAULTS, SGD_ARGUMENTS
from adnn_lint.scan.records import (
    CompileCall,
    FitCall,
    InitializerRef,
    LayerRecord,
    ModelRecord,
    Origin,
    ParamValue,
    ScanResult,
    Span,
)
from adnn_lint.spec.check import check_spec
from adnn_lint.spec.extract import _keras_optimizer, extract_specs
from adnn_lint.spec.model import Contract, InitSpec, Spec
from adnn_lint.spec.syntax import dumps, loads

CORPUS = Path(__file__).parents[1] / "corpus"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "spec"

SOURCE = """\
import keras
(x, y), _ = keras.datasets.fashion_mnist.load_data()
# adnn: accuracy >= 85%, max_trial = 20, max_time = 5m
model = keras.Sequential([
    keras.Input((28, 28)),
    keras.layers.Flatten(),
    keras.layers.Dense(64, activation="relu", kernel_initializer=keras.initializers.HeNormal(3)),
    keras.layers.Dense(10, activation="softmax", bias_initializer=make_bias()),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3)
"""


def _span(line: int, end_line: int | None = None) -> Span:
    return Span(line, 1, end_line or line, 2)


def _scan() -> ScanResult:
    fit_call = cst.parse_expression("model.fit(x, y, epochs=3)")
    assert isinstance(fit_call, cst.Call)
    layers = (
        LayerRecord(
            "L1",
            "keras.layers.InputLayer",
            "InputLayer",
            _span(5),
            model="M1",
            trainable=False,
            input_shape=(28, 28),
        ),
        LayerRecord("L2", "keras.layers.Flatten", "Flatten", _span(6), model="M1", trainable=False),
        LayerRecord(
            "L3",
            "keras.layers.Dense",
            "Dense",
            _span(7),
            width=64,
            width_arg="units",
            activation="relu",
            activation_origin=Origin.EXPLICIT,
            model="M1",
            fan_in=784,
            fan_out=64,
            initializers=(
                InitializerRef(
                    "kernel",
                    "kernel_initializer",
                    Origin.EXPLICIT,
                    "he_normal",
                    {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": 3},
                    seed=3,
                ),
            ),
        ),
        LayerRecord(
            "L4",
            "keras.layers.Dense",
            "Dense",
            _span(8),
            width=10,
            width_arg="units",
            activation="softmax",
            activation_origin=Origin.EXPLICIT,
            model="M1",
            fan_in=64,
            fan_out=10,
            initializers=(
                InitializerRef(
                    "bias", "bias_initializer", Origin.UNRESOLVED, None, reason="a call"
                ),
            ),
        ),
    )
    model = ModelRecord(
        "M1",
        "model",
        "sequential",
        _span(4, 9),
        layer_ids=("L1", "L2", "L3", "L4"),
        compile=CompileCall(
            _span(10), "model", "adam", None, "sparse_categorical_crossentropy", ("accuracy",)
        ),
        fits=(FitCall(_span(11), "model", epochs=3, node=fit_call),),
    )
    return ScanResult(path="m.py", layers=layers, models=(model,))


def test_sequential_mlp_from_records() -> None:
    (spec,) = extract_specs(_scan(), SOURCE, "m.py")
    assert spec.source is not None and (spec.source.model, spec.source.line) == ("model", 4)
    assert spec.model.input_shape == (28, 28)
    assert spec.model.unresolved == ()
    assert [(x.name, x.class_name, x.units, x.activation, x.inputs) for x in spec.model.layers] == [
        ("flatten", "Flatten", None, None, ()),
        ("dense", "Dense", 64, "relu", ("flatten",)),
        ("dense_1", "Dense", 10, "softmax", ("dense",)),
    ]
    dense, head = spec.model.layers[1], spec.model.layers[2]
    assert dense.initializers == (
        InitSpec("kernel", "he_normal", {}, "explicit", 3),
        InitSpec("bias", "zeros", {}, "implicit"),
    )
    assert (dense.fan_in, dense.fan_out) == (784, 64)
    assert head.initializers[1] == InitSpec("bias", "unresolved", {}, "unresolved")
    assert head.unresolved == ("bias_initializer",)
    train = spec.train
    assert (train.optimizer, train.learning_rate, train.epochs, train.batch_size) == (
        "adam",
        0.001,
        3,
        32,
    )
    assert train.unresolved == ()
    assert spec.data.source == "fashion_mnist" and spec.data.unresolved == ()
    assert spec.contract == Contract(accuracy=0.85, max_trial=20, max_time=300.0)
    assert check_spec(spec) == []
    assert loads(dumps(spec)) == spec


def test_what_the_source_does_not_say_is_marked() -> None:
    scan = _scan()
    model = scan.models[0]
    bare = ModelRecord(model.id, model.name, model.kind, model.span, model.layer_ids)
    (spec,) = extract_specs(
        ScanResult("m.py", scan.layers, (bare,)), "import keras\nmodel = 1\n", "m.py"
    )
    assert spec.train.unresolved == ("optimizer", "learning_rate", "loss", "epochs", "batch_size")
    assert spec.data.unresolved == ("source",)
    assert spec.contract == Contract()


def test_a_loop_with_a_literal_trip_count_expands() -> None:
    scan = _scan()
    layers = list(scan.layers)
    layers[2] = LayerRecord(**{**layers[2].__dict__, "multiplicity": 3})
    (spec,) = extract_specs(ScanResult("m.py", tuple(layers), scan.models), SOURCE, "m.py")
    assert [(x.name, x.inputs) for x in spec.model.layers] == [
        ("flatten", ()),
        ("dense", ("flatten",)),
        ("dense_1", ("dense",)),
        ("dense_2", ("dense_1",)),
        ("dense_3", ("dense_2",)),
    ]
    layers[2] = LayerRecord(**{**layers[2].__dict__, "multiplicity": None})
    (spec,) = extract_specs(ScanResult("m.py", tuple(layers), scan.models), SOURCE, "m.py")
    assert spec.model.unresolved == ("layers",)


@pytest.mark.parametrize(
    ("written", "keras"),
    [("Adam", "adam"), ("RMSprop", "rmsprop"), ("tf.train.AdamOptimizer", "adam"),
     ("GradientDescentOptimizer", "sgd"), ("my_optimizer", None), ("Optimizer", None)],
)  # fmt: skip
def test_optimizer_names(written: str, keras: str | None) -> None:
    assert _keras_optimizer(written) == keras


@pytest.mark.runtime
def test_keras_defaults_match_the_installed_keras() -> None:
    keras = pytest.importorskip("keras")
    import inspect

    for name, rate in DEFAULT_LEARNING_RATES.items():
        optimizer = keras.optimizers.get(name)
        assert float(optimizer.learning_rate) == pytest.approx(rate), name
    fit = inspect.signature(keras.Model.fit).parameters
    assert fit["epochs"].default == FIT_DEFAULTS["epochs"]
    # batch_size=None in the signature means 32 (documented), so only check it is None
    assert fit["batch_size"].default is None


def test_a_model_without_layers_or_with_an_unfollowed_graph_is_marked() -> None:
    scan = _scan()
    model = scan.models[0]
    empty = ModelRecord("M2", "Wrapper", "subclassed", _span(1))
    unfollowed = ModelRecord(
        model.id, model.name, model.kind, model.span, model.layer_ids, edges_known=False
    )
    specs = extract_specs(ScanResult("m.py", scan.layers, (unfollowed, empty)), SOURCE, "m.py")
    assert [s.model.unresolved for s in specs] == [("layers",), ("input_shape", "layers")]


def test_embedding_vocabulary_is_kept_and_wrappers_are_marked() -> None:
    from adnn_lint.scan.scanner import scan_source

    source = (
        "import keras\nfrom keras import layers\n"
        "model = keras.Sequential([keras.Input((None,)), layers.Embedding(20000, 128),\n"
        "    layers.Bidirectional(layers.LSTM(64)), layers.Dense(1)])\n"
    )
    _, scan = scan_source(source, "m.py")
    (spec,) = extract_specs(scan, source, "m.py")
    by_class = {x.class_name: x for x in spec.model.layers}
    assert by_class["Embedding"].options == {"input_dim": 20000}
    assert by_class["Embedding"].units == 128
    assert by_class["Bidirectional"].unresolved == ("layer",)


def _train_of(compile_line: str, prelude: str = "") -> Any:
    from adnn_lint.scan.scanner import scan_source

    source = (
        "import keras\n" + prelude + "model = keras.Sequential([keras.Input((4,)), "
        "keras.layers.Dense(2)])\n" + compile_line + "\nmodel.fit(x, y, epochs=1)\n"
    )
    _, scan = scan_source(source, "m.py")
    (spec,) = extract_specs(scan, source, "m.py")
    return spec.train


@pytest.mark.parametrize(
    ("compile_line", "options"),
    [
        (
            "model.compile(keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True), 'mse')",
            {"momentum": 0.9, "nesterov": True},
        ),
        # Keras 3 SGD(learning_rate, momentum, nesterov) by position
        (
            "model.compile(keras.optimizers.SGD(0.05, 0.8, True), 'mse')",
            {"momentum": 0.8, "nesterov": True},
        ),
        ("model.compile(optimizer=keras.optimizers.Adam(beta_1=0.5), loss='mse')", {"beta_1": 0.5}),
        # an explicit None is Keras' default, so it is no option
        ("model.compile(keras.optimizers.SGD(weight_decay=None), 'mse')", {}),
        ("model.compile('sgd', 'mse')", {}),
    ],
)
def test_optimizer_options_are_read(compile_line: str, options: dict[str, object]) -> None:
    train = _train_of(compile_line)
    assert dict(train.optimizer_options) == options
    assert "optimizer_options" not in train.unresolved


def test_an_unreadable_optimizer_option_is_unresolved_and_dropped() -> None:
    train = _train_of(
        "model.compile(keras.optimizers.SGD(0.05, momentum=pick(), nesterov=True), 'mse')"
    )
    assert dict(train.optimizer_options) == {"nesterov": True}
    assert "optimizer_options" in train.unresolved
    # through a name bound to the optimizer, as in `opt = SGD(...); model.compile(opt, ...)`
    train = _train_of(
        "model.compile(opt, 'mse')", prelude="opt = keras.optimizers.SGD(0.1, momentum=0.5)\n"
    )
    assert dict(train.optimizer_options) == {"momentum": 0.5}


def test_optimizer_options_round_trip_and_are_checked() -> None:
    spec = _spec_with_options({"momentum": 0.9, "nesterov": True})
    text = dumps(spec)
    assert "optimizer_options = { momentum = 0.9, nesterov = true }" in text
    assert loads(text).train.optimizer_options == {"momentum": 0.9, "nesterov": True}
    problems = check_spec(_spec_with_options({"momentun": 0.9, "nesterov": "yes"}))
    messages = {p.path: p.message for p in problems}
    assert "did you mean 'momentum'" in messages[("train", "optimizer_options", "momentun")]
    assert "nesterov must be true or false" in messages[("train", "optimizer_options", "nesterov")]
    (bad,) = check_spec(_spec_with_options({"momentum": 1.5}))
    assert bad.path == ("train", "optimizer_options", "momentum") and "[0, 1]" in bad.message


def _spec_with_options(options: dict[str, ParamValue]) -> Spec:
    (spec,) = extract_specs(_scan(), SOURCE, "m.py")
    return replace(spec, train=replace(spec.train, optimizer="sgd", optimizer_options=options))


def test_sgd_arguments_match_keras() -> None:
    keras = pytest.importorskip("keras")
    import inspect

    parameters = list(inspect.signature(keras.optimizers.SGD).parameters)
    assert tuple(p for p in parameters if p not in ("learning_rate", "kwargs")) == SGD_ARGUMENTS


def test_a_layer_list_with_an_unreadable_element_is_marked_incomplete() -> None:
    from adnn_lint.scan.scanner import scan_source

    source = (
        "import keras\nfrom keras import layers\n"
        "model = keras.Sequential([keras.Input((4,)), make_block(8), layers.Dense(1)])\n"
        "other = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(1)])\n"
        "other.add(make_block(2))\n"
    )
    _, scan = scan_source(source, "m.py")
    first, second = extract_specs(scan, source, "m.py")
    # The list names one Dense the scanner reads and a call it cannot: not a 1-layer model.
    assert "layers" in first.model.unresolved
    assert "layers" in second.model.unresolved
    clean = source.split("other.add")[0].replace("make_block(8)", "layers.Dense(8)")
    _, scan = scan_source(clean, "m.py")
    assert all("layers" not in s.model.unresolved for s in extract_specs(scan, clean, "m.py"))


RESIDUAL = """\
import keras
from keras import layers


def residual_block(x, units):
    h = layers.Dense(units, activation="relu")(x)
    h = layers.Dense(units)(h)
    return layers.Activation("relu")(layers.add([x, h]))


inputs = keras.Input(shape=(16,))
x = layers.Dense(32, activation="relu")(inputs)
x = residual_block(x, 32)
wide = layers.Dense(8, activation="relu")(x)
deep = layers.Dense(8, activation="tanh")(x)
x = layers.concatenate([wide, deep], axis=-1)
outputs = layers.Dense(3, activation="softmax")(layers.Dropout(0.1)(x))
model = keras.Model(inputs, outputs)
"""


def test_merge_functions_and_nested_calls_enter_the_graph() -> None:
    from adnn_lint.scan.scanner import scan_source

    _, scan = scan_source(RESIDUAL, "m.py")
    (spec,) = extract_specs(scan, RESIDUAL, "m.py")
    layers = {layer.name: layer for layer in spec.model.layers}
    order = [layer.name for layer in spec.model.layers]
    # the merge layers exist, and every layer comes after the layers feeding it (the
    # Activation is created before the add() nested in its call)
    assert layers["add"].class_name == "Add" and layers["add"].inputs == ("dense", "dense_2")
    assert layers["activation"].inputs == ("add",)
    assert layers["dense_2"].activation == "linear"  # the relu comes after the add
    assert layers["concatenate"].inputs == ("dense_3", "dense_4")
    assert layers["concatenate"].options == {"axis": -1}
    assert layers["dropout"].inputs == ("concatenate",)
    assert layers["dense_5"].inputs == ("dropout",)
    assert all(order.index(i) < order.index(n) for n, x in layers.items() for i in x.inputs)
    assert all(not layer.unresolved for layer in spec.model.layers)
    assert spec.model.unresolved == ()
    assert loads(dumps(spec)) == spec


def test_a_merge_with_the_model_input_is_marked() -> None:
    from adnn_lint.scan.scanner import scan_source

    source = RESIDUAL.replace("layers.add([x, h])", "layers.add([inputs, h])")
    _, scan = scan_source(source, "m.py")
    (spec,) = extract_specs(scan, source, "m.py")
    (add,) = [layer for layer in spec.model.layers if layer.class_name == "Add"]
    assert add.unresolved == ("inputs",)


def test_a_contract_above_a_subclassed_models_instantiation_is_the_models() -> None:
    from adnn_lint.scan.scanner import scan_source

    source = (
        "import keras\n"
        "from keras import layers\n"
        "\n"
        "\n"
        "class Net(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.hidden = layers.Dense(64, activation='relu')\n"
        "        self.out = layers.Dense(10, activation='softmax')\n"
        "\n"
        "    def call(self, x):\n"
        "        return self.out(self.hidden(x))\n"
        "\n"
        "\n"
        "# adnn: accuracy >= 0.85, max_trial = 8\n"
        "model = Net()\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
        "model.fit(x, y, epochs=2)\n"
    )
    _, scan = scan_source(source, "m.py")
    (model,) = scan.models
    assert model.name == "Net" and [s.line for s in model.instances] == [16]
    assert model.compile is not None and model.fits[0].epochs == 2  # calls on the instance
    (spec,) = extract_specs(scan, source, "m.py")
    assert spec.contract.accuracy == 0.85 and spec.contract.max_trial == 8
    # a comment above some other statement stays unattached
    moved = source.replace("model = Net()\n", "x = 1\nmodel = Net()\n")
    _, scan = scan_source(moved, "m.py")
    (spec,) = extract_specs(scan, moved, "m.py")
    assert spec.contract.accuracy is None


def test_arguments_the_spec_cannot_carry_are_marked() -> None:
    from adnn_lint.scan.scanner import scan_source
    from adnn_lint.spec.check import unbuildable

    source = (
        "import keras\n"
        "from keras import constraints, layers, regularizers\n"
        "\n"
        "\n"
        "class Scale(layers.Layer):\n"
        "    def build(self, input_shape):\n"
        "        self.w = self.add_weight(shape=(1,), initializer='zeros')\n"
        "\n"
        "    def call(self, x):\n"
        "        return x * self.w\n"
        "\n"
        "\n"
        "inputs = keras.Input((16,))\n"
        "x = layers.Dense(32, activation='relu', kernel_regularizer=regularizers.l2(1e-4),\n"
        "                 kernel_constraint=constraints.MaxNorm(3), name=f'hidden_{1}')(inputs)\n"
        "x = layers.Dense(16, activation='relu', kernel_regularizer='l2')(x)\n"
        "x = Scale()(x)\n"
        "outputs = layers.Dense(2, activation='softmax')(x)\n"
        "model = keras.Model(inputs, outputs)\n"
    )
    _, scan = scan_source(source, "m.py")
    specs = {spec.model.name: spec for spec in extract_specs(scan, source, "m.py")}
    spec = specs["model"]
    hidden, literal, out = spec.model.layers
    # an object the spec cannot hold is marked, never dropped; a literal name is carried
    assert hidden.unresolved == ("kernel_regularizer", "kernel_constraint")
    assert literal.unresolved == () and literal.options == {"kernel_regularizer": "l2"}
    # the custom layer sits between: its weights and what it computes are not in the spec
    assert out.inputs == ("dense_1",) and out.unresolved == ("inputs",)
    assert unbuildable(spec) == [
        "model.layers[0] (dense): kernel_regularizer, kernel_constraint",
        "model.layers[2] (dense_2): inputs",
    ]
    # the same custom layer in a Sequential list: the layers cannot all be listed
    listed = source.split("inputs = ")[0] + (
        "model = keras.Sequential([keras.Input((16,)), layers.Dense(8), Scale()])\n"
    )
    _, scan = scan_source(listed, "m.py")
    spec = next(s for s in extract_specs(scan, listed, "m.py") if s.model.name == "model")
    assert "layers" in spec.model.unresolved
    assert unbuildable(spec)[0].startswith("model.layers: not every layer of 'model'")


def test_a_model_applied_between_layers_is_marked_and_a_model_of_models_is_not_listed() -> None:
    from adnn_lint.scan.scanner import scan_source

    source = (
        "import keras\n"
        "from keras import layers\n"
        "gen = keras.Sequential([keras.Input((8,)), layers.Dense(16), layers.Dense(4)])\n"
        "disc = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation='sigmoid')])\n"
        "z = keras.Input((8,))\n"
        "gan = keras.Model(z, disc(gen(z)))\n"
        "h = layers.Dense(8)(z)\n"
        "out = layers.Dense(1)(gen(h))\n"
        "head = keras.Model(z, out)\n"
    )
    _, scan = scan_source(source, "m.py")
    specs = {spec.model.name: spec for spec in extract_specs(scan, source, "m.py")}
    # no layer of the file reaches gan's outputs: no empty spec stands for it
    assert sorted(specs) == ["disc", "gen", "head"]
    first, last = specs["head"].model.layers
    # gen runs between the two Dense layers: the spec of head alone would skip it
    assert last.inputs == (first.name,) and last.unresolved == ("inputs",)
    (model,) = [m for m in scan.models if m.name == "head"]
    assert model.ops == ("gen",)


def test_a_pretrained_base_applied_to_the_input_is_marked() -> None:
    from adnn_lint.scan.scanner import scan_source

    source = (
        "import keras\n"
        "from keras import layers\n"
        "base = keras.applications.MobileNetV2(include_top=False, input_shape=(96, 96, 3))\n"
        "inputs = keras.Input((96, 96, 3))\n"
        "x = layers.GlobalAveragePooling2D()(base(inputs, training=False))\n"
        "model = keras.Model(inputs, layers.Dense(10, activation='softmax')(x))\n"
    )
    _, scan = scan_source(source, "m.py")
    (spec,) = extract_specs(scan, source, "m.py")
    pooling, head = spec.model.layers
    # the spec holds the head only: the pretrained base between input and head is marked
    assert pooling.unresolved == ("inputs",) and head.unresolved == ()
    assert scan.models[0].ops == ("keras.applications.MobileNetV2",)


def _specs_of(source: str) -> list[Spec]:
    from adnn_lint.scan.scanner import scan_source

    _, scan = scan_source(source, "m.py")
    return extract_specs(scan, source, "m.py")


def _passes_its_own_check(spec: Spec) -> None:
    from adnn_lint.spec.syntax import issues

    _, found = issues(dumps(spec), "m.adnn.toml")
    assert found == []


def test_keras2_sgd_decay_is_left_out_and_marked_and_the_check_says_what_to_do() -> None:
    train = _train_of(
        "model.compile(keras.optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9), 'mse')"
    )
    assert dict(train.optimizer_options) == {"momentum": 0.9}
    assert "optimizer_options" in train.unresolved
    (problem,) = check_spec(_spec_with_options({"decay": 1e-6, "momentum": 0.9}))
    assert problem.path == ("train", "optimizer_options", "decay")
    assert "learning-rate decay" in problem.message and "not weight_decay" in problem.message
    assert "InverseTimeDecay" in problem.message


def test_a_layer_called_again_downstream_of_itself_is_no_cycle() -> None:
    (spec,) = _specs_of(
        "import keras\n"
        "inputs = keras.Input((4,))\n"
        "reused_layer = keras.layers.Dense(4)\n"
        "x = reused_layer(inputs)\n"
        "x = keras.layers.Dense(4)(x)\n"
        "outputs = reused_layer(x)\n"
        "model = keras.Model(inputs, outputs)\n"
    )
    assert [(x.name, x.inputs) for x in spec.model.layers] == [
        ("dense", ()),
        ("dense_1", ("dense",)),
    ]
    assert "layers" in spec.model.unresolved
    _passes_its_own_check(spec)


def test_too_much_pooling_leaves_fan_in_unknown_not_zero() -> None:
    (spec,) = _specs_of(
        "from keras.models import Sequential\n"
        "from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense\n"
        "model = Sequential()\n"
        "model.add(Conv2D(8, (3, 3), input_shape=(8, 8, 1)))\n"  # 6x6
        "model.add(MaxPooling2D((2, 2)))\n"  # 3x3
        "model.add(MaxPooling2D((2, 2)))\n"  # 1x1
        "model.add(MaxPooling2D((2, 2)))\n"  # 0x0: Keras refuses to build it
        "model.add(Flatten())\n"
        "model.add(Dense(10))\n"
    )
    dense = spec.model.layers[-1]
    assert dense.class_name == "Dense" and dense.fan_in is None
    assert all(layer.fan_in != 0 for layer in spec.model.layers)
    _passes_its_own_check(spec)
