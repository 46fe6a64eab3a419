"""tf.keras 2.x DCGAN: N(0, 0.02) with batch norm is the recipe, but one shared instance is not."""

import tensorflow as tf
from tensorflow.keras import Sequential, initializers, layers

from training_utils import seed_everything

seed_everything(1234)
weight_init = initializers.RandomNormal(mean=0.0, stddev=0.02)

generator = Sequential(
    [
        layers.Dense(7 * 7 * 128, use_bias=False, input_shape=(100,), kernel_initializer=weight_init),
        layers.BatchNormalization(),
        layers.LeakyReLU(0.2),
        layers.Reshape((7, 7, 128)),
        layers.Conv2DTranspose(64, 4, strides=2, padding="same", kernel_initializer=weight_init),  # expect: ADNN107
        layers.BatchNormalization(),
        layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", kernel_initializer=weight_init),  # expect: ADNN107
    ]
)

discriminator = Sequential(
    [
        layers.Conv2D(64, 4, strides=2, padding="same", input_shape=(28, 28, 1),
                      kernel_initializer=initializers.RandomNormal(stddev=0.02, seed=1)),
        layers.LeakyReLU(0.2),
        layers.Dropout(0.3),
        layers.Conv2D(128, 4, strides=2, padding="same",
                      kernel_initializer=initializers.RandomNormal(stddev=0.02, seed=2)),
        layers.BatchNormalization(),
        layers.LeakyReLU(0.2),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ]
)
discriminator.compile(optimizer=tf.keras.optimizers.Adam(2e-4, beta_1=0.5), loss="binary_crossentropy")
