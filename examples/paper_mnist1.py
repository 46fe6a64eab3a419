"""MNIST-1 from the ADNN paper (Pan, Nguyen and Ahmed), with its accuracy contract beside it.

One hidden layer of 256 ReLU units and a softmax head on Keras' default initializers (Glorot
uniform kernels, zero biases), trained with plain SGD on batches of 100 as in the paper's
evaluation. The paper trains one epoch on all 60,000 images; the embedded subset that
`tools/demo.sh` verifies on holds a tenth of that, so this script trains three epochs at a larger
step to see a comparable number of examples per weight. The `# adnn:` comment states what the
model must reach on the test split and how much search the verifier may spend proving it.
"""

from __future__ import annotations

import keras
from keras import layers

keras.utils.set_random_seed(2026)

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
x_test = x_test.reshape(-1, 784).astype("float32") / 255.0

# adnn: accuracy >= 0.80 on test, max_trial = 8, max_time = 4m, max_gain = 0.05
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ],
    name="mnist_1",
)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.05),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(x_train, y_train, epochs=3, batch_size=100)
print(model.evaluate(x_test, y_test, verbose=0))
