"""The walker's layer section: a Keras layer call becomes a layer record."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import libcst as cst

from adnn_lint.knowledge.catalog import LayerInfo
from adnn_lint.knowledge.layer_functions import LayerFunction
from adnn_lint.knowledge.layers import INPUT_SHAPE_ARGUMENTS, SHAPE_ARGUMENTS
from adnn_lint.scan.initializers import resolve_activation, resolve_initializer
from adnn_lint.scan.pending import (
    NO_NODE,
    CombinedValue,
    LayersValue,
    PartialValue,
    PendingLayer,
    PendingUnresolved,
    TensorValue,
    combine,
)
from adnn_lint.scan.records import (
    InitializerRef,
    LayerRecord,
    Origin,
    ParamValue,
    Span,
)
from adnn_lint.scan.syntax import (
    KERAS1_MARKERS,
    NOT_REBUILT,
    function_defaults,
    inputs_argument,
    keras1_positional_kernel,
)
from adnn_lint.scan.values import (
    as_int,
    as_param,
    as_shape,
    is_known,
    literal_or,
)
from adnn_lint.scan.walker.base import WalkerBase


class LayerWalker(WalkerBase):
    """Makes layer records from layer calls and applies layers to tensors."""

    # --- layers ------------------------------------------------------------------------------

    def make_layer(
        self,
        node: cst.Call,
        class_name: str,
        qualname: str,
        partial: PartialValue | None,
        function: LayerFunction | None = None,
        *,
        graph_mode: bool = False,
    ) -> str:
        """A layer record for ``node``; ``function``: the call is a function that builds the
        layer and applies it to its first argument (``tf.layers.dense(x, 64)``); ``graph_mode``:
        a TF 1 layer (see ``LayerFunction.graph_mode``)."""
        info = self.cat.layer(class_name)
        assert info is not None
        layer_id = f"L{len(self.layers) + 1}"
        if graph_mode or (function is not None and function.graph_mode):
            self.graph_mode.add(layer_id)
        if function is None:
            args, problems = self.layer_arguments(node, info, partial)
        else:
            info = dataclasses.replace(
                info,
                positional=function.positional,
                activation_default=function.activation_default or info.activation_default,
            )
            args, problems = self.layer_arguments(node, info, partial, function)
            info = function_defaults(args, info, function)
            if function.keywords:
                self.no_fix.add(layer_id)  # contrib: a Keras name is no initializer there
        record = self.layer_record(layer_id, class_name, qualname, info, node, args, problems)
        self.layers[layer_id] = PendingLayer(record)
        self.layer_nodes[layer_id] = node
        self.values[id(node)] = LayersValue((layer_id,))
        if info.wrapper:
            wrapped = self.value_of(args["layer"]) if "layer" in args else None
            if isinstance(wrapped, LayersValue) and len(wrapped.ids) == 1:
                inner = wrapped.ids[0]
                self.layers[layer_id].record = dataclasses.replace(record, wraps=inner)
                inner_record = self.layers[inner].record
                self.layers[inner].record = dataclasses.replace(inner_record, wrapped_by=layer_id)
        if self.class_stack and self.class_stack[-1].model is not None:
            self.class_stack[-1].created.append(layer_id)
        return layer_id

    def layer_arguments(
        self,
        node: cst.Call,
        info: LayerInfo,
        partial: PartialValue | None,
        function: LayerFunction | None = None,
    ) -> tuple[dict[str, cst.BaseExpression], list[str]]:
        """Argument name -> value expression, with legacy keywords mapped; and what is unknown.
        A layer ``function`` takes its input tensors first, and may name arguments its own way."""
        inputs = inputs_argument(node) if function is not None else None
        renames = function.keywords if function is not None else {}
        calls = [partial.call, node] if partial is not None else [node]
        args: dict[str, cst.BaseExpression] = {}
        problems: list[str] = []
        for index, call in enumerate(calls):
            # functools.partial(Dense, ...): its first positional argument is the class.
            raw = list(call.args[1:] if partial is not None and index == 0 else call.args)
            raw = [arg for arg in raw if arg is not inputs]
            keywords = {arg.keyword.value for arg in raw if arg.keyword is not None}
            positional_names = list(info.positional)
            keras1 = keywords & KERAS1_MARKERS or keras1_positional_kernel(call, raw)
            if keras1 and info.kernel_size_arg and len(info.positional) > 2:
                # Keras 1: Convolution2D(nb_filter, nb_row, nb_col, ...)
                positional_names = [info.positional[0], "nb_row", "nb_col", "nb_depth"]
            position = 0
            for arg in raw:
                if arg.star == "**":
                    expanded = self.double_star(arg.value)
                    if expanded is None:
                        problems.append("**kwargs not a dict literal")
                    else:
                        args.update(expanded)
                elif arg.star == "*":
                    problems.append("*args")
                elif arg.keyword is not None:
                    keyword = renames.get(arg.keyword.value, arg.keyword.value)
                    args[self.canonical_argument(keyword, info)] = arg.value
                else:
                    if position < len(positional_names):
                        args[positional_names[position]] = arg.value
                    position += 1
        if "nb_row" in args and "nb_col" in args and "kernel_size" not in args:
            # Keras 1 nb_row, nb_col (, nb_depth) are the kernel size: read them as one tuple
            # (a node built here, never reported, only evaluated).
            dims = [args.pop(name) for name in ("nb_row", "nb_col", "nb_depth") if name in args]
            args["kernel_size"] = cst.Tuple([cst.Element(dim) for dim in dims])
        return args, problems

    def canonical_argument(self, keyword: str, info: LayerInfo) -> str:
        if keyword in info.positional:
            return keyword
        if keyword == "init" and info.initializer_args:
            return info.initializer_args[0].argument
        mapped = self.cat.legacy_arguments.get(keyword)
        if mapped == "units" and info.width_arg is not None:
            return info.width_arg
        return mapped or keyword

    def double_star(self, node: cst.BaseExpression) -> dict[str, cst.BaseExpression] | None:
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            if binding is None or binding.node is None:
                return None
            node = binding.node
        if not isinstance(node, cst.Dict):
            return None
        found: dict[str, cst.BaseExpression] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = literal_or(element.key, self.lookup)
            if not isinstance(key, str):
                return None
            found[key] = element.value
        return found

    def layer_record(
        self,
        layer_id: str,
        class_name: str,
        qualname: str,
        info: LayerInfo,
        node: cst.Call,
        args: dict[str, cst.BaseExpression],
        problems: list[str],
    ) -> LayerRecord:
        for problem in problems:
            self.unresolved.append(
                PendingUnresolved("layer", f"{class_name}: {problem}", node, layer_id)
            )
        width: int | None = None
        if info.width_arg is not None and info.width_arg in args:
            width = as_int(literal_or(args[info.width_arg], self.lookup))
            if width is None:
                self.unresolved.append(
                    PendingUnresolved(
                        "width",
                        f"{info.width_arg} is not a literal int",
                        args[info.width_arg],
                        layer_id,
                    )
                )
        activation, activation_origin = self.layer_activation(info, args, layer_id)
        initializers = tuple(
            self.initializer_ref(
                arg.role,
                arg.argument,
                args.get(arg.argument),
                arg.default,
                layer_id,
                bool(problems),
            )
            for arg in info.initializer_args
        )
        arguments: dict[str, ParamValue] = {}
        shape_arguments: dict[str, tuple[int | None, ...]] = {}
        dropped: list[str] = []
        skip = {info.width_arg, info.activation_arg, *(a.argument for a in info.initializer_args)}
        for name, value_node in args.items():
            if name in skip or name == "layer":
                continue
            value = literal_or(value_node, self.lookup)
            if not is_known(value):
                # (Embedding's first argument, input_dim, is its vocabulary: not a shape)
                if name not in NOT_REBUILT or name in info.positional[:1]:
                    dropped.append(name)  # kernel_regularizer=regularizers.l2(1e-4), ...
                continue
            if name in SHAPE_ARGUMENTS:
                shape = as_shape(value)
                if shape is not None:
                    shape_arguments[name] = shape
                continue
            param = as_param(value)
            if is_known(param):
                arguments[name] = param  # type: ignore[assignment]
        input_shape = self.shape_from_args(args, info)
        return LayerRecord(
            id=layer_id,
            qualname=f"keras.layers.{info.class_name}",
            class_name=class_name,
            span=Span(0, 0, 0, 0),
            width=width,
            width_arg=info.width_arg,
            activation=activation,
            activation_origin=activation_origin,
            initializers=initializers,
            input_shape=input_shape,
            multiplicity=self.multiplicity(),
            trainable=info.trainable,
            arguments=arguments,
            node=node,
            shape_arguments=shape_arguments,
            scope=self.scope_label(),
            dropped=tuple(dropped),
        )

    def layer_activation(
        self, info: LayerInfo, args: dict[str, cst.BaseExpression], layer_id: str
    ) -> tuple[str | None, Origin]:
        if info.activation_layer is not None:
            return info.activation_layer, Origin.EXPLICIT
        if info.activation_arg is None:
            return None, Origin.IMPLICIT
        written = args.get(info.activation_arg)
        if written is None:
            default = info.activation_default
            return (self.cat.resolve_activation(default) if default else None), Origin.IMPLICIT
        found, reason = resolve_activation(written, self.lookup, self.qualify, self.cat)
        if found is None:
            self.unresolved.append(
                PendingUnresolved("activation", reason or "unknown", written, layer_id)
            )
            return None, Origin.UNRESOLVED
        return found, Origin.EXPLICIT

    def initializer_ref(
        self,
        role: str,
        argument: str,
        written: cst.BaseExpression | None,
        default: str | None,
        layer_id: str,
        maybe_hidden: bool,
    ) -> InitializerRef:
        if written is None:
            if maybe_hidden:
                self.unresolved.append(
                    PendingUnresolved(
                        "initializer",
                        f"{argument} may be set by *args/**kwargs",
                        self.layer_nodes.get(layer_id) or NO_NODE,
                        layer_id,
                    )
                )
                return InitializerRef(
                    role=role,
                    argument=argument,
                    origin=Origin.UNRESOLVED,
                    canonical=None,
                    reason=f"{argument} may be set by *args/**kwargs",
                )
            params = dict(self.cat.initializer(default).params) if default else {}
            return InitializerRef(
                role=role,
                argument=argument,
                origin=Origin.IMPLICIT,
                canonical=default,
                params=params,
            )
        resolved = resolve_initializer(
            written, self.lookup, self.qualify, self.cat, tf1=layer_id in self.graph_mode
        )
        if resolved.origin is Origin.UNRESOLVED:
            self.unresolved.append(
                PendingUnresolved("initializer", resolved.reason or "unknown", written, layer_id)
            )
        return InitializerRef(
            role=role,
            argument=argument,
            origin=resolved.origin,
            canonical=resolved.canonical,
            params=resolved.params,
            seed=resolved.seed,
            spelled=resolved.spelled,
            reason=resolved.reason,
            instance=resolved.instance,
            node=written,
        )

    def shape_from_args(
        self, args: dict[str, cst.BaseExpression], info: LayerInfo
    ) -> tuple[int | None, ...] | None:
        for name in INPUT_SHAPE_ARGUMENTS:
            if name not in args or name in info.positional:
                continue
            shape = as_shape(literal_or(args[name], self.lookup))
            if shape is None:
                continue
            if name in ("batch_input_shape", "batch_shape"):
                return shape[1:]
            return shape
        if "input_length" in args and info.class_name == "Embedding":
            length = as_int(literal_or(args["input_length"], self.lookup))
            return (length,) if length is not None else None
        return None

    def input_shape_of(self, node: cst.Call, names: Sequence[str]) -> tuple[int | None, ...] | None:
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else "shape"
            if keyword in names:
                shape = as_shape(literal_or(arg.value, self.lookup))
                if shape is not None:
                    return shape[1:] if keyword != "shape" else shape
        return None

    def apply(
        self, layers: LayersValue, node: cst.Call, args: Sequence[cst.Arg] | None = None
    ) -> None:
        """``layer(x)``: data flows from x's producers into each applied layer. ``args`` are
        the call's arguments that hold tensors (default: all of them)."""
        producers: list[str] = []
        shape: tuple[int | None, ...] | None = None
        ops: dict[str, None] = {}
        reshaped = False
        for index, arg in enumerate(node.args if args is None else args):
            value = self.value_of(arg.value)
            if isinstance(value, CombinedValue):
                # `add([shortcut, y])` with a shortcut the scanner cannot follow (a helper's
                # parameter in its own walk): the branches it can follow still feed the merge.
                tensors = [item for item in value.items if isinstance(item, TensorValue)]
                value = combine(tensors) if tensors else None
            if not isinstance(value, TensorValue):
                continue
            # Keyword tensors (initial_state=, mask=) feed the layer too; the shape is the
            # first input's.
            producers.extend(p for p in value.producers if p not in producers)
            ops.update(dict.fromkeys(value.ops))
            first = index == 0 and (arg.keyword is None or arg.keyword.value == "inputs")
            if first and (not value.producers or value.reshaped):
                shape, reshaped = value.shape, value.reshaped
        # Several layers applied through one name (a loop over a list of layers) run in order.
        for layer_id in layers.ids:
            for producer in producers:
                if producer != layer_id:
                    self.edges.append((producer, layer_id))
            self.applied.setdefault(layer_id, self.scope_label())
            if shape is not None:
                self.applied_input_shape.setdefault(layer_id, shape)
            if ops:
                self.after_ops.setdefault(layer_id, {}).update(ops)
            if reshaped:
                self.reshaped_input.add(layer_id)
            producers, shape, ops, reshaped = [layer_id], None, {}, False
        self.values[id(node)] = TensorValue(layers.ids[-1:] if layers.ids else ())
