"""Selective positions agree with LibCST's PositionProvider."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from adnn_lint.scan_positions import spans_for

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
