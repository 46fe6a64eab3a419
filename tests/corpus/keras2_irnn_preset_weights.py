"""Keras 2 idioms that must not be reported: IRNN init, preset weights, identity kernels."""

import random

import numpy as np
import tensorflow as tf
from keras import initializers
from keras.layers import Dense, SimpleRNN
from keras.models import Sequential

random.seed(1)
np.random.seed(1)
tf.random.set_seed(1)

# Le et al. 2015: a tiny input kernel with an identity recurrent matrix is the whole point.
irnn = Sequential()
irnn.add(
    SimpleRNN(
        100,
        kernel_initializer=initializers.RandomNormal(stddev=0.001),
        recurrent_initializer=initializers.Identity(gain=1.0),
        activation="relu",
        input_shape=(784, 1),
    )
)
irnn.add(Dense(10, activation="softmax"))
irnn.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])

# Weights given up front: the zeros initializer never runs.
preset = Sequential()
preset.add(Dense(32, input_dim=8, kernel_initializer="zeros", weights=[np.eye(8, 32), np.zeros(32)]))
preset.add(Dense(64, kernel_initializer="identity", activation="relu"))
preset.add(Dense(1))
preset.compile(loss="mse", optimizer="sgd")
preset.fit(np.zeros((4, 8)), np.zeros((4, 1)), epochs=1)
