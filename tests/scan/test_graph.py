"""The model graph: networkx DAG per model, shapes, fans, depth, feeds_trainable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx

from adnn_lint.scan.dag import Dag
from adnn_lint.scan.graph import build_graph
from adnn_lint.scan.records import ScanResult
from adnn_lint.scan.scanner import scan_source


def scan(source: str) -> ScanResult:
    return scan_source(textwrap.dedent(source), "t.py")[1]


def test_build_graph_is_the_models_dag() -> None:
    result = scan(
        """
        import keras
        from keras import layers
        x0 = keras.Input(shape=(8,))
        h = layers.Dense(8, activation="relu")(x0)
        r = layers.Dense(8)(h)
        s = layers.Add()([h, r])
        out = layers.Dense(2)(s)
        model = keras.Model(x0, out)
        """
    )
    graph = build_graph(result, result.models[0].id)
    assert isinstance(graph, nx.DiGraph) and nx.is_directed_acyclic_graph(graph)
    assert set(graph.edges) == {("L1", "L2"), ("L1", "L3"), ("L2", "L3"), ("L3", "L4")}
    assert graph.nodes["L4"]["layer"].class_name == "Dense"
    assert graph.graph["kind"] == "functional"
    depth = {layer.id: layer.depth for layer in result.layers}
    assert depth == {"L1": 0, "L2": 1, "L3": 2, "L4": 2}  # Add has no weights
    assert result.layer("L4").fan_in == 8


def test_depth_counts_loop_multiplicity() -> None:
    result = scan(
        """
        import keras
        model = keras.Sequential([keras.Input(shape=(4,))])
        for _ in range(5):
            model.add(keras.layers.Dense(4, activation="relu"))
        model.add(keras.layers.Dense(1))
        """
    )
    assert [layer.depth for layer in result.layers] == [0, 5]


def test_recurrent_and_embedding_fans() -> None:
    result = scan(
        """
        import keras
        keras.Sequential([
            keras.Input(shape=(30,)),
            keras.layers.Embedding(1000, 16),
            keras.layers.LSTM(32, return_sequences=True),
            keras.layers.GRU(8),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        """
    )
    emb, lstm, gru, dense = result.layers
    assert (emb.fan_in, emb.fan_out) == (1000, 16)
    assert (lstm.fan_in, lstm.fan_out) == (16, 128)
    assert (gru.fan_in, gru.fan_out) == (32, 24)
    assert dense.fan_in == 8
    assert [layer.feeds_trainable for layer in result.layers] == [True, True, True, False]


def test_unknown_input_shape_leaves_fans_unknown() -> None:
    result = scan(
        """
        import keras
        keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
        """
    )
    first, second = result.layers
    assert first.fan_in is None and first.fan_out is None
    assert (second.fan_in, second.fan_out) == (4, 2)


def test_layers_outside_models_have_unknown_flow() -> None:
    result = scan("import keras\nlayer = keras.layers.Dense(4)\n")
    (layer,) = result.layers
    assert (layer.model, layer.feeds_trainable, layer.depth) == (None, None, None)


def test_pooling_and_strides_shape_the_next_fan_in() -> None:
    result = scan(
        """
        import keras
        from keras import layers
        keras.Sequential([
            keras.Input(shape=(32, 32, 3)),
            layers.Conv2D(8, 3, strides=2, padding="same"),
            layers.AveragePooling2D(),
            layers.Conv2D(4, (1, 1)),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3),
        ])
        """
    )
    conv1, _, conv2, _, dense = result.layers
    assert (conv1.fan_in, conv1.fan_out) == (27, 72)
    assert (conv2.fan_in, conv2.fan_out) == (8, 4)
    assert dense.fan_in == 4


def test_activation_layers_give_the_preceding_layer_its_activation() -> None:
    result = scan(
        """
        from keras.models import Sequential
        from keras.layers import Dense, Dropout, Activation, BatchNormalization
        model = Sequential()
        model.add(Dense(64, input_dim=20))
        model.add(Dropout(0.5))
        model.add(Activation("relu"))
        model.add(Dense(64))
        model.add(BatchNormalization())
        model.add(Activation("tanh"))
        model.add(Dense(1, activation="sigmoid"))
        """
    )
    first = result.layer("L1")
    assert (first.activation, first.activation_from) == ("relu", "L3")
    behind_norm = result.layer("L4")  # BatchNormalization rescales: not folded through
    assert (behind_norm.activation, behind_norm.activation_from) == ("linear", None)


def test_dag_order_cycles_and_reach() -> None:
    dag = Dag(["a", "b", "c", "d"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    order = dag.topological_order()
    assert order is not None and sorted(order) == ["a", "b", "c", "d"]
    assert all(order.index(src) < order.index(dst) for src, dst in (("a", "b"), ("b", "d")))
    assert dag.descendants("a") == {"b", "c", "d"} and dag.ancestors("d") == {"a", "b", "c"}
    assert dag.predecessors("d") == ["b", "c"] and dag.out_degree("d") == 0
    dag.add_edge("d", "a")
    assert dag.topological_order() is None


def test_lint_path_needs_no_networkx(tmp_path: Path) -> None:
    """networkx costs ~0.3 s to import: linting a Keras model must not load it."""
    code = (
        "import sys\n"
        "from adnn_lint.engine.lint import lint_source\n"
        "lint_source(open(sys.argv[1]).read(), sys.argv[1])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('networkx', 'jinja2', 'tomli_w') or m.startswith('libcst.matchers')]\n"
        "assert not bad, bad\n"
    )
    target = tmp_path / "model.py"
    target.write_text(
        textwrap.dedent(
            """\
            import keras
            from keras import layers

            inputs = keras.Input(shape=(32,))
            a = layers.Dense(64, activation="relu", kernel_initializer="zeros")(inputs)
            b = layers.Dense(64, activation="relu", kernel_initializer="he_normal")(inputs)
            x = layers.Add()([a, b])
            x = layers.BatchNormalization()(x)
            outputs = layers.Dense(10, kernel_initializer="glorot_unifrom")(x)
            model = keras.Model(inputs, outputs)
            model.fit(None, None)
            """
        ),
        encoding="utf-8",
    )
    subprocess.run([sys.executable, "-c", code, str(target)], check=True)
