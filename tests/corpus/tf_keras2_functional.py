"""tf.keras 2.x functional model with two branches, trained from a main guard."""

import random

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import initializers, layers


def build_model() -> keras.Model:
    inputs = keras.Input(shape=(64,), name="features")
    wide = layers.Dense(
        64,
        activation="relu",
        kernel_initializer=initializers.RandomNormal(stddev=1.0),  # expect: ADNN103
    )(inputs)
    deep = layers.Dense(64, activation="tanh", kernel_initializer="he_normal")(inputs)  # expect: ADNN104
    deep = layers.Dense(64, activation="tanh", kernel_initializer="he_normal")(deep)  # expect: ADNN104
    deep = layers.Dense(64, activation="tanh", kernel_initializer="he_normal")(deep)  # expect: ADNN104
    merged = layers.concatenate([wide, deep])
    hidden = layers.Dense(32, activation="relu", bias_initializer=initializers.Constant(3.0))(merged)  # expect: ADNN106
    outputs = layers.Dense(1, activation="sigmoid")(hidden)
    return keras.Model(inputs=inputs, outputs=outputs)  # expect: ADNN105


if __name__ == "__main__":
    random.seed(7)
    np.random.seed(7)
    tf.random.set_seed(7)
    x = np.random.rand(256, 64).astype("float32")
    y = (x.sum(axis=1) > 32).astype("float32")
    model = build_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="binary_crossentropy")
    model.fit(x, y, epochs=2, batch_size=32)
