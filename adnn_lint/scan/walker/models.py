"""The walker's model section: Sequential, functional and subclassed models."""

from __future__ import annotations

import itertools

import libcst as cst

from adnn_lint.scan.pending import (
    ClassContext,
    CombinedValue,
    LayersValue,
    ModelValue,
    PendingModel,
    TensorValue,
    WalkValue,
)
from adnn_lint.scan.records import (
    ModelKind,
)
from adnn_lint.scan.syntax import (
    graph_order,
)
from adnn_lint.scan.walker.layers import LayerWalker


class ModelWalker(LayerWalker):
    """Groups layers into models with their edges."""

    # --- models ------------------------------------------------------------------------------

    def new_model(self, name: str, kind: ModelKind, node: cst.CSTNode) -> int:
        self.model_counter += 1
        model = PendingModel(self.model_counter, name, kind, node)
        model.hint = self.function_names[-1] if self.function_names else ""
        self.models[self.model_counter] = model
        return self.model_counter

    def sequential(self, node: cst.Call) -> None:
        key = self.new_model("", "sequential", node)
        model = self.models[key]
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value == "layers":
                self.extend_sequential(model, self.value_of(arg.value))
                break
        self.values[id(node)] = ModelValue(key)

    def extend_sequential(self, model: PendingModel, added: WalkValue | None) -> None:
        if isinstance(added, TensorValue) and not added.producers:  # keras.Input(shape=...)
            model.input_shape = added.shape
            return
        if isinstance(added, CombinedValue):
            for item in added.items:
                self.extend_sequential(model, item)
            return
        if isinstance(added, ModelValue):
            # a custom layer (a keras.layers.Layer subclass) or a nested model: no layer
            # record, so the flow through it and its weights are not known
            model.ops = (*model.ops, self.model_label(added.key))
            model.edges_known = False
            return
        if not isinstance(added, LayersValue):
            if added is None:
                # Something the scanner cannot read (a helper's return value, an opaque name):
                # the layer list is incomplete, and the spec must say so rather than guess.
                model.edges_known = False
            return
        for layer_id in added.ids:
            if model.layer_ids:
                model.edges.append((model.layer_ids[-1], layer_id))
            model.layer_ids.append(layer_id)
            self.layers[layer_id].model = model.key

    def functional(self, node: cst.Call) -> None:
        arguments = self.call_arguments(node, ("inputs", "outputs"))
        inputs = arguments.get("inputs")
        outputs = arguments.get("outputs")
        if not isinstance(outputs, cst.BaseExpression):
            return
        out_value = self.value_of(outputs)
        if not isinstance(out_value, TensorValue) or not out_value.producers:
            # no layer of this file reaches the outputs (gan = Model(z, disc(gen(z))) over
            # two models): nothing to list
            return
        key = self.new_model("", "functional", node)
        model = self.models[key]
        model.ops = out_value.ops
        if isinstance(inputs, cst.BaseExpression):
            in_value = self.value_of(inputs)
            if isinstance(in_value, TensorValue) and in_value.shape is not None:
                model.input_shape = in_value.shape
        predecessors = self.predecessors()
        seen: set[str] = set()
        stack = list(out_value.producers)
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(predecessors.get(current, ()))
        model.edges = self.edges_within(seen)
        model.layer_ids = graph_order(seen, model.edges)
        for layer_id in seen:
            self.layers[layer_id].model = key
        self.values[id(node)] = ModelValue(key)

    def predecessors(self) -> dict[str, list[str]]:
        """Every layer's producers so far. Indexed incrementally: each Model() call asks, and
        rescanning all edges per model made a file of many models quadratic."""
        for src, dst in self.edges[self._indexed :]:
            self._predecessors.setdefault(dst, []).append(src)
        self._indexed = len(self.edges)
        return self._predecessors

    def edges_within(self, inside: set[str]) -> list[tuple[str, str]]:
        """The data-flow edges between layers of ``inside``, sorted and without repeats."""
        predecessors = self.predecessors()
        return sorted({(s, d) for d in inside for s in predecessors.get(d, ()) if s in inside})

    def finish_subclassed(self, context: ClassContext) -> None:
        assert context.model is not None
        model = self.models[context.model]
        created = [i for i in context.created if self.layers[i].record.wrapped_by is None]
        model.layer_ids = created
        model.edges = self.edges_within(set(created))
        if not model.edges and len(created) > 1:
            model.edges = list(itertools.pairwise(created))
            model.edges_known = False
        for layer_id in context.created:
            self.layers[layer_id].model = context.model

    def group_unassigned(self) -> None:
        """Functional layers never passed to a Model() call: one model per enclosing scope."""
        by_scope: dict[str, list[str]] = {}
        for layer_id, pending in self.layers.items():
            if (
                pending.model is None
                and pending.record.wrapped_by is None
                and layer_id in self.applied
            ):
                by_scope.setdefault(self.applied[layer_id], []).append(layer_id)
        for scope, ids in by_scope.items():
            name = scope.split(":", 1)[1] if ":" in scope else "<module>"
            first = self.layer_nodes[ids[0]]
            key = self.new_model(name, "functional", first)
            model = self.models[key]
            model.edges = self.edges_within(set(ids))
            model.layer_ids = graph_order(ids, model.edges)
            for layer_id in ids:
                self.layers[layer_id].model = key

    def finish_wrapped(self) -> None:
        for pending in self.layers.values():
            wrapper = pending.record.wrapped_by
            if wrapper is not None and pending.model is None:
                pending.model = self.layers[wrapper].model
