"""TF 1 layer functions (``tf.layers``, ``tf.compat.v1.layers``, ``tf.contrib.layers``/slim):
read as the Keras layers they build, so the initialization rules apply to TF 1 code too.

The programs are written the way TF 1 tutorials and NeuraLint's synthetic LeNet samples are:
placeholders, layer functions chained through ``tf.nn`` operations, no Keras model.
"""

from __future__ import annotations

import textwrap

from adnn_lint.engine.lint import fix_source, lint_source
from adnn_lint.scan.records import Origin, ScanResult
from adnn_lint.scan.scanner import scan_source
from adnn_lint.spec.extract import extract_specs

LENET = """\
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 28, 28, 1])
y = tf.placeholder(tf.float32, [None, 10])

conv1 = tf.layers.conv2d(
    inputs=x,
    filters=6,
    kernel_size=[5, 5],
    padding="same",
    activation=tf.nn.relu,
    kernel_initializer=tf.zeros_initializer(),
)
pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2)
conv2 = tf.layers.conv2d(pool1, 16, [5, 5], activation=tf.nn.relu,
                         kernel_initializer=tf.initializers.constant(0.1))
pool2 = tf.layers.max_pooling2d(conv2, [2, 2], 2)
flat = tf.layers.flatten(pool2)
fc1 = tf.layers.dense(flat, 120, activation=tf.nn.relu, kernel_initializer=None)
fc2 = tf.layers.dense(fc1, 84, activation=tf.nn.relu,
                      kernel_initializer=tf.truncated_normal_initializer(stddev=1.0))
logits = tf.layers.dense(fc2, 10)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
"""


def scan(source: str) -> ScanResult:
    return scan_source(textwrap.dedent(source), "m.py")[1]


def codes(source: str) -> list[tuple[str, int]]:
    return [(f.code, f.span.line) for f in lint_source(textwrap.dedent(source), "m.py")]


def test_tf_layers_lenet_is_read_as_its_keras_layers() -> None:
    result = scan(LENET)
    (model,) = result.models
    layers = [result.layer(i) for i in model.layer_ids]
    assert [layer.class_name for layer in layers] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense", "Dense"
    ]  # fmt: skip
    conv1, _, conv2, _, _, fc1, fc2, logits = layers
    # the placeholder is the input: shapes and fans follow through the layer functions
    assert (conv1.fan_in, conv2.fan_in, fc1.fan_in, fc2.fan_in) == (25, 150, 400, 120)
    assert conv1.initializers[0].canonical == "zeros" and conv1.activation == "relu"
    assert conv2.initializers[0].params["value"] == 0.1
    # kernel_initializer=None is the variable scope's default, Glorot uniform
    assert fc1.initializers[0].canonical == "glorot_uniform"
    assert fc1.initializers[0].origin is Origin.IMPLICIT
    assert logits.activation == "linear" and logits.feeds_trainable is False
    assert all(layer.feeds_trainable for layer in layers[:-1])


def test_tf1_seeded_initialization_bugs_are_found() -> None:
    found = codes(LENET)
    # zero kernel, constant kernel, a fixed stddev of 1.0 under ReLU with fan-in 120
    assert ("ADNN101", 12) in found and ("ADNN102", 16) in found and ("ADNN103", 21) in found
    assert "tf.zeros_initializer()" in fix_source(LENET, "m.py")  # a zero kernel's fix is unsafe
    fixed = fix_source(LENET, "m.py", unsafe=True)
    assert "tf.zeros_initializer()" not in fixed  # tf.layers takes Keras names


def test_compat_v1_layers_and_positional_arguments() -> None:
    result = scan(
        """
        import tensorflow as tf
        inputs = tf.compat.v1.placeholder(tf.float32, shape=(None, 32))
        h = tf.compat.v1.layers.dense(inputs, 64, tf.nn.tanh, True, "ones")
        out = tf.compat.v1.layers.dense(h, 1, bias_initializer=None)
        """
    )
    hidden, out = result.layers
    assert hidden.activation == "tanh" and hidden.fan_in == 32
    assert hidden.initializers[0].canonical == "ones"  # the 4th positional after inputs
    # bias_initializer=None: the scope default too (a random bias)
    assert out.initializers[1].canonical == "glorot_uniform"
    assert ("ADNN102", 4) in codes(
        """
        import tensorflow as tf
        inputs = tf.compat.v1.placeholder(tf.float32, shape=(None, 32))
        h = tf.compat.v1.layers.dense(inputs, 64, tf.nn.tanh, True, "ones")
        out = tf.compat.v1.layers.dense(h, 1, bias_initializer=None)
        """
    )


SLIM = """\
import tensorflow as tf

slim = tf.contrib.slim


def lenet(images):
    net = slim.conv2d(images, 32, [5, 5], scope="conv1",
                      weights_initializer=tf.constant_initializer(0.0))
    net = slim.max_pool2d(net, [2, 2], scope="pool1")
    net = tf.layers.conv2d(net, 64, 5)
    net = tf.nn.relu(net)
    net = tf.nn.max_pool(net, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    net = tf.reshape(net, [-1, 7 * 7 * 64])
    net = tf.contrib.layers.fully_connected(
        net, 1024, weights_initializer=tf.contrib.layers.xavier_initializer(),
        biases_initializer=None)
    net = tf.nn.dropout(net, 0.5)
    return tf.contrib.layers.fully_connected(net, 10, activation_fn=None)


x = tf.placeholder(tf.float32, [None, 28, 28, 1])
logits = lenet(x)
"""


def test_contrib_layers_and_operations_between_layers() -> None:
    result = scan(SLIM)
    (model,) = result.models
    conv1, pool, conv2, fc1, fc2 = (result.layer(i) for i in model.layer_ids)
    # contrib's own names and defaults: num_outputs, weights_initializer, ReLU, SAME, stride 2
    assert conv1.width == 32 and conv1.activation == "relu"
    assert conv1.arguments["padding"] == "same" and conv1.initializers[0].canonical == "constant"
    assert pool.shape_arguments["strides"] == (2,) and conv2.fan_in == 5 * 5 * 32
    # tf.nn.relu after a linear layer is its activation
    assert conv2.activation == "relu"
    # data flows through tf.nn.max_pool and tf.reshape: fc1's fan-in is the reshape's
    assert (conv2.id, fc1.id) in model.edges and (fc1.id, fc2.id) in model.edges
    assert fc1.fan_in == 3136 and fc1.input_after_op
    assert fc1.initializers[0].canonical == "variance_scaling"
    assert fc1.initializers[0].params["mode"] == "fan_avg"
    assert fc1.arguments["use_bias"] is False  # biases_initializer=None: no bias
    assert fc2.activation == "linear" and fc2.fan_in == 1024
    # the other operations are kept: a spec of these layers alone is another model
    assert fc1.input_ops == ("tensorflow.nn.max_pool", "tensorflow.reshape")
    assert fc2.input_ops == ("tensorflow.nn.dropout",) and not conv2.input_ops
    (spec,) = extract_specs(result, SLIM, "m.py")
    marked = {layer.name: layer.unresolved for layer in spec.model.layers}
    assert marked["dense"] == marked["dense_1"] == ("inputs",) and marked["conv2d"] == ()
    # the zero conv kernel feeds the next conv: ADNN101, at the call of the helper
    (finding,) = [f for f in lint_source(SLIM, "m.py") if f.code == "ADNN101"]
    assert finding.span.line == 22


def test_contrib_initializers_are_reported_in_place_without_a_keras_name_fix() -> None:
    source = textwrap.dedent(
        """
        import tensorflow as tf
        images = tf.placeholder(tf.float32, [None, 28, 28, 1])
        net = tf.contrib.layers.conv2d(images, 32, 3,
                                       weights_initializer=tf.zeros_initializer())
        net = tf.contrib.layers.flatten(net)
        logits = tf.contrib.layers.fully_connected(net, 10, activation_fn=None)
        """
    )
    (finding,) = [f for f in lint_source(source, "m.py") if f.code == "ADNN101"]
    # contrib takes initializer objects only: writing 'he_uniform' there would break the call
    assert finding.span.line == 5 and finding.fix is None
    assert "'zeros'" in finding.message


def test_xavier_and_variance_scaling_factories_resolve() -> None:
    result = scan(
        """
        import tensorflow as tf
        from tensorflow.contrib import layers
        a = layers.fully_connected(x, 8, weights_initializer=layers.xavier_initializer(False, 3))
        b = layers.fully_connected(a, 8, weights_initializer=layers.variance_scaling_initializer())
        c = tf.layers.dense(b, 8, kernel_initializer=tf.variance_scaling_initializer(
            2.0, distribution="normal"))
        """
    )
    xavier, scaling, core = (layer.initializers[0] for layer in result.layers)
    assert dict(xavier.params) == {
        "scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal", "seed": 3
    }  # fmt: skip
    assert xavier.seed == 3
    assert (scaling.params["scale"], scaling.params["mode"]) == (2.0, "fan_in")
    assert (core.params["scale"], core.params["distribution"]) == (2.0, "truncated_normal")


def test_tf1_layer_classes_and_non_layer_functions() -> None:
    result = scan(
        """
        import tensorflow as tf
        dense = tf.layers.Dense(16, kernel_initializer="zeros")
        h = dense(tf.placeholder(tf.float32, [None, 4]))
        out = tf.layers.Dense(1)(h)
        other = tf.nn.conv2d(h, w, strides=1, padding="SAME")
        """
    )
    assert [layer.class_name for layer in result.layers] == ["Dense", "Dense"]
    first, second = result.layers
    assert first.fan_in == 4 and first.feeds_trainable and second.fan_in == 16
    assert first.initializers[0].canonical == "zeros"


def test_tf1_dropout_takes_its_own_default_rate_and_drops_the_training_flag() -> None:
    result = scan(
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        h = tf.layers.dense(x, 128, activation=tf.nn.relu)
        h = tf.layers.dropout(h, training=True)
        bn = tf.layers.batch_normalization(h, training=True, momentum=0.9)
        logits = tf.layers.dense(bn, 10)
        """
    )
    dense, dropout, norm, logits = result.layers
    assert dict(dropout.arguments) == {"rate": 0.5}  # TF 1's default; Keras' Dropout has none
    assert dict(norm.arguments) == {"momentum": 0.9}
    assert dropout.dropped == norm.dropped == ()
    assert (dense.fan_in, logits.fan_in) == (784, 128)


def test_a_shared_unseeded_tf1_initializer_is_no_shared_instance() -> None:
    source = """\
import tensorflow as tf
init = tf.truncated_normal_initializer(stddev=0.1)
x = tf.placeholder(tf.float32, [None, 784])
h = tf.layers.dense(x, 64, activation=tf.nn.relu, kernel_initializer=init)
logits = tf.layers.dense(h, 10, kernel_initializer=init)
"""
    # TF 1 graph mode gives each variable its own random op: different values, no ADNN107
    assert "ADNN107" not in {code for code, _ in codes(source)}
    # with a seed, every variable it makes starts from the same values, as in Keras
    seeded = source.replace("stddev=0.1)", "stddev=0.1, seed=3)")
    assert ("ADNN107", 5) in codes(seeded)


def test_tensorflow_initializers_passed_to_tf1_layers_take_tf1_defaults() -> None:
    result = scan(
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        a = tf.layers.dense(x, 64, kernel_initializer=tf.random_normal_initializer())
        b = tf.layers.dense(a, 64, kernel_initializer=tf.initializers.truncated_normal())
        c = tf.keras.layers.Dense(64, kernel_initializer=tf.random_normal_initializer())(b)
        d = tf.keras.layers.Dense(8, kernel_initializer=tf.compat.v1.initializers.random_uniform())
        """
    )
    first, second, keras_layer, compat = (layer.initializers[0].params for layer in result.layers)
    # tf.layers exists in TF 1 only: there, TF's own initializers have TF 1's stddev 1.0
    assert first["stddev"] == second["stddev"] == 1.0
    # under tf.keras the TF 2 default (Keras' 0.05) stands; compat.v1 is always TF 1's
    assert keras_layer["stddev"] == 0.05
    assert (compat["minval"], compat["maxval"]) == (0.0, 1.0)


def test_an_activation_op_is_not_folded_into_a_layer_whose_arguments_are_unknown() -> None:
    result = scan(
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        h = tf.nn.relu(tf.layers.dense(x, 64, *options))
        y = tf.nn.relu(tf.layers.dense(h, 10))
        """
    )
    unknown, known = result.layers
    assert unknown.activation == "linear" and known.activation == "relu"
    assert known.input_ops == ("tensorflow.nn.relu",)  # the op stays between them
