"""Keras's snake-casing, the one naming rule of the package."""

from __future__ import annotations

import pytest

from adnn_lint.knowledge.naming import snake_case


@pytest.mark.parametrize(
    ("class_name", "expected"),
    [
        ("Dense", "dense"),
        ("Conv2D", "conv2d"),
        ("Conv2DTranspose", "conv2d_transpose"),
        ("SimpleRNN", "simple_rnn"),
        ("GlorotUniform", "glorot_uniform"),
        ("LecunNormal", "lecun_normal"),
        ("KLDivergence", "kl_divergence"),
        ("MeanSquaredError", "mean_squared_error"),
        ("BatchNormalization", "batch_normalization"),
    ],
)
def test_keras_names(class_name: str, expected: str) -> None:
    assert snake_case(class_name) == expected


def test_compile_loss_class_is_named_as_keras_names_it() -> None:
    from adnn_lint.scan.scanner import scan_source

    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(10)])\n"
        "model.compile(optimizer='sgd', loss=keras.losses.KLDivergence())\n"
    )
    _, scan = scan_source(source, "model.py")
    assert [call.loss for call in scan.compiles] == ["kl_divergence"]
