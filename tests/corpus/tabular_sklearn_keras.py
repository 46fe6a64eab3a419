"""Tabular data: scikit-learn preprocessing, then a deep ReLU MLP with LeCun kernels."""

import random

import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from tensorflow import keras

random.seed(0)
rng = np.random.default_rng(0)
tf.random.set_seed(0)

features = rng.normal(size=(1000, 20)).astype("float32")
labels = (features[:, 0] > 0).astype("float32")
x_train, x_val, y_train, y_val = train_test_split(features, labels, test_size=0.2, random_state=0)
scaler = StandardScaler()
scaler.fit(x_train)
x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)

model = keras.Sequential(
    [
        keras.Input(shape=(20,)),
        keras.layers.Dense(64, activation="relu", kernel_initializer="lecun_normal"),  # expect: ADNN104
        keras.layers.Dense(64, activation="relu", kernel_initializer="lecun_normal"),  # expect: ADNN104
        keras.layers.Dense(64, activation="relu", kernel_initializer="lecun_normal"),  # expect: ADNN104
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=5)
