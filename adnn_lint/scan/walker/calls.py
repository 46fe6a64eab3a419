"""The walker's call section: what a call is (layer, model, operation, seed, compile, fit)."""

from __future__ import annotations

import dataclasses

import libcst as cst

from adnn_lint.knowledge.layer_functions import TF1_CLASS_MODULES, layer_function
from adnn_lint.scan.pending import (
    SEEDS,
    CombinedValue,
    HelperValue,
    LayersValue,
    ModelClassValue,
    ModelValue,
    PartialValue,
    PendingCall,
    PendingSeed,
    TensorValue,
    combine,
)
from adnn_lint.scan.records import (
    Origin,
)
from adnn_lint.scan.syntax import (
    COMPILE_POSITIONAL,
    FIT_POSITIONAL,
    OBJECT_MODULES,
    OPERATION_MODULES,
    PLACEHOLDERS,
    SHAPE_KEEPING,
    foreign,
    inputs_argument,
    keras_layer_class,
    receiver_name,
)
from adnn_lint.scan.values import (
    as_int,
    as_shape,
    literal_or,
)
from adnn_lint.scan.walker.helpers import HelperWalker


class CallWalker(HelperWalker):
    """Tells a call's kind from its qualified name and dispatches it."""

    # --- calls -------------------------------------------------------------------------------

    def _generator_covers(self, node: cst.Call) -> frozenset[str]:
        """``np.random.default_rng(seed)`` leaves NumPy's global state alone, but code that draws
        from the generator it returns is seeded NumPy; without a seed (or ``None``) it is not."""
        seed = next((a for a in node.args if a.keyword is None or a.keyword.value == "seed"), None)
        if seed is None or seed.star:
            return frozenset()
        if isinstance(seed.value, cst.Name) and seed.value.value == "None":
            return frozenset()
        return frozenset({"numpy"})

    def call(self, node: cst.Call) -> None:
        if self.current is not None:
            self.statement_of[id(node)] = self.current
        qualname = self.qualify(node.func)
        if qualname is not None:
            if self.keras_call(node, qualname):
                return
            covers = SEEDS.get(qualname)
            if covers is not None:
                value = as_int(literal_or(node.args[0].value, self.lookup)) if node.args else None
                if qualname == "numpy.random.default_rng":
                    covers = self._generator_covers(node)
                if not self.inline_calls:  # the helper's own walk recorded it once
                    self.seeds.append(
                        PendingSeed(node, qualname, covers, value, self.scope_label())
                    )
                return
            if qualname in ("functools.partial",) and node.args:
                target = self.qualify(node.args[0].value)
                class_name = keras_layer_class(target, self.cat)
                if target is not None and class_name is not None:
                    self.values[id(node)] = PartialValue(class_name, target, node)
                return
        if isinstance(node.func, cst.Name):
            binding = self.lookup(node.func.value)
            if binding is not None and isinstance(binding.value, PartialValue):
                self.make_layer(
                    node, binding.value.class_name, binding.value.qualname, binding.value
                )
                return
            if binding is not None and isinstance(binding.value, HelperValue):
                self.follow(node, binding.value)
                return
            if binding is not None and isinstance(binding.value, ModelClassValue):
                self.models[binding.value.key].instances.append(node)
                self.values[id(node)] = ModelValue(binding.value.key)
                return
        callee = self.value_of(node.func)
        if isinstance(callee, LayersValue):
            self.apply(callee, node)
            return
        if isinstance(node.func, cst.Attribute):
            self.method_call(node, node.func)
        if isinstance(callee, ModelValue):
            self.operation(node, self.model_label(callee.key))
        elif qualname is not None and qualname.split(".")[0] in OPERATION_MODULES:
            self.operation(node, qualname)
        else:
            made_by = self.made_by(node.func)
            if made_by is not None:
                self.operation(node, made_by)

    def made_by(self, node: cst.BaseExpression) -> str | None:
        """``base(x)`` with ``base = keras.applications.ResNet50(...)``, or
        ``hub.KerasLayer(url)(x)``: the qualified name of the Keras/TensorFlow call that made the
        object applied to ``x`` (a model or layer with no record here); None otherwise."""
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            if binding is None or binding.kind != "value" or binding.node is None:
                return None
            node = binding.node
        if not isinstance(node, cst.Call):
            return None
        qualname = self.qualify(node.func)
        if qualname is None or qualname.split(".")[0] not in OBJECT_MODULES:
            return None
        return qualname

    def operation(self, node: cst.Call, name: str) -> None:
        """``tf.nn.max_pool(net, ...)``, ``tf.reshape(net, ...)``, ``CustomLayer()(x)``: an
        operation on tensors that is no catalogued layer. Data still flows through it (so the
        layers before still feed the layers after); its name is kept, because a spec of the
        layers alone would rebuild a different model."""
        tensors: list[TensorValue] = []
        for arg in node.args:
            value = self.value_of(arg.value)
            if isinstance(value, CombinedValue):
                value = combine([item for item in value.items if isinstance(item, TensorValue)])
            if isinstance(value, TensorValue):
                tensors.append(value)
        if not tensors:
            return
        producers = tuple(dict.fromkeys(p for t in tensors for p in t.producers))
        ops = tuple(dict.fromkeys(op for t in tensors for op in (*t.ops, name)))
        last = name.rsplit(".", 1)[-1]
        if last in SHAPE_KEEPING and len(tensors) == 1:
            activation = self.cat.resolve_activation(last)
            if (
                activation is not None
                and len(producers) == 1
                and not tensors[0].ops
                and self.fold_activation(producers[0], activation)
            ):
                # the layer's own activation now: nothing between it and the next layer
                self.values[id(node)] = tensors[0]
                return
            self.values[id(node)] = dataclasses.replace(tensors[0], ops=ops)
            return
        shape = None
        if last == "reshape" and len(node.args) > 1:
            found = as_shape(literal_or(node.args[1].value, self.lookup))
            shape = found[1:] if found else None
        self.values[id(node)] = TensorValue(producers, shape, ops, reshaped=True)

    def fold_activation(self, layer_id: str, activation: str) -> bool:
        """``tf.nn.relu(tf.layers.dense(x, 64))``: the linear layer's output is activated, as
        if the layer had ``activation="relu"``; the result is the layer's output tensor."""
        pending = self.layers[layer_id]
        record = pending.record
        linear = record.trainable and record.activation == "linear"
        if not (linear and record.activation_origin is Origin.IMPLICIT):
            return False
        if any(u.what == "layer" and u.layer_id == layer_id for u in self.unresolved):
            return False  # *args/**kwargs may set its activation already
        pending.record = dataclasses.replace(record, activation=activation)
        return True

    def keras_call(self, node: cst.Call, qualname: str) -> bool:
        class_name = keras_layer_class(qualname, self.cat)
        if class_name is not None:
            tf1 = qualname.rpartition(".")[0] in TF1_CLASS_MODULES
            self.make_layer(node, class_name, qualname, None, graph_mode=tf1)
            return True
        function = layer_function(qualname)
        if function is not None:
            # tf.layers.dense(x, 64), layers.add([x, h]): the layer, applied to its inputs
            inputs = inputs_argument(node)
            layer_id = self.make_layer(node, function.class_name, qualname, None, function)
            self.apply(LayersValue((layer_id,)), node, () if inputs is None else (inputs,))
            return True
        if qualname in PLACEHOLDERS:
            # tf.placeholder(tf.float32, [None, 784]): a model input, batch dimension first
            shape = next(
                (
                    as_shape(literal_or(arg.value, self.lookup))
                    for index, arg in enumerate(node.args)
                    if (arg.keyword is None and index == 1)
                    or (arg.keyword is not None and arg.keyword.value == "shape")
                ),
                None,
            )
            self.values[id(node)] = TensorValue((), shape[1:] if shape else None)
            return True
        parts = qualname.split(".")
        if parts[0] != "keras":
            return False
        last = parts[-1]
        if last == "Input":
            shape = self.input_shape_of(node, ("shape", "batch_shape", "batch_input_shape"))
            self.values[id(node)] = TensorValue((), shape)
            return True
        if last == "Sequential":
            self.sequential(node)
            return True
        if last == "Model" and len(parts) >= 2:
            self.functional(node)
            return True
        return False

    def method_call(self, node: cst.Call, func: cst.Attribute) -> None:
        method = func.attr.value
        receiver_value = self.value_of(func.value)
        if method == "add" and isinstance(receiver_value, ModelValue):
            model = self.models[receiver_value.key]
            if node.args:
                added = self.value_of(node.args[0].value)
                self.extend_sequential(model, added)
            return
        if method in ("compile", "fit"):
            receiver = receiver_name(func.value)
            if receiver_value is None and receiver is None:
                return
            built_by = self.constructor_of(func.value)
            if method == "compile" and foreign(built_by):
                return  # pattern.compile() of re, ...: not a Keras model
            arguments = self.call_arguments(
                node, COMPILE_POSITIONAL if method == "compile" else FIT_POSITIONAL
            )
            call = PendingCall(
                node,
                arguments,
                receiver,
                self.scope_label(),
                receiver_value.key if isinstance(receiver_value, ModelValue) else None,
                # whether a fit() trains is ADNN201's judgement, from what we know
                built_by if method == "fit" else None,
            )
            if not self.inline_calls:  # the helper's own walk recorded it once
                (self.compiles if method == "compile" else self.fits).append(call)
        elif method in ("load_weights", "set_weights"):
            # the model's initial values are overwritten: how it was initialized stops mattering
            receiver = receiver_name(func.value)
            if (receiver_value is not None or receiver is not None) and not self.inline_calls:
                key = receiver_value.key if isinstance(receiver_value, ModelValue) else None
                built_by = self.constructor_of(func.value)
                self.weight_loads.append(
                    PendingCall(node, {}, receiver, self.scope_label(), key, built_by)
                )

    def constructor_of(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of the imported callable that built the object a name is bound to
        (``sklearn.preprocessing.StandardScaler`` for ``scaler = StandardScaler()``); None for
        anything else (a parameter, a local builder function, an attribute)."""
        if not isinstance(node, cst.Name):
            return None
        binding = self.lookup(node.value)
        if binding is None or not isinstance(binding.node, cst.Call):
            return None
        return self.qualify(binding.node.func)
