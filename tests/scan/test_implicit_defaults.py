"""ADNN109 judges the Keras default initializers over a model's depth, as ADNN105 judges
written ones."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from adnn_lint.engine.lint import lint_source
from adnn_lint.scan.records import Finding


def lint(source: str) -> list[Finding]:
    return lint_source(textwrap.dedent(source), "model.py", select=["ADNN105", "ADNN109"])


def mlp(depth: int, first: str = "") -> str:
    """A ReLU MLP of ``depth`` hidden layers, the first with the keyword arguments ``first``."""
    hidden = "".join(
        f'    layers.Dense(64, activation="relu"{first if i == 0 else ""}),\n' for i in range(depth)
    )
    return (
        "import keras\n"
        "from keras import layers\n\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(64,)),\n"
        f"{hidden}"
        '    layers.Dense(10, activation="softmax"),\n'
        "])\n"
    )


def test_twelve_relu_layers_on_defaults_shrink_4096x() -> None:
    (finding,) = lint(mlp(12))
    assert (finding.code, finding.severity, finding.span.line) == ("ADNN109", "info", 4)
    assert "shrinks 4.1e+03x across 12 hidden layers (12 relu" in finding.message
    assert 'kernel_initializer="he_normal"' in finding.message


def test_one_explicit_initializer_hands_the_model_to_adnn105() -> None:
    (finding,) = lint(mlp(12, first=', kernel_initializer="glorot_uniform"'))
    assert finding.code == "ADNN105"


def test_shallow_stacks_stay_silent() -> None:
    assert lint(mlp(9)) == []  # 2^9 = 512x, below the limit
    assert [f.code for f in lint(mlp(10))] == ["ADNN109"]  # 2^10 = 1024x


def test_beyond_thirty_layers_it_is_a_warning() -> None:
    (finding,) = lint(mlp(30))
    assert finding.severity == "warning"
    (finding,) = lint(mlp(29))
    assert finding.severity == "info"


def test_he_initialization_fixes_it() -> None:
    assert (
        lint(
            mlp(12).replace(
                'activation="relu"', 'activation="relu", kernel_initializer="he_normal"'
            )
        )
        == []
    )


def vgg_stack(normalize: bool) -> str:
    """VGG16's thirteen convolutions, as a user writes them out (normalized or not)."""
    lines = ["import keras", "from keras import layers", "", "model = keras.Sequential(["]
    lines.append("    keras.Input(shape=(32, 32, 3)),")
    for filters in (64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512):
        lines.append(f'    layers.Conv2D({filters}, 3, padding="same"),')
        if normalize:
            lines.append("    layers.BatchNormalization(),")
        lines.append('    layers.Activation("relu"),')
    lines += ["    layers.GlobalAveragePooling2D(),", '    layers.Dense(10, activation="softmax"),']
    return "\n".join([*lines, "])", ""])


def test_batch_normalization_resets_the_variance() -> None:
    assert lint(vgg_stack(normalize=True)) == []
    (finding,) = lint(vgg_stack(normalize=False))
    # 3 -> 64 channels: 27 / (27 + 576); three widening layers 1/3, nine others 1/2:
    # 603 / 27 * 27 * 512 = 308,736.
    assert "shrinks 3.09e+05x across 13 hidden layers (13 relu" in finding.message


def test_vgg_style_functional_model_with_any_channel_count_is_a_lower_bound() -> None:
    source = """
        from tensorflow import keras
        from tensorflow.keras import layers

        def vgg_block(x, filters, convs):
            for _ in range(convs):
                x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same")(x)
            return layers.MaxPooling2D((2, 2), strides=(2, 2))(x)

        def build(input_shape, classes=10):
            inputs = keras.Input(shape=input_shape)
            x = vgg_block(inputs, 64, 2)
            x = vgg_block(x, 128, 2)
            x = vgg_block(x, 256, 3)
            x = vgg_block(x, 512, 3)
            x = vgg_block(x, 512, 3)
            x = layers.Flatten()(x)
            outputs = layers.Dense(classes, activation="softmax")(x)
            return keras.Model(inputs, outputs)
    """
    findings = lint(source)
    assert [f.code for f in findings] == ["ADNN109"]
    assert "shrinks at least" in findings[0].message
    assert "13 relu" in findings[0].message


def test_a_residual_shortcut_keeps_the_signal() -> None:
    chain = "".join('h = layers.Dense(64, activation="relu")(h)\n' for _ in range(12))
    head = (
        "import keras\n"
        "from keras import layers\n\n"
        "inputs = keras.Input(shape=(64,))\n"
        'x = layers.Dense(64, activation="relu")(inputs)\n'
        "h = x\n"
    )
    tail = (
        'outputs = layers.Dense(10, activation="softmax")(x)\n'
        "model = keras.Model(inputs, outputs)\n"
    )
    residual = head + chain + "x = layers.add([x, h])\n" + tail
    plain = head + chain + "x = h\n" + tail
    assert lint(residual) == []  # the shortcut path keeps the variance: the sum does not vanish
    assert [f.code for f in lint(plain)] == ["ADNN109"]


@pytest.mark.parametrize(
    "model",
    [
        # recurrent and embedding layers have no feed-forward factor: not judged
        """
        import keras
        model = keras.Sequential([
            keras.layers.Embedding(10000, 128),
            keras.layers.LSTM(128),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        """,
        # weights loaded afterwards: how they started does not matter
        """
        import keras
        model = keras.Sequential([keras.Input(shape=(64,))])
        for _ in range(12):
            model.add(keras.layers.Dense(64, activation="relu"))
        model.add(keras.layers.Dense(10, activation="softmax"))
        model.load_weights("pretrained.weights.h5")
        """,
    ],
)
def test_not_judged(model: str) -> None:
    assert lint(model) == []


def test_hit_rate_benchmark_sorts_every_model(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "implicit_defaults_bench", root / "benchmarks" / "implicit_defaults.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up while the class body runs
    spec.loader.exec_module(bench)
    (tmp_path / "deep.py").write_text(mlp(12))
    (tmp_path / "normalized.py").write_text(vgg_stack(normalize=True))
    (tmp_path / "shallow.py").write_text(mlp(3))
    (tmp_path / "util.py").write_text("def mean(xs):\n    return sum(xs) / len(xs)\n")
    files, with_model, rows = bench.measure([tmp_path])
    assert (files, with_model) == (4, 3)
    assert [(row.file, row.verdict) for row in rows] == [
        ("deep.py", "reported (info)"),
        ("normalized.py", "not judged: normalization downstream of every hidden layer"),
        ("shallow.py", "below the limit"),
    ]
    assert rows[0].activations == {"relu": 12}
    assert rows[2].describe() == "below the limit: shrinks 8x over 3 hidden layers (3 relu)"
