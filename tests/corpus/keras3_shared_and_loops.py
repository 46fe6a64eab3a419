"""Keras 3: one initializer instance shared by several layers, and layers built in a loop."""

import keras
from keras import initializers, layers

keras.utils.set_random_seed(42)

shared = initializers.GlorotNormal(seed=3)


def make_mlp(depth: int = 3) -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(20,))])
    model.add(layers.Dense(32, activation="tanh", kernel_initializer=shared))
    model.add(layers.Dense(32, activation="tanh", kernel_initializer=shared))  # expect: ADNN107
    for _ in range(depth):
        model.add(layers.Dense(32, activation="tanh", kernel_initializer="glorot_uniform"))
    model.add(layers.Dense(3, activation="softmax"))
    return model


model = make_mlp()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
