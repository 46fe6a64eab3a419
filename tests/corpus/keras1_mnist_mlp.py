"""Keras 1 style MNIST MLP, as found in 2016-era repositories."""

from __future__ import print_function

import numpy as np

np.random.seed(1337)  # for reproducibility

from keras.datasets import mnist
from keras.layers.core import Activation, Dense, Dropout
from keras.models import Sequential
from keras.optimizers import RMSprop
from keras.utils import np_utils

batch_size = 128
nb_classes = 10
nb_epoch = 20

(X_train, y_train), (X_test, y_test) = mnist.load_data()
X_train = X_train.reshape(60000, 784).astype("float32") / 255
X_test = X_test.reshape(10000, 784).astype("float32") / 255
Y_train = np_utils.to_categorical(y_train, nb_classes)
Y_test = np_utils.to_categorical(y_test, nb_classes)

model = Sequential()
model.add(Dense(512, input_shape=(784,), init="zero"))  # expect: ADNN101
model.add(Activation("relu"))
model.add(Dropout(0.2))
model.add(Dense(512, init="glorot_unifrom"))  # expect: ADNN108
model.add(Activation("relu"))
model.add(Dropout(0.2))
model.add(Dense(10, init="zero"))
model.add(Activation("softmax"))

model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])

# Seeded: Keras 1's backends draw every op seed from NumPy, seeded above.
history = model.fit(
    X_train,
    Y_train,
    batch_size=batch_size,
    nb_epoch=nb_epoch,
    verbose=1,
    validation_data=(X_test, Y_test),
)
score = model.evaluate(X_test, Y_test, verbose=0)
print("Test score:", score[0])
