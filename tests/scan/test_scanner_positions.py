"""Selective positions agree with LibCST's PositionProvider."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from adnn_lint.scan.positions import spans_for

SOURCE = '''\
import keras  # comment
from keras import layers as L

def build(n):
    """Doc."""
    x = (L.Dense(n,
                 kernel_initializer="he_normal"))(inp)
    y = [L.Dense(4)(z) for z in (a, b)]
    return keras.Model(inp, L.Concatenate()([x, *y]))\r
\r
model = build(3)  # crlf lines above
f"{layers.Dense(2)}"
'''


def test_spans_match_position_provider_for_calls_and_arguments() -> None:
    module = cst.parse_module(SOURCE)
    nodes: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            nodes.append(node)
            nodes.extend(arg.value for arg in node.args)

    module.visit(Collect())
    assert len(nodes) > 10
    mine = spans_for(module, nodes)
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for node in nodes:
        want = reference[node]
        got = mine[node]
        assert (got.line, got.column - 1, got.end_line, got.end_column - 1) == (
            want.start.line,
            want.start.column,
            want.end.line,
            want.end.column,
        ), module.code_for_node(node)


def test_no_nodes_costs_nothing() -> None:
    assert spans_for(cst.parse_module("x = 1\n"), []) == {}


TRICKY = """\
# leading comment
import keras
from keras import layers as L


def deco(f):
    return f


@deco
def build(n):  # decorated: its body statements still have their own lines
    # comment before
    if n > 1:
        a = L.Dense(n, kernel_initializer="zeros"); b = L.Dense(2)
    elif n:
        a = L.Dense(
            n,
            kernel_initializer="ones",
        )
    else:
        try:
            a = L.Dense(3)
        except ValueError:
            a = L.Dense(4)
        finally:
            pass
    for i in range(2):
        with open("x"):
            c = L.Dense(5)
    else:
        d = L.Dense(6)
    while False: e = L.Dense(7)
    match n:
        case 1:
            f = L.Dense(8)
    return [L.Dense(9)]


class Net(keras.Model):
\tdef __init__(self):
\t\tself.dense = L.Dense(10, kernel_initializer="he_normal")
"""


def test_statement_local_positions_match_position_provider(monkeypatch: object) -> None:
    import pytest

    from adnn_lint.scan import scanner
    from adnn_lint.scan.scanner import scan_source

    def no_fallback(*args: object, **kwargs: object) -> object:
        raise AssertionError("fell back to generating the whole module")

    patch = pytest.MonkeyPatch()
    patch.setattr(scanner, "spans_for", no_fallback)
    try:
        module, result = scan_source(TRICKY, "t.py")
    finally:
        patch.undo()
    assert len(result.layers) == 11
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for layer in result.layers:
        nodes = [(layer.node, layer.span)]
        nodes += [(ref.node, ref.span) for ref in layer.initializers if ref.node is not None]
        for node, got in nodes:
            assert node is not None and got is not None
            want = reference[node]
            assert (got.line, got.column - 1, got.end_line, got.end_column - 1) == (
                want.start.line,
                want.start.column,
                want.end.line,
                want.end.column,
            ), module.code_for_node(node)


def test_fast_path_is_silent_about_the_linted_codes_warnings() -> None:
    import warnings

    from adnn_lint.scan.scanner import scan_source

    source = 'import keras\npattern = "\\d+"\nkeras.layers.Dense(4)\n'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, result = scan_source(source, "t.py")
    assert result.layers[0].span.line == 3
    assert not [w for w in caught if "escape sequence" in str(w.message)]
