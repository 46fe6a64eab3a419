"""Seeding after the model has been trained does not help."""

import keras

if __name__ == "__main__":
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(keras.ops.ones((4, 8)), keras.ops.zeros((4, 1)))  # expect: ADNN201
    keras.utils.set_random_seed(3)
