"""A subclassed Keras 3 model with a custom training entry point."""

import keras
from keras import layers

from project.settings import kernel_init_from_config


class Classifier(keras.Model):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.hidden = layers.Dense(128, activation="relu", kernel_initializer="he_nromal")  # expect: ADNN108
        self.extra = layers.Dense(64, activation="relu", kernel_initializer=kernel_init_from_config())  # expect: ADNN301
        self.dropout = layers.Dropout(0.3)
        self.out = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = self.hidden(inputs)
        x = self.extra(x)
        x = self.dropout(x, training=training)
        return self.out(x)


def train(x, y):
    model = Classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3)  # expect: ADNN201
    return model


def library_helper(model, dataset):
    # Never called here: whoever calls it is responsible for seeding.
    return model.fit(dataset, epochs=1)


if __name__ == "__main__":
    import numpy as np

    train(np.zeros((8, 784), "float32"), np.zeros(8, "int32"))
