"""Keras 3 small ResNet: zero-initialized residual ends and batch norm are deliberate."""

import keras
from keras import layers

keras.utils.set_random_seed(2024)

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(inputs)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)

shortcut = x
y = layers.Conv2D(32, 3, padding="same", kernel_initializer="he_normal")(x)
y = layers.BatchNormalization()(y)
y = layers.ReLU()(y)
y = layers.Conv2D(32, 3, padding="same", kernel_initializer="zeros")(y)
x = layers.Add()([shortcut, y])
x = layers.ReLU()(x)

shortcut = x
y = layers.Conv2D(32, 3, padding="same", kernel_initializer="he_normal")(x)
y = layers.BatchNormalization(gamma_initializer="zeros")(y)
x = layers.add([shortcut, y])

x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(10, activation="softmax", kernel_initializer="zeros")(x)
model = keras.Model(inputs, outputs, name="tiny_resnet")
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
(x_train, y_train), _ = keras.datasets.cifar10.load_data()
model.fit(x_train / 255.0, y_train, epochs=1, batch_size=64)
