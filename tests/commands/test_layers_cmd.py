"""``adnn-lint layers``: the per-model layer table, as text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adnn_lint.cli import main

MLP = """\
import keras
from keras import layers

init = keras.initializers.HeNormal(seed=1)
model = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(64, activation="relu", kernel_initializer=init),
    layers.Dense(64, activation="relu", kernel_initializer=init),
    layers.Dense(10, activation="softmax", kernel_initializer="glorot_unifrom"),
])
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mlp.py").write_text(MLP)
    (tmp_path / "plain.py").write_text("print('no keras here')\n")
    return tmp_path


def test_json_lists_models_layers_and_initializer_origins(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["layers", str(project), "--output-format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1
    (entry,) = document["files"]  # plain.py never mentions Keras: not listed
    assert entry["path"].endswith("mlp.py")
    (model,) = entry["models"]
    assert (model["name"], model["kind"], model["input_shape"]) == ("model", "sequential", [784])
    first, _, last = model["layers"]
    assert (first["class"], first["width"], first["fan_in"], first["line"]) == ("Dense", 64, 784, 7)
    kernel = first["initializers"][0]
    assert (kernel["origin"], kernel["canonical"], kernel["seed"], kernel["shared"]) == (
        "explicit",
        "he_normal",
        1,
        True,
    )
    assert first["initializers"][1]["origin"] == "implicit"
    assert last["initializers"][0]["spelled"] == "glorot_unifrom"


def test_text_table(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", str(project / "mlp.py")]) == 0
    out = capsys.readouterr().out
    assert "model 'model' (sequential, 3 layers, input (784,))" in out
    assert "kernel=he_normal (explicit, seed 1, shared object), bias=zeros (implicit)" in out
    assert "'glorot_unifrom', unknown to Keras" in out


def test_unparsable_file_is_reported_and_the_rest_listed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "broken.py").write_text("import keras\nkeras.layers.Dense(\n")
    assert main(["layers", str(project)]) == 1
    captured = capsys.readouterr()
    assert "broken.py:" in captured.err and "syntax error" in captured.err
    assert "model 'model'" in captured.out


def test_notebook_cells_are_scanned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": ["import keras\n"], "outputs": []},
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["keras.layers.Dense(3, kernel_initializer='zeros')\n"],
                "outputs": [],
            },
        ],
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    assert main(["layers", str(tmp_path), "--output-format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    (layer,) = entry["unmodelled_layers"]
    assert layer["initializers"][0]["canonical"] == "zeros"


BAD_CONFIG = '[tool.adnn-lint]\nselect = "ADNN1"\n'  # a string where a list is expected


@pytest.mark.parametrize("command", ["check", "layers", "spec"])
def test_a_bad_pyproject_is_one_line_and_exit_2_for_every_command(
    tmp_path: Path,
    command: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "pyproject.toml").write_text(BAD_CONFIG)
    (tmp_path / "mlp.py").write_text(MLP)
    monkeypatch.chdir(tmp_path)
    assert main([command, "mlp.py"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("adnn-lint: error: ") and "pyproject.toml" in err, err
    assert len(err.splitlines()) == 1 and "internal error" not in err


LATIN1 = (
    "# -*- coding: latin-1 -*-\n"
    "import keras\n"
    "# Modèle de référence\n"
    "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])\n"
).encode("latin-1")


def test_a_pep263_coding_line_is_honoured_as_check_and_spec_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "latin.py").write_bytes(LATIN1)
    assert main(["check", str(tmp_path / "latin.py"), "--no-cache"]) == 0
    assert main(["spec", str(tmp_path / "latin.py")]) == 0
    capsys.readouterr()
    assert main(["layers", str(tmp_path / "latin.py"), "--output-format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    assert entry["error"] is None and entry["models"][0]["layers"][0]["class"] == "Dense"


def test_every_command_places_a_syntax_error_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import keras\nlayer = keras.layers.Dense(\n")
    assert main(["check", str(broken), "--no-cache", "-q"]) == 1
    place = capsys.readouterr().out.split(": ADNN000")[0]
    assert place == f"{broken}:2:27"
    assert main(["layers", str(broken)]) == 1
    assert capsys.readouterr().err.startswith(f"{place}: syntax error: ")
    assert main(["spec", str(broken)]) == 1
    assert capsys.readouterr().err.startswith(f"{place}: syntax error: ")


def test_json_names_what_a_spec_cannot_carry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tf1.py").write_text(
        "import tensorflow as tf\n"
        "x = tf.placeholder(tf.float32, [None, 28, 28, 1])\n"
        "h = tf.layers.conv2d(x, 8, 3, kernel_regularizer=tf.keras.regularizers.l2(0.01))\n"
        "h = tf.reshape(h, [-1, 26 * 26 * 8])\n"
        "logits = tf.layers.dense(h, 10)\n"
    )
    assert main(["layers", str(tmp_path), "--output-format", "json"]) == 0
    (model,) = json.loads(capsys.readouterr().out)["files"][0]["models"]
    conv, dense = model["layers"]
    assert conv["dropped"] == ["kernel_regularizer"] and conv["input_ops"] == []
    assert dense["input_ops"] == ["tensorflow.reshape"] and dense["fan_in"] == 26 * 26 * 8
    assert model["ops"] == ["tensorflow.reshape"]
