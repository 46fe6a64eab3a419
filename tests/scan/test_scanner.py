"""The scanner: import styles, argument forms, models, seeds, compile()/fit().

Each row of docs/scanner.md has a test here (the row id is in the test id).
"""

from __future__ import annotations

import textwrap

import pytest

from adnn_lint.scan.records import LayerRecord, Origin, ScanResult
from adnn_lint.scan.scanner import mentions_keras, scan_source


def scan(source: str) -> ScanResult:
    return scan_source(textwrap.dedent(source), "t.py")[1]


def only(source: str) -> LayerRecord:
    layers = scan(source).layers
    assert len(layers) == 1, layers
    return layers[0]


def kernel(layer: LayerRecord) -> tuple[Origin, str | None]:
    ref = next(r for r in layer.initializers if r.role == "kernel")
    return ref.origin, ref.canonical


# --- import styles (docs/scanner.md: I1..I18) -------------------------------------------------

IMPORT_STYLES = {
    "I1 import keras": "import keras\nkeras.layers.Dense(4)",
    "I2 from keras import layers": "from keras import layers\nlayers.Dense(4)",
    "I3 from keras.layers import Dense as D": "from keras.layers import Dense as D\nD(4)",
    "I4 tf.keras": "import tensorflow as tf\ntf.keras.layers.Dense(4)",
    "I5 from tensorflow import keras": "from tensorflow import keras\nkeras.layers.Dense(4)",
    "I6 from tensorflow.keras import layers": (
        "from tensorflow.keras import layers\nlayers.Dense(4)"
    ),
    "I7 tf_keras": "import tf_keras\ntf_keras.layers.Dense(4)",
    "I8 keras.src": "from keras.src.layers.core.dense import Dense\nDense(4)",
    "I9 star import": "from keras.layers import *\nDense(4)",
    "I10 import keras.layers as kl": "import keras.layers as kl\nkl.Dense(4)",
    "I11 Keras 2 module path": "from keras.layers.core import Dense\nDense(4)",
    "I12 tensorflow.keras.layers import": "from tensorflow.keras.layers import Dense\nDense(4)",
    "I13 import in function": "def f():\n    from keras import layers\n    return layers.Dense(4)",
    "I14 tensorflow.python.keras": ("from tensorflow.python.keras.layers import Dense\nDense(4)"),
    "I15 class alias assignment": "from keras import layers\nD = layers.Dense\nD(4)",
    "I16 module alias assignment": "import keras\nKL = keras.layers\nKL.Dense(4)",
    "I17 TF 1 layer class": "import tensorflow as tf\ntf.layers.Dense(4)",
    "I18 TF 1 layer function": (
        "import tensorflow as tf\nslim = tf.contrib.slim\nslim.fully_connected(x, 4)"
    ),
}


@pytest.mark.parametrize("source", IMPORT_STYLES.values(), ids=IMPORT_STYLES.keys())
def test_import_styles_find_the_layer(source: str) -> None:
    layer = only(source)
    assert (layer.qualname, layer.class_name, layer.width) == ("keras.layers.Dense", "Dense", 4)


NOT_KERAS = {
    "N1 local class": "import keras\nclass Dense:\n    pass\nDense(4)",
    "N2 torch": "import torch\nimport keras\ntorch.nn.Linear(4, 4)",
    "N3 parameter shadows": (
        "from keras.layers import Dense\ndef build(Dense):\n    return Dense(4)"
    ),
    "N4 rebound name": "from keras.layers import Dense\nDense = print\nDense(4)",
    "N5 relative import": "import keras\nfrom .layers import Dense\nDense(4)",
    "N6 never imported": "import keras\nDense(4)",
    "N7 loop variable shadows": (
        "from keras.layers import Dense\nfor Dense in [print]:\n    Dense(4)"
    ),
    "N8 other library with a layers module": "import keras\nimport mylib\nmylib.layers.Dense(4)",
}


@pytest.mark.parametrize("source", NOT_KERAS.values(), ids=NOT_KERAS.keys())
def test_code_that_is_not_keras_is_never_matched(source: str) -> None:
    assert scan(source).layers == ()


# --- argument forms (docs/scanner.md: A1..A20) ------------------------------------------------


def test_a1_keyword_string() -> None:
    layer = only("import keras\nkeras.layers.Dense(4, kernel_initializer='he_normal')")
    assert kernel(layer) == (Origin.EXPLICIT, "he_normal")


def test_a2_positional_arguments_follow_the_catalog_order() -> None:
    layer = only("import keras\nkeras.layers.Dense(4, 'relu', True, 'lecun_normal', 'ones')")
    assert layer.activation == "relu"
    assert kernel(layer) == (Origin.EXPLICIT, "lecun_normal")
    assert layer.initializers[1].canonical == "ones"


def test_a3_double_star_dict_literal() -> None:
    layer = only("import keras\nkeras.layers.Dense(4, **{'kernel_initializer': 'zeros'})")
    assert kernel(layer) == (Origin.EXPLICIT, "zeros")


def test_a4_double_star_bound_dict() -> None:
    layer = only(
        """
        import keras
        kw = dict()
        kw = {"kernel_initializer": "orthogonal", "activation": "tanh"}
        keras.layers.Dense(4, **kw)
        """
    )
    assert kernel(layer) == (Origin.EXPLICIT, "orthogonal")
    assert layer.activation == "tanh"


def test_a5_initializer_object_with_seed_and_params() -> None:
    layer = only(
        "import keras\nkeras.layers.Dense(4, kernel_initializer="
        "keras.initializers.RandomNormal(0.0, 0.1, seed=3))"
    )
    ref = layer.initializers[0]
    assert (ref.canonical, ref.params["stddev"], ref.seed) == ("random_normal", 0.1, 3)


def test_a6_initializers_get() -> None:
    layer = only(
        "from keras import initializers, layers\n"
        "layers.Dense(4, kernel_initializer=initializers.get('HeUniform'))"
    )
    assert kernel(layer) == (Origin.EXPLICIT, "he_uniform")


def test_a7_name_bound_to_string() -> None:
    layer = only("import keras\ninit = 'zeros'\nkeras.layers.Dense(4, kernel_initializer=init)")
    assert kernel(layer) == (Origin.EXPLICIT, "zeros")
    assert layer.initializers[0].instance is None  # a string is not a shared object


def test_a8_shared_object_gets_one_instance_identity() -> None:
    result = scan(
        """
        import keras
        init = keras.initializers.GlorotNormal()
        a = keras.layers.Dense(4, kernel_initializer=init)
        b = keras.layers.Dense(4, kernel_initializer=init)
        c = keras.layers.Dense(4, kernel_initializer=keras.initializers.GlorotNormal())
        """
    )
    instances = [layer.initializers[0].instance for layer in result.layers]
    assert instances[0] is not None and instances[0] == instances[1]
    assert instances[2] is None


def test_a9_functools_partial() -> None:
    result = scan(
        """
        import functools
        import keras
        Dense = functools.partial(keras.layers.Dense, kernel_initializer="he_normal")
        Dense(8, activation="relu")
        """
    )
    (layer,) = result.layers
    assert (layer.width, layer.activation, kernel(layer)) == (
        8,
        "relu",
        (Origin.EXPLICIT, "he_normal"),
    )


def test_a10_legacy_keras1_arguments() -> None:
    layer = only("from keras.layers import Dense\nDense(output_dim=16, init='uniform')")
    assert layer.width == 16
    assert kernel(layer) == (Origin.EXPLICIT, "random_uniform")
    assert layer.initializers[0].argument == "kernel_initializer"


def test_a11_keras1_convolution_positional_kernel() -> None:
    layer = only(
        "from keras.layers import Convolution2D\n"
        "Convolution2D(32, 3, 3, init='he_normal', border_mode='same')"
    )
    assert (layer.width, layer.shape_arguments["kernel_size"]) == (32, (3, 3))
    assert kernel(layer) == (Origin.EXPLICIT, "he_normal")


def test_a12_unknown_spelling_is_explicit_without_canonical() -> None:
    ref = only("import keras\nkeras.layers.Dense(4, kernel_initializer='glorot_unifrom')")
    ref0 = ref.initializers[0]
    assert (ref0.origin, ref0.canonical, ref0.spelled) == (
        Origin.EXPLICIT,
        None,
        "glorot_unifrom",
    )


def test_a13_unresolvable_name_is_unresolved_with_reason() -> None:
    result = scan(
        "import keras\ndef build(init):\n    return keras.layers.Dense(4, kernel_initializer=init)"
    )
    ref = result.layers[0].initializers[0]
    assert ref.origin is Origin.UNRESOLVED and ref.reason and "init" in ref.reason
    assert [u.what for u in result.unresolved] == ["initializer"]
    assert result.unresolved[0].span.line == 3


def test_a14_config_dict() -> None:
    layer = only(
        "import keras\nkeras.layers.Dense(4, kernel_initializer="
        "{'class_name': 'HeNormal', 'config': {'seed': 7}})"
    )
    assert kernel(layer) == (Origin.EXPLICIT, "he_normal")
    assert layer.initializers[0].seed == 7


def test_a15_class_without_call() -> None:
    layer = only("import keras\nkeras.layers.Dense(4, kernel_initializer=keras.initializers.Ones)")
    assert kernel(layer) == (Origin.EXPLICIT, "ones")


def test_a16_implicit_defaults_from_the_catalog() -> None:
    layer = only("import keras\nkeras.layers.LSTM(8)")
    refs = {r.role: (r.origin, r.canonical) for r in layer.initializers}
    assert refs == {
        "kernel": (Origin.IMPLICIT, "glorot_uniform"),
        "recurrent": (Origin.IMPLICIT, "orthogonal"),
        "bias": (Origin.IMPLICIT, "zeros"),
    }
    assert layer.initializers[0].span is None


def test_a17_activation_forms() -> None:
    result = scan(
        """
        import keras
        import tensorflow as tf
        keras.layers.Dense(4, activation=keras.activations.relu)
        keras.layers.Dense(4, activation=tf.nn.tanh)
        keras.layers.Dense(4, activation="swish")
        keras.layers.Dense(4)
        keras.layers.Dense(4, activation=my_activation)
        """
    )
    assert [layer.activation for layer in result.layers] == [
        "relu",
        "tanh",
        "silu",
        "linear",
        None,
    ]
    assert result.layers[4].activation_origin is Origin.UNRESOLVED


def test_a18_non_literal_width_is_unresolved() -> None:
    result = scan("import keras\ndef f(n):\n    return keras.layers.Dense(n)")
    assert result.layers[0].width is None
    assert [u.what for u in result.unresolved] == ["width"]


def test_a19_double_star_unknown_marks_unwritten_roles_unresolved() -> None:
    result = scan("import keras\ndef f(**kw):\n    return keras.layers.Dense(4, **kw)")
    assert {r.origin for r in result.layers[0].initializers} == {Origin.UNRESOLVED}


def test_a20_initializer_with_non_literal_parameter() -> None:
    layer = only(
        "import keras\ndef f(s):\n"
        "    init = keras.initializers.RandomNormal(stddev=s)\n"
        "    return keras.layers.Dense(4, kernel_initializer=init)"
    )
    ref = layer.initializers[0]
    assert (ref.origin, ref.canonical) == (Origin.UNRESOLVED, "random_normal")
    assert ref.reason and "stddev" in ref.reason


def test_spans_are_one_based_and_point_at_the_call_and_the_value() -> None:
    layer = only("import keras\nx = keras.layers.Dense(4, kernel_initializer='zeros')")
    assert (layer.span.line, layer.span.column) == (2, 5)
    ref = layer.initializers[0]
    assert ref.span is not None and (ref.span.line, ref.span.column) == (2, 46)


# --- models (docs/scanner.md: M1..M8) ---------------------------------------------------------


def test_m1_sequential_list_with_input() -> None:
    result = scan(
        """
        import keras
        model = keras.Sequential([
            keras.Input(shape=(784,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ])
        """
    )
    (model,) = result.models
    assert (model.name, model.kind, model.input_shape) == ("model", "sequential", (784,))
    assert model.layer_ids == ("L1", "L2", "L3")
    assert model.edges == (("L1", "L2"), ("L2", "L3"))
    first, drop, last = result.layers
    assert (first.fan_in, first.fan_out, first.depth, first.feeds_trainable) == (784, 64, 0, True)
    assert drop.trainable is False
    assert (last.fan_in, last.fan_out, last.depth, last.feeds_trainable) == (64, 10, 1, False)


def test_m2_model_add_with_input_dim() -> None:
    result = scan(
        """
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(32, input_dim=100, activation="relu"))
        model.add(Dense(1))
        """
    )
    (model,) = result.models
    assert model.layer_ids == ("L1", "L2")
    assert [(layer.fan_in, layer.fan_out) for layer in result.layers] == [(100, 32), (32, 1)]


def test_m3_functional_api_with_branches_and_merge() -> None:
    result = scan(
        """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(16,))
        a = layers.Dense(8, activation="relu")(inputs)
        b = layers.Dense(4, activation="relu")(inputs)
        merged = layers.Concatenate()([a, b])
        outputs = layers.Dense(1)(merged)
        model = keras.Model(inputs=inputs, outputs=outputs)
        """
    )
    (model,) = result.models
    assert (model.kind, model.name, model.input_shape) == ("functional", "model", (16,))
    assert set(model.edges) == {("L1", "L3"), ("L2", "L3"), ("L3", "L4")}
    by_id = {layer.id: layer for layer in result.layers}
    assert (by_id["L1"].fan_in, by_id["L2"].fan_in) == (16, 16)
    assert (by_id["L4"].fan_in, by_id["L4"].depth) == (12, 1)


def test_m4_subclassed_model_follows_call() -> None:
    result = scan(
        """
        import keras
        class MLP(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = keras.layers.Dense(32, activation="relu")
                self.out = keras.layers.Dense(10)
            def call(self, x):
                return self.out(self.hidden(x))
        """
    )
    (model,) = result.models
    assert (model.kind, model.name, model.edges, model.edges_known) == (
        "subclassed",
        "MLP",
        (("L1", "L2"),),
        True,
    )
    assert [layer.feeds_trainable for layer in result.layers] == [True, False]


def test_m5_subclassed_without_call_keeps_order_but_not_flow() -> None:
    result = scan(
        """
        import keras
        class Block(keras.layers.Layer):
            def build(self, shape):
                self.a = keras.layers.Dense(8)
                self.b = keras.layers.Dense(8)
        """
    )
    (model,) = result.models
    assert model.edges == (("L1", "L2"),) and model.edges_known is False
    assert [layer.feeds_trainable for layer in result.layers] == [None, None]


def test_m6_loop_multiplicity() -> None:
    result = scan(
        """
        import keras
        model = keras.Sequential()
        for _ in range(3):
            model.add(keras.layers.Dense(64, activation="relu"))
        for width in sizes:
            model.add(keras.layers.Dense(width))
        """
    )
    assert [layer.multiplicity for layer in result.layers] == [3, None]


def test_m7_comprehension_multiplicity() -> None:
    result = scan(
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(32) for _ in range(4)])
        """
    )
    (layer,) = result.layers
    assert layer.multiplicity == 4
    assert result.models[0].layer_ids == ("L1",)


def test_m8_wrapper_layer() -> None:
    result = scan(
        """
        import keras
        model = keras.Sequential([
            keras.Input(shape=(20, 8)),
            keras.layers.Bidirectional(keras.layers.LSTM(16, return_sequences=True)),
            keras.layers.Dense(1),
        ])
        """
    )
    lstm, bi, dense = result.layers
    assert (bi.wraps, lstm.wrapped_by) == (lstm.id, bi.id)
    assert result.models[0].layer_ids == (bi.id, dense.id)
    assert (lstm.fan_in, lstm.fan_out, lstm.model) == (8, 64, "M1")
    assert dense.fan_in == 32


def test_m9_functional_layers_without_model_call_grouped_per_function() -> None:
    result = scan(
        """
        from keras import layers
        def block(x):
            x = layers.Conv2D(16, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)
            return layers.Conv2D(16, (3, 3))(x)
        """
    )
    (model,) = result.models
    assert (model.name, model.kind) == ("block", "functional")
    assert model.edges == (("L1", "L2"), ("L2", "L3"))


def test_conv_fans_follow_keras() -> None:
    result = scan(
        """
        import keras
        keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, (3, 3), activation="relu"),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ])
        """
    )
    conv1, _, conv2, _, dense = result.layers
    assert (conv1.fan_in, conv1.fan_out) == (9, 288)
    assert (conv2.fan_in, conv2.fan_out) == (288, 576)
    assert dense.fan_in == 11 * 11 * 64


# --- seeds and compile()/fit() (docs/scanner.md: S1..S7, C1..C2) ------------------------------


def test_seed_calls_and_scopes() -> None:
    result = scan(
        """
        import random
        import numpy as np
        import tensorflow as tf
        import keras
        keras.utils.set_random_seed(1)
        tf.random.set_seed(2)
        np.random.seed(3)
        rng = np.random.default_rng(4)
        random.seed(5)
        tf.config.experimental.enable_op_determinism()
        def main():
            tf.keras.utils.set_random_seed(6)
        if __name__ == "__main__":
            random.seed(7)
        """
    )
    found = [(s.kind, s.value, s.scope) for s in result.seeds]
    assert found == [
        ("keras.utils.set_random_seed", 1, "module"),
        ("tensorflow.random.set_seed", 2, "module"),
        ("numpy.random.seed", 3, "module"),
        ("numpy.random.default_rng", 4, "module"),
        ("random.seed", 5, "module"),
        ("tensorflow.config.experimental.enable_op_determinism", None, "module"),
        ("keras.utils.set_random_seed", 6, "function:main"),
        ("random.seed", 7, "main"),
    ]
    assert result.seeds[0].covers == frozenset({"python", "numpy", "tensorflow"})


def test_compile_and_fit_literals_attach_to_the_model() -> None:
    result = scan(
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(1)])
        opt = keras.optimizers.Adam(learning_rate=0.001)
        model.compile(opt, "mse", metrics=["mae"])
        model.fit(x, y, 64, 5, validation_split=0.1)
        """
    )
    (model,) = result.models
    assert model.compile is not None
    assert (model.compile.optimizer, model.compile.learning_rate, model.compile.loss) == (
        "adam",
        0.001,
        "mse",
    )
    assert model.compile.metrics == ("mae",)
    (fit,) = model.fits
    assert (fit.batch_size, fit.epochs, fit.validation_split, fit.scope) == (64, 5, 0.1, "module")


def test_fit_records_what_built_its_receiver() -> None:
    result = scan(
        """
        import tensorflow as tf
        from sklearn.preprocessing import StandardScaler
        scaler = StandardScaler()
        scaler.fit(x)
        datagen = tf.keras.preprocessing.image.ImageDataGenerator()
        datagen.fit(x, augment=True)
        model = build_model()
        model.fit(x, y, epochs=2)
        """
    )
    assert [(fit.receiver, fit.built_by, fit.keywords) for fit in result.fits] == [
        ("scaler", "sklearn.preprocessing.StandardScaler", ()),
        ("datagen", "keras.preprocessing.image.ImageDataGenerator", ("augment",)),
        ("model", None, ("epochs",)),
    ]


def test_fit_of_another_library_object_is_not_the_models_even_under_its_name() -> None:
    result = scan(
        """
        import keras
        from sklearn.preprocessing import StandardScaler
        model = StandardScaler()
        model.fit(x)
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
        model.fit(x, y, epochs=7)
        """
    )
    (model,) = result.models
    assert [fit.epochs for fit in model.fits] == [7]
    assert len(result.fits) == 2


def test_legacy_fit_nb_epoch_and_sgd_lr() -> None:
    result = scan(
        """
        from keras.optimizers import SGD
        from keras.models import Sequential
        model = Sequential()
        model.compile(optimizer=SGD(lr=0.1), loss="categorical_crossentropy")
        model.fit(x, y, nb_epoch=2)
        """
    )
    assert result.compiles[0].learning_rate == 0.1
    assert result.fits[0].epochs == 2


def test_mentions_keras_prefilter() -> None:
    assert mentions_keras("import keras\n")
    assert mentions_keras("import tensorflow as tf\n")
    assert not mentions_keras("import torch\nx = 1\n")
    module, result = scan_source("import torch\n", "t.py")
    assert result.mentions_keras is False and result.layers == ()
    assert module.code == "import torch\n"


def test_records_point_into_the_returned_module() -> None:
    source = "import keras\nkeras.layers.Dense(4, kernel_initializer='zeros')\n"
    module, result = scan_source(source, "t.py")
    layer = result.layers[0]
    assert layer.node is not None and module.code_for_node(layer.node).startswith("keras.layers")
    ref = layer.initializers[0]
    assert ref.node is not None and module.code_for_node(ref.node) == "'zeros'"


def test_syntax_error_raises_parser_error() -> None:
    import libcst as cst

    with pytest.raises(cst.ParserSyntaxError):
        scan_source("import keras\nkeras.layers.Dense(\n", "t.py")


def test_legacy_aliases_resolve_to_the_keras3_class() -> None:
    result = scan(
        """
        from keras.layers import Deconvolution2D, AtrousConvolution2D, Merge
        Deconvolution2D(8, (3, 3), kernel_initializer="he_normal")
        AtrousConvolution2D(8, 3, 3, init="normal", atrous_rate=(2, 2))
        Merge([a, b], mode="concat")
        """
    )
    deconv, atrous, merge = result.layers
    assert (deconv.class_name, deconv.qualname) == (
        "Deconvolution2D",
        "keras.layers.Conv2DTranspose",
    )
    assert kernel(deconv) == (Origin.EXPLICIT, "he_normal")
    assert atrous.shape_arguments["kernel_size"] == (3, 3)
    assert kernel(atrous) == (Origin.EXPLICIT, "random_normal")
    assert merge.trainable is False and merge.initializers == ()


def test_literal_arithmetic_is_bounded() -> None:
    layer = only("import keras\nkeras.layers.Dense(2 ** 3, kernel_initializer='zeros')")
    assert layer.width == 8
    result = scan("import keras\nkeras.layers.Dense(9 ** 9 ** 9)")
    assert result.layers[0].width is None


def test_subclassed_loop_over_a_layer_list_in_call() -> None:
    result = scan(
        """
        import keras
        class Residual(keras.Model):
            def __init__(self):
                super().__init__()
                self.inp = keras.layers.Dense(16, activation="relu")
                self.blocks = [keras.layers.Dense(16, activation="relu") for _ in range(3)]
                self.head = keras.layers.Dense(1)
            def call(self, x):
                x = self.inp(x)
                for block in self.blocks:
                    x = x + block(x)
                return self.head(x)
        """
    )
    (model,) = result.models
    assert model.edges_known
    assert set(model.edges) == {("L1", "L2"), ("L1", "L3"), ("L2", "L3")}
    assert result.layer("L2").multiplicity == 3


def test_parameter_defaults_resolve_with_a_note() -> None:
    result = scan(
        """
        import keras
        def block(x, filters=32, init="he_normal", act=None):
            return keras.layers.Dense(filters, activation=act, kernel_initializer=init)(x)
        def other(x, init):
            return keras.layers.Dense(4, kernel_initializer=init)(x)
        """
    )
    first, second = result.layers
    ref = first.initializers[0]
    assert (first.width, first.activation, ref.origin, ref.canonical) == (
        None,  # widths and loop counts are not read through parameter defaults
        "linear",
        Origin.EXPLICIT,
        "he_normal",
    )
    assert ref.reason is not None and "default of parameter 'init'" in ref.reason
    assert second.initializers[0].origin is Origin.UNRESOLVED


def test_s8_default_rng_with_a_seed_covers_numpy() -> None:
    result = scan(
        """
        import numpy as np
        import keras
        a = np.random.default_rng(3)
        b = np.random.default_rng()
        c = np.random.default_rng(seed=None)
        d = np.random.default_rng(seed=4)
        """
    )
    covers = [(s.value, s.covers) for s in result.seeds]
    numpy = frozenset({"numpy"})
    assert covers == [(3, numpy), (None, frozenset()), (None, frozenset()), (4, numpy)]


@pytest.mark.parametrize(
    ("written", "canonical", "params"),
    [
        ("tf.zeros_initializer()", "zeros", {}),
        ("tf.ones_initializer", "ones", {}),
        ("tf.constant_initializer(0.5)", "constant", {"value": 0.5}),
        ("tf.random_normal_initializer(stddev=0.1, dtype=tf.float32)", "random_normal", {}),
        ("tf.compat.v1.random_normal_initializer(seed=1)", "random_normal", {"stddev": 1.0}),
        ("tf.random_uniform_initializer(-1, 1)", "random_uniform", {"minval": -1}),
        ("tf.glorot_uniform_initializer()", "glorot_uniform", {}),
        ("tf.compat.v1.glorot_normal_initializer(seed=2)", "glorot_normal", {"seed": 2}),
    ],
)
def test_a21_tensorflow_initializer_functions(
    written: str, canonical: str, params: dict[str, object]
) -> None:
    layer = only(f"import tensorflow as tf\ntf.keras.layers.Dense(4, kernel_initializer={written})")
    ref = layer.initializers[0]
    assert (ref.origin, ref.canonical) == (Origin.EXPLICIT, canonical)
    assert params.items() <= dict(ref.params).items()
    if "stddev=0.1" in written:
        assert ref.params["stddev"] == 0.1


@pytest.mark.parametrize(
    "written", ["keras.initializers.GlorotUnifrom()", "keras.initializers.he_normall"]
)
def test_a22_missing_keras_initializer_keeps_its_spelling(written: str) -> None:
    ref = only(f"import keras\nkeras.layers.Dense(4, kernel_initializer={written})").initializers[0]
    name = written.split(".")[-1].rstrip("()")
    assert (ref.origin, ref.canonical, ref.spelled) == (Origin.UNRESOLVED, None, name)
    assert ref.reason == f"keras.initializers has no {name!r}"


def test_a23_keras2_positional_strides_are_not_keras1_kernel_rows() -> None:
    keras1 = only("from keras.layers import Convolution2D\nConvolution2D(32, 3, 3)")
    assert keras1.shape_arguments == {"kernel_size": (3, 3)}
    keras2 = only("import keras\nkeras.layers.Conv2D(32, 3, 2)")
    # An integer kernel_size is one value for every axis (a 1-tuple, widened by the graph).
    assert keras2.shape_arguments == {"kernel_size": (3,), "strides": (2,)}


# --- helper functions that build layers ------------------------------------------------------


def test_a_helper_call_makes_its_layers_at_the_call_with_the_callers_arguments() -> None:
    result = scan(
        """
        import keras
        from keras import layers
        def block(units, init="he_normal"):
            return layers.Dense(units, activation="relu", kernel_initializer=init)
        width = 16
        model = keras.Sequential(
            [keras.Input((4,)), block(8, "zeros"), block(width), layers.Dense(1)]
        )
        """
    )
    (model,) = result.models
    assert model.edges_known and len(model.layer_ids) == 3
    first, second, last = (result.layer(i) for i in model.layer_ids)
    assert (first.width, kernel(first)) == (8, (Origin.EXPLICIT, "zeros"))
    assert (second.width, kernel(second)) == (16, (Origin.EXPLICIT, "he_normal"))
    # reported at each call (line 8, its column), where the arguments that differ are
    line = '    [keras.Input((4,)), block(8, "zeros"), block(width), layers.Dense(1)]'
    assert (first.span.line, first.span.column) == (8, line.index("block(8") + 1)
    assert (second.span.line, second.span.column) == (8, line.index("block(width") + 1)
    assert first.initializers[0].span == first.span
    # no ref node: an autofix would edit the helper's body under every caller
    assert all(ref.node is None for ref in first.initializers)
    # the helper's own walk (its defaults) made a layer no caller builds: it is gone
    assert len(result.layers) == 3 and last.width == 1


def test_functional_helpers_join_the_model_with_loops_and_residuals() -> None:
    result = scan(
        """
        import keras
        from keras import layers
        def conv_block(x, filters):
            x = layers.Conv2D(filters, 3, padding="same")(x)
            return layers.Activation("relu")(x)
        def residual(x, filters):
            y = conv_block(x, filters)
            y = layers.Conv2D(filters, 3, padding="same", kernel_initializer="zeros")(y)
            return layers.add([x, y])
        inputs = keras.Input((32, 32, 3))
        x = conv_block(inputs, 8)
        for _ in range(3):
            x = residual(x, 8)
        outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
        model = keras.Model(inputs, outputs)
        """
    )
    (model,) = result.models
    # graph order: the Flatten (read after the Dense it is nested in) comes before the Dense
    conv0, act0, conv1, act1, zero_conv, add, flatten, dense = model.layer_ids
    classes = [result.layer(i).class_name for i in model.layer_ids]
    assert classes == [
        "Conv2D", "Activation", "Conv2D", "Activation", "Conv2D", "Add", "Flatten", "Dense"
    ]  # fmt: skip
    layers = [result.layer(i) for i in model.layer_ids]
    assert [layer.multiplicity for layer in layers] == [1, 1, 3, 3, 3, 3, 1, 1]
    assert all(layer.width == 8 for layer in layers[:5] if layer.class_name == "Conv2D")
    # data flows into the helper, through it, and the residual add joins both branches
    assert {
        (conv0, act0),
        (act0, conv1),
        (act1, zero_conv),
        (zero_conv, add),
        (act0, add),
        (add, flatten),
        (flatten, dense),
    } <= set(model.edges)


def test_helpers_that_cannot_be_followed_are_left_alone() -> None:
    result = scan(
        """
        import keras
        from keras import layers
        def looped(n):
            return looped(n - 1)
        def block(**options):
            return layers.Dense(4, **options)
        def unused(units):
            return layers.Dense(units, kernel_initializer="ones")
        model = keras.Sequential([keras.Input((4,)), block(use_bias=False), looped(3)])
        """
    )
    (model,) = result.models
    assert not model.edges_known  # neither call could be followed: the list is incomplete
    # the helpers' own walks keep their layers, as before helpers were followed
    assert sorted(layer.class_name for layer in result.layers) == ["Dense", "Dense"]


def test_helper_arguments_read_through_the_callers_names() -> None:
    result = scan(
        """
        import keras
        from keras import layers
        shared = keras.initializers.HeNormal(seed=3)
        def block(units, init):
            return layers.Dense(units, kernel_initializer=init)
        def build():
            local = keras.initializers.Zeros()
            return keras.Sequential([
                keras.Input((4,)),
                block(8, shared),
                block(8, keras.initializers.Ones()),
                block(8, local),
            ])
        model = build()
        """
    )
    (model,) = result.models
    first, second, third = (result.layer(i) for i in model.layer_ids)
    assert kernel(first) == (Origin.EXPLICIT, "he_normal")
    assert first.initializers[0].params.get("seed") == 3
    assert kernel(second) == (Origin.EXPLICIT, "ones")
    # `local` is the builder's own name: inside the helper it means nothing, so it is unresolved
    assert kernel(third)[0] is Origin.UNRESOLVED


def test_a_followed_helper_records_its_seed_calls_once() -> None:
    result = scan(
        """
        import keras
        import tensorflow as tf
        def block(units):
            tf.random.set_seed(0)
            return keras.layers.Dense(units)
        model = keras.Sequential([keras.Input((4,)), block(8), block(4)])
        """
    )
    assert len(result.seeds) == 1
    (model,) = result.models
    assert [result.layer(i).width for i in model.layer_ids] == [8, 4]


def test_a_followed_helpers_star_parameters_stay_inside_it() -> None:
    result = scan(
        """
        import keras
        def block(*units):
            return keras.layers.Dense(4)
        units = 8
        model = keras.Sequential([keras.Input((4,)), block(), keras.layers.Dense(units)])
        """
    )
    (model,) = result.models
    assert model.edges_known and len(model.layer_ids) == 2
    # the helper's *units did not rebind the module's units
    assert [result.layer(i).width for i in model.layer_ids] == [4, 8]


def test_a_helper_argument_named_like_its_parameter_is_read_at_the_call() -> None:
    result = scan(
        """
        import keras
        init = keras.initializers.HeNormal(seed=3)
        def block(units, init):
            return keras.layers.Dense(units, kernel_initializer=init)
        model = keras.Sequential([keras.Input((4,)), block(8, init), block(4, init)])
        """
    )
    (model,) = result.models
    first, second = (result.layer(i) for i in model.layer_ids)
    assert kernel(first) == kernel(second) == (Origin.EXPLICIT, "he_normal")
    # one object passed to both calls: the same instance, as ADNN107 needs to see
    assert first.initializers[0].instance is not None
    assert first.initializers[0].instance == second.initializers[0].instance


def test_optimizer_positional_arguments_follow_keras_order() -> None:
    result = scan(
        """
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.1, 0.9, True, 0.01), "mse")
        other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        other.compile(keras.optimizers.Adam(0.1, 0.8), "mse")
        """
    )
    sgd, adam = (c.optimizer_options for c in result.compiles)
    assert dict(sgd) == {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}
    assert dict(adam) == {"#1": None}  # Adam's positional beta_1: left unread, not guessed
