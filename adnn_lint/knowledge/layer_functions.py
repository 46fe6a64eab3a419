"""Functions that build a Keras-shaped layer and apply it at once: what the scanner knows of them.

``tf.layers.dense(inputs, units, ...)`` (and ``tf.compat.v1.layers``) is TF 1's functional
twin of ``Dense(units, ...)(inputs)``: the Keras layer's arguments after ``inputs``, with two
differences that matter for initialization: a ``None`` initializer means the variable scope's
default, Glorot uniform, and nothing else. ``tf.contrib.layers`` (also ``tf.contrib.slim`` and
``tf_slim``) has the same shape under other keyword names (``num_outputs``,
``weights_initializer``, ``activation_fn``), with ReLU as its default activation, ``SAME`` as
its default convolution padding, and ``biases_initializer=None`` meaning no bias. Keras' own
merge functions (``keras.layers.add([x, h])``) are ``Add()([x, h])``.

Pure data: no import of TensorFlow, nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ParamDefault = str | int | float


@dataclass(frozen=True)
class LayerFunction:
    """One function: the Keras class it builds and how its arguments map onto the class's."""

    class_name: str  # the Keras 3 layer class
    positional: tuple[str, ...]  # Keras argument names of the positions after ``inputs``
    keywords: Mapping[str, str] = field(default_factory=dict)  # its keyword -> Keras argument
    activation_default: str | None = None  # None: the Keras class's default
    # Keras arguments whose default differs from the Keras class's (contrib's padding "same")
    defaults: Mapping[str, ParamDefault] = field(default_factory=dict)
    none_initializer: str | None = None  # what an initializer written as None means
    none_bias_drops_bias: bool = False  # contrib: biases_initializer=None builds no bias
    # keywords that do not change the layer (TF 1 variable reuse, collections, the
    # training flag of dropout, which Keras sets per call)
    ignored: frozenset[str] = frozenset()
    # TF 1 graph mode: an unseeded initializer object draws new values for every variable
    # it creates (each gets its own random op), unlike a Keras 3 instance
    graph_mode: bool = False


#: The TF 1 variable scope's default for a variable created without an initializer.
_SCOPE_DEFAULT = "glorot_uniform"
_TF1_IGNORED = frozenset({"reuse", "trainable", "training"})
_TF1_WEIGHTS = (
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
    "trainable",
    "name",
    "reuse",
)
_CONV = ("filters", "kernel_size", "strides", "padding", "data_format")


def _tf1(class_name: str, positional: tuple[str, ...]) -> LayerFunction:
    return LayerFunction(
        class_name,
        positional,
        none_initializer=_SCOPE_DEFAULT,
        ignored=_TF1_IGNORED,
        graph_mode=True,
    )


def _tf1_functions() -> dict[str, LayerFunction]:
    """``tf.compat.v1.layers``, by function name (their signatures in TensorFlow 1.15)."""
    found = {
        "dense": _tf1("Dense", ("units", "activation", *_TF1_WEIGHTS)),
        "conv2d_transpose": _tf1("Conv2DTranspose", (*_CONV, "activation", *_TF1_WEIGHTS)),
        "conv3d_transpose": _tf1("Conv3DTranspose", (*_CONV, "activation", *_TF1_WEIGHTS)),
        "batch_normalization": _tf1(
            "BatchNormalization",
            (
                "axis",
                "momentum",
                "epsilon",
                "center",
                "scale",
                "beta_initializer",
                "gamma_initializer",
                "moving_mean_initializer",
                "moving_variance_initializer",
            ),
        ),
        "dropout": LayerFunction(
            "Dropout",
            ("rate", "noise_shape", "seed", "training", "name"),
            defaults={"rate": 0.5},  # Keras' Dropout has no default rate
            ignored=_TF1_IGNORED,
            graph_mode=True,
        ),
        "flatten": _tf1("Flatten", ("name", "data_format")),
    }
    for rank in (1, 2, 3):
        found[f"conv{rank}d"] = _tf1(
            f"Conv{rank}D", (*_CONV, "dilation_rate", "activation", *_TF1_WEIGHTS)
        )
        found[f"max_pooling{rank}d"] = _tf1(
            f"MaxPooling{rank}D", ("pool_size", "strides", "padding", "data_format", "name")
        )
        found[f"average_pooling{rank}d"] = _tf1(
            f"AveragePooling{rank}D", ("pool_size", "strides", "padding", "data_format", "name")
        )
    for rank in (1, 2):
        found[f"separable_conv{rank}d"] = _tf1(
            f"SeparableConv{rank}D",
            (
                *_CONV,
                "dilation_rate",
                "depth_multiplier",
                "activation",
                "use_bias",
                "depthwise_initializer",
                "pointwise_initializer",
                "bias_initializer",
            ),
        )
    return found


_CONTRIB_WEIGHTS = {
    "num_outputs": "units",
    "activation_fn": "activation",
    "weights_initializer": "kernel_initializer",
    "biases_initializer": "bias_initializer",
    "weights_regularizer": "kernel_regularizer",
    "biases_regularizer": "bias_regularizer",
    "stride": "strides",
    "rate": "dilation_rate",
    "scope": "name",
}
_CONTRIB_AFTER_ACTIVATION = (
    "normalizer_fn",
    "normalizer_params",
    "kernel_initializer",
    "kernel_regularizer",
    "bias_initializer",
    "bias_regularizer",
)
_CONTRIB_IGNORED = frozenset({"reuse", "variables_collections", "outputs_collections", "trainable"})


def _contrib(
    class_name: str,
    positional: tuple[str, ...],
    keywords: Mapping[str, str],
    defaults: Mapping[str, ParamDefault],
    activation: str | None,
) -> LayerFunction:
    return LayerFunction(
        class_name,
        positional,
        keywords=keywords,
        activation_default=activation,
        defaults=defaults,
        none_initializer=_SCOPE_DEFAULT,
        none_bias_drops_bias=True,
        ignored=_CONTRIB_IGNORED,
        graph_mode=True,
    )


def _contrib_functions() -> dict[str, LayerFunction]:
    """``tf.contrib.layers`` / slim, by function name (TensorFlow 1.15 signatures)."""
    dense = _contrib(
        "Dense", ("units", "activation", *_CONTRIB_AFTER_ACTIVATION), _CONTRIB_WEIGHTS, {}, "relu"
    )
    found = {"fully_connected": dense, "flatten": _contrib("Flatten", (), {}, {}, None)}
    for rank in (1, 2, 3):
        conv = _contrib(
            f"Conv{rank}D",
            (
                "filters",
                "kernel_size",
                "strides",
                "padding",
                "data_format",
                "dilation_rate",
                "activation",
                *_CONTRIB_AFTER_ACTIVATION,
            ),
            {**_CONTRIB_WEIGHTS, "num_outputs": "filters"},
            {"padding": "same"},
            "relu",
        )
        found[f"conv{rank}d"] = found[f"convolution{rank}d"] = conv
    pooling = {"kernel_size": "pool_size", "stride": "strides", "scope": "name"}
    for name, class_name in (("max_pool2d", "MaxPooling2D"), ("avg_pool2d", "AveragePooling2D")):
        found[name] = _contrib(
            class_name,
            ("pool_size", "strides", "padding", "data_format"),
            pooling,
            {"strides": 2},
            None,
        )
    return found


_TF1 = _tf1_functions()
_CONTRIB = _contrib_functions()
_MERGES = {
    "add": LayerFunction("Add", ()),
    "subtract": LayerFunction("Subtract", ()),
    "multiply": LayerFunction("Multiply", ()),
    "average": LayerFunction("Average", ()),
    "maximum": LayerFunction("Maximum", ()),
    "minimum": LayerFunction("Minimum", ()),
    "concatenate": LayerFunction("Concatenate", ("axis",)),
    "dot": LayerFunction("Dot", ("axes", "normalize")),
}
#: Module prefixes (normalized qualified names) -> their functions.
_MODULES: dict[str, dict[str, LayerFunction]] = {
    "tensorflow.layers": _TF1,
    "tensorflow.compat.v1.layers": _TF1,
    "tensorflow.contrib.layers": _CONTRIB,
    "tensorflow.contrib.slim": _CONTRIB,
    "tf_slim": _CONTRIB,
    "tf_slim.layers": _CONTRIB,
}
#: TF 1 modules whose Keras-shaped layer classes (``tf.layers.Dense``) are Keras layers.
TF1_CLASS_MODULES = ("tensorflow.layers", "tensorflow.compat.v1.layers")


def layer_function(qualname: str) -> LayerFunction | None:
    """The layer function ``qualname`` (normalized: ``keras.layers.add``,
    ``tensorflow.layers.dense``) names, or None."""
    module, _, name = qualname.rpartition(".")
    table = _MODULES.get(module)
    if table is not None:
        return table.get(name)
    parts = module.split(".")
    if parts[0] == "keras" and "layers" in parts:
        return _MERGES.get(name)
    return None
