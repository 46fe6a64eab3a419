"""What introspecting Keras cannot see, curated by hand with a source for each table: the variance
formula of each initializer family, the gain each activation needs, the Keras 1 and 2 spellings,
and the tf.keras 2.x differences. ``knowledge.mine`` combines them with what it mines."""

from __future__ import annotations

import math
from typing import Any

#: Var[w] = stddev^2 * this for a normal truncated at +-2 stddev (Keras' TruncatedNormal); equals
#: 0.87962566103423978^2, the constant Keras divides VarianceScaling's stddev by.
_TRUNCATION = 2.0
_PHI = math.exp(-(_TRUNCATION**2) / 2) / math.sqrt(2 * math.pi)
_MASS = math.erf(_TRUNCATION / math.sqrt(2))
TRUNCATED_NORMAL_VARIANCE_FACTOR = round(1 - 2 * _TRUNCATION * _PHI / _MASS, 12)

_FAN = ["fan", ["param", "mode"]]  # fan_in / fan_out / fan_avg chosen by the `mode` parameter
_VS = ["/", ["param", "scale"], _FAN]
_ORTHO = ["/", ["pow", ["param", "gain"], 2], ["max", ["fan_in"], ["fan_out"]]]

#: Variance of one weight per family, as a small expression tree evaluated by
#: ``knowledge.catalog`` (ops: const, param, fan_in, fan_out, fan, + - * /, pow, max, min).
#: Source: keras/src/initializers/random_initializers.py and constant_initializers.py (3.x).
FAMILIES: dict[str, dict[str, Any]] = {
    "constant": {
        "random": False,
        "variance": ["const", 0.0],
        "doc": "every weight equals `value` (Zeros: 0, Ones: 1)",
    },
    "normal": {
        "random": True,
        "variance": ["pow", ["param", "stddev"], 2],
        "doc": "N(mean, stddev^2)",
    },
    "truncated_normal": {
        "random": True,
        "variance": [
            "*",
            ["const", TRUNCATED_NORMAL_VARIANCE_FACTOR],
            ["pow", ["param", "stddev"], 2],
        ],
        "doc": "N(mean, stddev^2) redrawn beyond 2 stddev",
    },
    "uniform": {
        "random": True,
        "variance": [
            "/",
            ["pow", ["-", ["param", "maxval"], ["param", "minval"]], 2],
            ["const", 12],
        ],
        "doc": "U(minval, maxval)",
    },
    "variance_scaling": {
        "random": True,
        "variance": _VS,
        "doc": "scale / n, n = fan_in, fan_out or their mean by `mode` (any distribution)",
    },
    "glorot": {"random": True, "variance": _VS, "doc": "VarianceScaling(1.0, 'fan_avg')"},
    "he": {"random": True, "variance": _VS, "doc": "VarianceScaling(2.0, 'fan_in')"},
    "lecun": {"random": True, "variance": _VS, "doc": "VarianceScaling(1.0, 'fan_in')"},
    "orthogonal": {
        "random": True,
        "variance": _ORTHO,
        "doc": "gain * an orthogonal matrix: gain^2 / max(fan_in, fan_out) per entry",
    },
    "identity": {
        "random": False,
        "variance": _ORTHO,
        "doc": "gain * the identity (mean square gain^2 / max(fan_in, fan_out))",
    },
    "stft": {"random": False, "variance": None, "doc": "STFT basis; no variance model"},
}

#: Initializer class -> family. Keras 3 names.
INITIALIZER_FAMILY: dict[str, str] = {
    "Zeros": "constant",
    "Ones": "constant",
    "Constant": "constant",
    "RandomNormal": "normal",
    "TruncatedNormal": "truncated_normal",
    "RandomUniform": "uniform",
    "VarianceScaling": "variance_scaling",
    "GlorotNormal": "glorot",
    "GlorotUniform": "glorot",
    "HeNormal": "he",
    "HeUniform": "he",
    "LecunNormal": "lecun",
    "LecunUniform": "lecun",
    "Orthogonal": "orthogonal",
    "Identity": "identity",
    "STFT": "stft",
}

#: The fixed ``value`` of Zeros/Ones, so the constant family has one parameter everywhere.
CONSTANT_VALUE = {"Zeros": 0.0, "Ones": 1.0}

#: Activation -> (family, gain): the Var[w]*fan_in that keeps the forward variance steady.
#: Source: He et al. 2015 (ReLU: 2), Glorot & Bengio 2010 (tanh/sigmoid/linear: 1), Klambauer
#: et al. 2017 (SELU: 1, with LeCun normal); leaky ReLU 2/(1+a^2) with Keras 3's slope 0.2.
ACTIVATION_GAIN: dict[str, tuple[str, float | None]] = {
    "relu": ("relu", 2.0),
    "relu6": ("relu", 2.0),
    "leaky_relu": ("relu", round(2.0 / (1.0 + 0.2**2), 6)),
    "elu": ("relu", 2.0),
    "celu": ("relu", 2.0),
    "gelu": ("relu", 2.0),
    "silu": ("relu", 2.0),
    "mish": ("relu", 2.0),
    "hard_silu": ("relu", 2.0),
    "softplus": ("relu", 2.0),
    "squareplus": ("relu", 2.0),
    "sparse_plus": ("relu", 2.0),
    "linear": ("linear", 1.0),
    "tanh": ("saturating", 1.0),
    "sigmoid": ("saturating", 1.0),
    "hard_sigmoid": ("saturating", 1.0),
    "hard_tanh": ("saturating", 1.0),
    "softsign": ("saturating", 1.0),
    "log_sigmoid": ("saturating", 1.0),
    "sparse_sigmoid": ("saturating", 1.0),
    "selu": ("self_normalizing", 1.0),
    "softmax": ("output", 1.0),
    "log_softmax": ("output", 1.0),
    "sparsemax": ("output", 1.0),
    "exponential": ("other", None),
    "glu": ("other", None),
    "threshold": ("other", None),
    "hard_shrink": ("other", None),
    "soft_shrink": ("other", None),
    "tanh_shrink": ("other", None),
}

#: Activation layers whose effect on the previous layer's output is a known activation.
ACTIVATION_LAYERS: dict[str, str] = {
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "PReLU": "leaky_relu",
    "ELU": "elu",
    "Softmax": "softmax",
}

#: Arguments that give a layer's width (output channels/units), in order of preference.
WIDTH_ARGS = ("units", "filters", "output_dim")

#: Keras 1 (and early Keras 2 compat) keyword spellings -> Keras 3 argument.
#: Source: Keras 2.0 release notes, keras/legacy/interfaces.py (Keras 2.0-2.2).
LEGACY_ARGUMENTS: dict[str, str] = {
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "beta_init": "beta_initializer",
    "gamma_init": "gamma_initializer",
    "depthwise_init": "depthwise_initializer",
    "pointwise_init": "pointwise_initializer",
    "output_dim": "units",
    "nb_filter": "filters",
}

#: Keras 1 initializer spellings (accepted by Keras 1/2 ``initializers.get``) -> canonical.
LEGACY_INITIALIZERS: dict[str, str] = {
    "zero": "zeros",
    "one": "ones",
    "normal": "random_normal",
    "uniform": "random_uniform",
}

# LocallyConnected1D and 2D take the same arguments in the same order.
_LOCALLY_CONNECTED: dict[str, Any] = {
    "since": "tf.keras 2.x",
    "positional": [
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "data_format",
        "activation",
        "use_bias",
        "kernel_initializer",
        "bias_initializer",
    ],
    "initializer_args": [
        ("kernel_initializer", "glorot_uniform", 7),
        ("bias_initializer", "zeros", 8),
    ],
    "width_arg": "filters",
    "activation_arg": "activation",
}
#: Layer classes of tf.keras 2.x / Keras 1 that Keras 3 no longer exports.
#: Source: tf.keras 2.15 API docs (keras.layers.LocallyConnected*, ThresholdedReLU),
#: tf.compat.v1.keras.layers (CuDNN*), Keras 1.2 docs (Convolution2D(nb_filter, nb_row, nb_col)).
LEGACY_LAYERS: dict[str, dict[str, Any]] = {
    "LocallyConnected1D": _LOCALLY_CONNECTED,
    "LocallyConnected2D": _LOCALLY_CONNECTED,
    "CuDNNLSTM": {
        "since": "tf.keras 2.x (tf.compat.v1.keras.layers)",
        "positional": ["units", "kernel_initializer", "recurrent_initializer", "bias_initializer"],
        "initializer_args": [
            ("kernel_initializer", "glorot_uniform", 1),
            ("recurrent_initializer", "orthogonal", 2),
            ("bias_initializer", "zeros", 3),
        ],
        "width_arg": "units",
        "activation_arg": None,
    },
    "CuDNNGRU": {
        "since": "tf.keras 2.x (tf.compat.v1.keras.layers)",
        "positional": ["units", "kernel_initializer", "recurrent_initializer", "bias_initializer"],
        "initializer_args": [
            ("kernel_initializer", "glorot_uniform", 1),
            ("recurrent_initializer", "orthogonal", 2),
            ("bias_initializer", "zeros", 3),
        ],
        "width_arg": "units",
        "activation_arg": None,
    },
    "Merge": {
        "since": "Keras 1",
        "positional": ["layers", "mode"],
        "initializer_args": [],
        "width_arg": None,
        "activation_arg": None,
    },
    "DenseFeatures": {
        "since": "tf.keras 2.x",
        "positional": ["feature_columns"],
        "initializer_args": [],
        "width_arg": None,
        "activation_arg": None,
    },
    "ThresholdedReLU": {
        "since": "tf.keras 2.x",
        "positional": ["theta"],
        "initializer_args": [],
        "width_arg": None,
        "activation_arg": None,
    },
    "MaxoutDense": {
        "since": "Keras 1",
        "positional": ["output_dim", "nb_feature", "init"],
        "initializer_args": [("kernel_initializer", "glorot_uniform", None)],
        "width_arg": "output_dim",
        "activation_arg": None,
    },
    "Highway": {
        "since": "Keras 1",
        "positional": ["init", "activation"],
        "initializer_args": [("kernel_initializer", "glorot_uniform", 0)],
        "width_arg": None,
        "activation_arg": "activation",
    },
}

#: Keras 1/2 and tf.keras 2.x names of classes Keras 3 still has under another name.
#: Source: Keras 2.2 keras/layers/__init__.py aliases (Deconvolution2D, Deconv2D), Keras 1.2
#: docs (AtrousConvolution2D = dilated Conv2D, TimeDistributedDense), tf.keras 2.x
#: keras.layers.experimental.SyncBatchNormalization.
LEGACY_ALIASES: dict[str, tuple[str, str]] = {
    "Deconvolution2D": ("Conv2DTranspose", "Keras 2"),
    "Deconv2D": ("Conv2DTranspose", "Keras 2"),
    "Deconvolution3D": ("Conv3DTranspose", "Keras 2"),
    "Deconv3D": ("Conv3DTranspose", "Keras 2"),
    "AtrousConvolution1D": ("Conv1D", "Keras 1"),
    "AtrousConvolution2D": ("Conv2D", "Keras 1"),
    "TimeDistributedDense": ("Dense", "Keras 1"),
    "SyncBatchNormalization": ("BatchNormalization", "tf.keras 2.x"),
}

#: Behaviour that differs between tf.keras 2.x and Keras 3, as data (rules may cite it).
TF_KERAS_DIFFERENCES: list[dict[str, str]] = [
    {
        "what": "unseeded initializer instance reused",
        "keras3": "each call draws new values from the global SeedGenerator",
        "tf_keras": "each call returns the same values (warning 'is unseeded and being called "
        "multiple times')",
        "source": "tf.keras 2.7+ keras/initializers/initializers_v2.py _warn_reuse",
    },
    {
        "what": "LeakyReLU default slope",
        "keras3": "negative_slope=0.3 (layer), 0.2 (keras.activations.leaky_relu)",
        "tf_keras": "alpha=0.3",
        "source": "tf.keras 2.15 API docs; keras 3 signatures",
    },
    {
        "what": "Keras 1 initializer spellings",
        "keras3": "'zero', 'one', 'normal', 'uniform' still accepted by initializers.get",
        "tf_keras": "same aliases; Keras 1 'normal'/'uniform' also used scale 0.05",
        "source": "Keras 1.2 keras/initializations.py; keras 3 ALL_OBJECTS_DICT",
    },
    {
        "what": "Keras 1 Convolution2D positional arguments",
        "keras3": "Conv2D(filters, kernel_size, strides, ...)",
        "tf_keras": "Keras 1: Convolution2D(nb_filter, nb_row, nb_col, init=..., ...)",
        "source": "Keras 1.2 docs",
    },
    {
        "what": "STFT initializer",
        "keras3": "available",
        "tf_keras": "absent",
        "source": "keras 3.x initializers; tf.keras 2.15 API docs",
    },
]
