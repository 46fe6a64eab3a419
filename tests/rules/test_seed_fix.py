"""ADNN201's fix calls only what the Keras (and TensorFlow) a file is written for has.

Old Keras cannot be installed next to the current one, so each test lists the seeding functions
that version has (from its release notes) and checks every call the fix inserts against it.
"""

from __future__ import annotations

import ast

import pytest

from adnn_lint.engine.lint import fix_source, lint_source

#: Seeding functions each target has, by qualified name.
PYTHON_AND_NUMPY = {"random.seed", "numpy.random.seed"}
KERAS1 = PYTHON_AND_NUMPY | {"tensorflow.set_random_seed"}  # Theano, or TensorFlow 0.12-1.x
# Keras 2.3.1 runs on TensorFlow 1.14, 1.15 and 2.0: tf.set_random_seed is gone in 2.0 and
# tf.random.set_seed is missing from 1.x; tf.compat.v1 is in all three.
KERAS_2_3 = PYTHON_AND_NUMPY | {"tensorflow.compat.v1.set_random_seed"}
# tf.keras before TensorFlow 2.7 has no tf.keras.utils.set_random_seed.
TF_2_0 = PYTHON_AND_NUMPY | {"tensorflow.random.set_seed", "tensorflow.compat.v1.set_random_seed"}
TF_1 = PYTHON_AND_NUMPY | {"tensorflow.set_random_seed", "tensorflow.compat.v1.set_random_seed"}
KERAS3 = PYTHON_AND_NUMPY | {"keras.utils.set_random_seed"}


def _qualified(source: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names.setdefault(alias.asname, alias.name)
                else:
                    root = alias.name.split(".")[0]
                    names.setdefault(root, root)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names.setdefault(alias.asname or alias.name, f"{node.module}.{alias.name}")
    return names


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def inserted_calls(before: str, after: str) -> set[str]:
    """Qualified names of the calls on lines the fix added."""
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    names = _qualified(after)
    calls: set[str] = set()
    for line in added:
        for node in ast.walk(ast.parse(line.strip() or "pass")):
            if isinstance(node, ast.Call):
                head, _, rest = _dotted(node.func).partition(".")
                calls.add(f"{names.get(head, head)}.{rest}" if rest else names.get(head, head))
    return calls


def fixed(source: str) -> str:
    after = fix_source(source, "train.py", unsafe=True, select=["ADNN201"])
    assert after != source, "no fix was applied"
    assert fix_source(after, "train.py", unsafe=True, select=["ADNN201"]) == after
    assert [f.code for f in lint_source(after, "train.py", select=["ADNN201"])] == []
    return after


# The shape of the Keras 2.3.1 examples (mnist_mlp.py).
KERAS_2_3_MLP = """'''Trains a simple deep NN on the MNIST dataset.'''

from __future__ import print_function

import keras
from keras.datasets import mnist
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import RMSprop

batch_size = 128
(x_train, y_train), (x_test, y_test) = mnist.load_data()
y_train = keras.utils.to_categorical(y_train, 10)

model = Sequential()
model.add(Dense(512, activation='relu', input_shape=(784,)))
model.add(Dropout(0.2))
model.add(Dense(10, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer=RMSprop(), metrics=['accuracy'])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=20)
"""

KERAS_2_LAYERS_CORE = """import numpy as np
from keras.models import Sequential
from keras.layers.core import Dense, Dropout

model = Sequential()
model.add(Dense(64, input_dim=20, activation="relu"))
model.add(Dense(1))
model.compile(loss="mse", optimizer="adam")
model.fit(x, y, epochs=10)
"""

KERAS1_MLP = """from keras.models import Sequential
from keras.layers import Dense, Activation

model = Sequential()
model.add(Dense(output_dim=64, input_dim=100, init="glorot_uniform"))
model.add(Activation("relu"))
model.add(Dense(output_dim=10))
model.compile(loss="categorical_crossentropy", optimizer="sgd")
model.fit(X_train, Y_train, nb_epoch=5, batch_size=32)
"""

TF_KERAS_ALIAS = """import numpy as np
import tensorflow.keras as tfk

model = tfk.Sequential([tfk.layers.Dense(8, activation="relu"), tfk.layers.Dense(1)])
model.compile(loss="mse")
model.fit(np.zeros((4, 3)), np.zeros((4, 1)))
"""

TF_KERAS_FROM = """from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse")
model.fit(x, y)
"""

KERAS_2_TF1_SESSION = """import keras
from keras import backend as K
import tensorflow as tf

K.set_session(tf.Session())
model = keras.Sequential([keras.layers.Dense(1, input_dim=3)])
model.compile(loss="mse", optimizer="sgd")
model.fit(x, y)
"""

TF1_SESSION = """import tensorflow as tf

sess = tf.Session()
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="sgd")
model.fit(x, y)
"""


@pytest.mark.parametrize(
    ("source", "available"),
    [
        pytest.param(KERAS_2_3_MLP, KERAS_2_3, id="keras-2.3.1-example"),
        pytest.param(KERAS_2_LAYERS_CORE, KERAS_2_3, id="keras-2-layers-core"),
        pytest.param(KERAS1_MLP, KERAS1, id="keras-1"),
        pytest.param(TF_KERAS_ALIAS, TF_2_0, id="import-tensorflow.keras-as-tfk"),
        pytest.param(TF_KERAS_FROM, TF_2_0, id="from-tensorflow-import-keras"),
        pytest.param(TF1_SESSION, TF_1, id="tensorflow-1-session"),
        pytest.param(KERAS_2_TF1_SESSION, TF_1, id="keras-2-on-tensorflow-1"),
    ],
)
def test_the_fix_calls_only_what_the_files_version_has(source: str, available: set[str]) -> None:
    after = fixed(source)
    calls = inserted_calls(source, after)
    assert calls and calls <= available, calls - available


@pytest.mark.parametrize("source", [TF_KERAS_ALIAS, TF_KERAS_FROM, TF1_SESSION])
def test_a_tf_keras_file_never_gets_a_standalone_keras_import(source: str) -> None:
    after = fixed(source)
    assert "import keras" not in after.splitlines()
    assert "keras.utils.set_random_seed" not in after


def test_keras1_without_tensorflow_gets_no_tensorflow_import() -> None:
    # Keras 1 may run on Theano; its backends take every op seed from NumPy.
    after = fixed(KERAS1_MLP)
    assert "tensorflow" not in after
    assert inserted_calls(KERAS1_MLP, after) == {"numpy.random.seed"}


def test_keras1_seeded_through_numpy_is_not_reported() -> None:
    source = "import numpy as np\nnp.random.seed(1337)  # for reproducibility\n" + KERAS1_MLP
    assert lint_source(source, "train.py", select=["ADNN201"]) == []


def test_the_message_names_the_calls_of_the_files_version() -> None:
    (finding,) = lint_source(KERAS_2_3_MLP, "train.py", select=["ADNN201"])
    assert "tf.compat.v1.set_random_seed(SEED)" in finding.message
    assert "from __future__ import print_function" in finding.message
    (modern,) = lint_source(KERAS3_BACKEND, "train.py", select=["ADNN201"])
    assert "call keras.utils.set_random_seed(SEED)" in modern.message


KERAS3_BACKEND = """import os

os.environ["KERAS_BACKEND"] = "jax"

import keras

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
model.compile(loss="mse")
model.fit(x, y)
"""

FALLBACK = """import numpy as np

try:
    import keras
except ImportError:
    from tensorflow import keras

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
model.compile(loss="mse")
model.fit(x, y)
"""


@pytest.mark.parametrize(
    ("source", "setup"),
    [
        pytest.param(KERAS3_BACKEND, "import keras\n", id="keras-backend-environment"),
        pytest.param(FALLBACK, "    from tensorflow import keras\n", id="import-fallback"),
    ],
)
def test_the_seeding_goes_after_the_setup_that_precedes_keras(source: str, setup: str) -> None:
    after = fixed(source)
    assert inserted_calls(source, after) <= KERAS3
    assert after.index(setup) < after.index("keras.utils.set_random_seed(0)")
    assert after.count("import keras") == source.count("import keras")


def test_a_main_guard_that_imports_is_not_taken_for_setup() -> None:
    source = (
        "import keras\n"
        "\n"
        'if __name__ == "__main__":\n'
        "    import numpy as np\n"
        "\n"
        "    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])\n"
        '    model.compile(loss="mse")\n'
        "    model.fit(np.zeros((2, 3)), np.zeros((2, 1)))\n"
    )
    after = fixed(source)
    assert after.index("keras.utils.set_random_seed(0)") < after.index("if __name__")


def test_an_optional_import_with_a_fallback_value_is_setup() -> None:
    source = (
        "import keras\n"
        "\n"
        "try:\n"
        "    import wandb\n"
        "except ImportError:\n"
        "    wandb = None\n"
        "\n"
        "model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])\n"
        'model.compile(loss="mse")\n'
        "model.fit(x, y)\n"
    )
    after = fixed(source)
    assert after.index("wandb = None") < after.index("keras.utils.set_random_seed(0)")
