"""A small functional-API CNN on Fashion-MNIST, seeded, with ReLU-matched initializers.

Convolutions use He-uniform kernels (fan-in is kernel area x input channels), the classifier head
uses Glorot; nothing shares an initializer instance, so every layer draws its own weights.
"""

from __future__ import annotations

import keras
from keras import layers


def build_model() -> keras.Model:
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", kernel_initializer="he_uniform")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, activation="relu", kernel_initializer="he_uniform")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.25)(x)
    outputs = layers.Dense(10, activation="softmax", kernel_initializer="glorot_uniform")(x)
    return keras.Model(inputs, outputs, name="fashion_cnn")


def main() -> None:
    keras.utils.set_random_seed(7)
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    x_train = x_train[..., None].astype("float32") / 255.0
    x_test = x_test[..., None].astype("float32") / 255.0
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=2, batch_size=64, validation_split=0.1)
    print(model.evaluate(x_test, y_test, verbose=0))


if __name__ == "__main__":
    main()
