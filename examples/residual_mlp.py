"""A residual MLP on MNIST, built by a helper that ends in ``layers.add``.

Each residual block adds its input back to the output of two Dense layers, then applies ReLU:
``Activation("relu")(layers.add([x, h]))``. adnn-lint reads the helper at each call, so the spec
it extracts has the Add layers and rebuilds the same graph:

    adnn-lint spec examples/residual_mlp.py
    adnn-lint verify examples/residual_mlp.py --limit 600 --max-trial 4
"""

from __future__ import annotations

import keras
from keras import layers

SEED = 7


def residual_block(x: keras.KerasTensor, units: int) -> keras.KerasTensor:
    h = layers.Dense(units, activation="relu", kernel_initializer="he_normal")(x)
    h = layers.Dense(units, kernel_initializer="he_normal")(h)
    return layers.Activation("relu")(layers.add([x, h]))


# adnn: accuracy >= 0.80, max_trial = 4
def build_model() -> keras.Model:
    inputs = keras.Input(shape=(28, 28))
    x = layers.Flatten()(inputs)
    x = layers.Dense(64, activation="relu", kernel_initializer="he_normal")(x)
    x = residual_block(x, 64)
    x = residual_block(x, 64)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="residual_mlp")


def main() -> None:
    keras.utils.set_random_seed(SEED)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=2, batch_size=128, validation_split=0.1)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
