"""Many models in one file: each keeps its own layers, calls, fans and findings.

The per-file indexes that made the cost linear in the number of models (layer and model lookup,
compile()/fit() owners, edges per Model() call) must give what the per-model scans gave."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adnn_lint.engine.lint import lint_source
from adnn_lint.scan.scanner import scan_source
from adnn_lint.spec.contract import Attachments, definitions, find_contract_comments
from adnn_lint.spec.extract import extract_specs

HEAD = "import keras\nfrom keras import layers\n"


def _block(i: int) -> str:
    return (
        f"model = keras.Sequential([keras.Input(({i + 1},)), layers.Dense({i + 2}), "
        "layers.Dense(3, kernel_initializer='zeros'), layers.Dense(1)])\n"
        f"model.compile(optimizer='sgd', loss='mse')\n"
        f"model.fit(x, y, epochs={i + 1})\n"
        f"inputs = keras.Input(shape=({i + 5},))\n"
        f"h = layers.Dense({i + 7})(inputs)\n"
        "h = layers.BatchNormalization()(h)\n"
        "net = keras.Model(inputs, layers.Dense(2)(h))\n"
        "net.compile(optimizer='adam', loss='mse')\n"
    )


def test_each_of_many_models_keeps_its_own_layers_calls_and_fans() -> None:
    count = 40
    source = HEAD + "".join(_block(i) for i in range(count))
    _, scan = scan_source(source, "many.py")
    sequential = [m for m in scan.models if m.name == "model"]
    functional = [m for m in scan.models if m.name == "net"]
    assert len(sequential) == len(functional) == count
    for i, (seq, net) in enumerate(zip(sequential, functional, strict=True)):
        assert seq.compile is not None and seq.compile.optimizer == "sgd"
        assert [f.epochs for f in seq.fits] == [i + 1]
        assert net.compile is not None and net.compile.optimizer == "adam" and not net.fits
        first, *_ = (scan.layer(x) for x in seq.layer_ids if scan.layer(x).class_name == "Dense")
        assert (first.fan_in, first.fan_out) == (i + 1, i + 2)
        dense = [scan.layer(x) for x in net.layer_ids if scan.layer(x).class_name == "Dense"]
        assert [(d.fan_in, d.fan_out) for d in dense] == [(i + 5, i + 7), (i + 7, 2)]
        assert set(net.layer_ids).isdisjoint(seq.layer_ids)
        assert all(scan.model(m.id) is m for m in (seq, net))
    specs = extract_specs(scan, source, "many.py")
    assert [s.train.epochs for s in specs if s.model.name == "model"] == [
        i + 1 for i in range(count)
    ]
    zero = [f for f in lint_source(source, "many.py") if f.code == "ADNN101"]
    assert len(zero) == count  # one per Sequential model: its zero Dense(3) feeds Dense(1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=1, max_size=25))
def test_indexed_enclosing_definitions_match_the_plain_scan(shape: list[tuple[int, bool]]) -> None:
    # A random nest of functions (each at a depth at most one below the previous one).
    lines, depth = [], 0
    for want, contract in shape:
        depth = min(want, depth + 1)
        indent = "    " * depth
        if contract:
            lines.append(f"{indent}# adnn: max_trial = {len(lines) + 1}")
        lines.append(f"{indent}def f{len(lines)}():")
        lines.append(f"{indent}    x = 1")
    source = "\n".join(lines) + "\n"
    comments = find_contract_comments(source)
    scopes = definitions(source)
    attachments = Attachments(comments, source.splitlines(), scopes)
    for line in range(1, len(lines) + 2):
        plain = sorted((d for d in scopes if d[0] < line <= d[2]), reverse=True)
        assert list(attachments._enclosing(line)) == plain
