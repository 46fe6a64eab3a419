"""The checked-in catalog and its loader (no Keras import)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from adnn_lint.knowledge.catalog import load_catalog


def test_catalog_states_keras_version_and_loads_without_keras() -> None:
    cat = load_catalog()
    assert cat.keras_version.startswith("3.")
    probe = (
        "import sys; from adnn_lint.knowledge.catalog import load_catalog; load_catalog();"
        "assert not {'keras', 'tensorflow', 'tf_keras'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


@pytest.mark.parametrize(
    ("layer", "argument", "role", "default", "position"),
    [
        ("Dense", "kernel_initializer", "kernel", "glorot_uniform", 3),
        ("Dense", "bias_initializer", "bias", "zeros", 4),
        ("Conv2D", "kernel_initializer", "kernel", "glorot_uniform", 9),
        ("Convolution2D", "kernel_initializer", "kernel", "glorot_uniform", 9),
        ("LSTM", "recurrent_initializer", "recurrent", "orthogonal", 5),
        ("Embedding", "embeddings_initializer", "embeddings", "random_uniform", 2),
        ("BatchNormalization", "gamma_initializer", "gamma", "ones", 6),
        ("SeparableConv2D", "pointwise_initializer", "pointwise", "glorot_uniform", 10),
        ("DepthwiseConv2D", "depthwise_initializer", "depthwise", "glorot_uniform", 8),
        ("PReLU", "alpha_initializer", "alpha", "zeros", 0),
    ],
)
def test_layer_initializer_arguments(
    layer: str, argument: str, role: str, default: str, position: int
) -> None:
    info = load_catalog().layer(layer)
    assert info is not None
    arg = info.initializer_arg(argument)
    assert arg is not None
    assert (arg.role, arg.default, arg.position) == (role, default, position)


def test_width_activation_and_trainable() -> None:
    cat = load_catalog()
    dense = cat.layer("Dense")
    conv = cat.layer("Conv2D")
    emb = cat.layer("Embedding")
    drop = cat.layer("Dropout")
    assert dense and conv and emb and drop
    assert (dense.width_arg, dense.activation_arg, dense.activation_default) == (
        "units",
        "activation",
        "linear",
    )
    assert conv.width_arg == "filters" and conv.kernel_size_arg == "kernel_size"
    assert emb.width_arg == "output_dim"
    assert dense.trainable and not drop.trainable
    assert cat.layer("NotALayer") is None
    relu = cat.layer("ReLU")
    assert relu is not None and relu.activation_layer == "relu"


def test_legacy_layers_and_arguments() -> None:
    cat = load_catalog()
    lc = cat.layer("LocallyConnected2D")
    assert lc is not None and lc.legacy == "tf.keras 2.x"
    assert cat.legacy_arguments["init"] == "kernel_initializer"
    assert cat.legacy_arguments["output_dim"] == "units"
    assert cat.legacy_arguments["nb_filter"] == "filters"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("glorot_uniform", "glorot_uniform"),
        ("GlorotUniform", "glorot_uniform"),
        ("he_normal", "he_normal"),
        ("HeNormal", "he_normal"),
        ("zero", "zeros"),
        ("one", "ones"),
        ("normal", "random_normal"),
        ("uniform", "random_uniform"),
        ("OrthogonalInitializer", "orthogonal"),
        ("glorot_unifrom", None),
        ("Glorot_Uniform", None),
    ],
)
def test_resolve_initializer(spelling: str, canonical: str | None) -> None:
    assert load_catalog().resolve_initializer(spelling) == canonical


def test_initializer_params_and_families() -> None:
    cat = load_catalog()
    assert cat.initializer("random_normal").params["stddev"] == 0.05
    uniform = cat.initializer("random_uniform").params
    assert (uniform["minval"], uniform["maxval"]) == (-0.05, 0.05)
    he = cat.initializer("he_normal")
    assert (he.family, he.params["scale"], he.params["mode"]) == ("he", 2.0, "fan_in")
    assert cat.initializer("orthogonal").params["gain"] == 1.0
    assert cat.initializer("constant").params["value"] == 0.0
    assert cat.initializer("zeros").random is False
    assert cat.initializer("glorot_uniform").random is True
    assert "constant" in cat.initializer("constant").string_rejected


@pytest.mark.parametrize(
    ("canonical", "params", "fan_in", "fan_out", "expected"),
    [
        ("glorot_uniform", {}, 100, 50, 2.0 / 150),
        ("glorot_normal", {}, 100, 50, 2.0 / 150),
        ("he_normal", {}, 100, 10, 2.0 / 100),
        ("he_uniform", {}, 64, 10, 2.0 / 64),
        ("lecun_normal", {}, 25, 10, 1.0 / 25),
        ("variance_scaling", {"scale": 3.0, "mode": "fan_out"}, 10, 30, 0.1),
        ("random_normal", {}, None, None, 0.05**2),
        ("random_normal", {"stddev": 0.5}, None, None, 0.25),
        ("random_uniform", {"minval": -1.0, "maxval": 1.0}, None, None, 4.0 / 12),
        ("truncated_normal", {"stddev": 1.0}, None, None, 0.8796256610342398**2),
        ("zeros", {}, 10, 10, 0.0),
        ("constant", {"value": 3.0}, 10, 10, 0.0),
        ("orthogonal", {"gain": 2.0}, 4, 8, 4.0 / 8),
    ],
)
def test_variance(
    canonical: str,
    params: dict[str, float],
    fan_in: int | None,
    fan_out: int | None,
    expected: float,
) -> None:
    got = load_catalog().variance(canonical, params, fan_in, fan_out)
    assert got is not None and math.isclose(got, expected, rel_tol=1e-6)


def test_variance_unknown_inputs_give_none() -> None:
    cat = load_catalog()
    assert cat.variance("he_normal", {}, None, 10) is None
    assert cat.variance("random_normal", {"stddev": "big"}) is None
    assert cat.variance("stft") is None
    assert cat.variance("no_such_initializer") is None


def test_activations() -> None:
    cat = load_catalog()
    assert cat.resolve_activation("swish") == "silu"
    assert cat.resolve_activation(None) == "linear"
    assert cat.resolve_activation("relu") == "relu"
    assert cat.resolve_activation("rleu") is None
    assert cat.activation_gain("relu") == 2.0
    for name in ("linear", "tanh", "sigmoid", "selu"):
        assert cat.activation_gain(name) == 1.0


def test_spellings_cover_every_alias() -> None:
    cat = load_catalog()
    spellings = set(cat.initializer_spellings())
    for info in cat.initializers.values():
        assert info.canonical in spellings
        assert set(info.aliases) <= spellings
