"""Small, stateless questions about LibCST nodes and qualified names that the walk asks."""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Collection, Iterable, Sequence
from functools import cache

import libcst as cst

from adnn_lint.knowledge.catalog import Catalog, LayerInfo
from adnn_lint.knowledge.layer_functions import TF1_CLASS_MODULES, LayerFunction
from adnn_lint.knowledge.layers import INPUT_SHAPE_ARGUMENTS
from adnn_lint.scan.names import (
    Binding,
    Scope,
    dotted_parts,
)
from adnn_lint.scan.values import (
    Lookup,
    NotLiteral,
    literal,
)


def keras1_positional_kernel(call: cst.Call, raw: Sequence[cst.Arg]) -> bool:
    """``Convolution2D(32, 3, 3)``: Keras 1's (nb_filter, nb_row, nb_col), which Keras 2 still
    read that way; under the Keras 2 name ``Conv2D(32, 3, 3)`` the third is ``strides``."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    match = re.fullmatch(r"(?:Atrous)?Convolution([23])D", str(name))
    if match is None:
        return False
    positional = [arg for arg in raw if arg.keyword is None and not arg.star]
    return len(positional) >= int(match.group(1)) + 1


#: Modules whose functions, applied to tensors, are operations between layers.
OPERATION_MODULES = frozenset({"tensorflow", "keras", "tf_slim"})
#: Libraries whose objects, called on tensors, are models or layers (keras.applications.*).
OBJECT_MODULES = frozenset({"keras", "tensorflow", "tensorflow_hub", "tf_slim"})
#: Operations (last name) that keep their input's shape: activations, dropout, normalizations.
SHAPE_KEEPING = frozenset(
    {
        "relu", "relu6", "elu", "selu", "tanh", "sigmoid", "softplus", "softsign", "leaky_relu",
        "swish", "silu", "gelu", "softmax", "dropout", "lrn", "local_response_normalization",
        "bias_add", "identity", "batch_normalization", "batch_norm", "l2_normalize",
    }
)  # fmt: skip
PLACEHOLDERS = frozenset({"tensorflow.placeholder", "tensorflow.compat.v1.placeholder"})
FIT_POSITIONAL = ("x", "y", "batch_size", "epochs")
COMPILE_POSITIONAL = ("optimizer", "loss")
#: Arguments a rebuilt layer does without when they are not literal: its name and dtype (a
#: rebuild names and types its layers itself), and the input shape (the spec marks that itself).
NOT_REBUILT = frozenset({"name", "dtype", *INPUT_SHAPE_ARGUMENTS, "input_length"})
#: Keras 1 keywords whose presence marks Keras 1 positional conventions.
KERAS1_MARKERS = frozenset({"init", "border_mode", "subsample", "nb_row", "nb_col", "dim_ordering"})


def graph_order(ids: Iterable[str], edges: Sequence[tuple[str, str]]) -> list[str]:
    """Layer ids in creation order, except that a layer comes after the layers feeding it:
    ``Activation("relu")(layers.add([x, h]))`` creates the Activation before the Add."""
    number = {layer_id: int(layer_id[1:]) for layer_id in ids}
    waiting = dict.fromkeys(number, 0)
    successors: dict[str, list[str]] = {}
    for src, dst in edges:
        if src in number and dst in number:
            waiting[dst] += 1
            successors.setdefault(src, []).append(dst)
    ready = [(n, i) for i, n in number.items() if not waiting[i]]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, layer_id = heapq.heappop(ready)
        order.append(layer_id)
        for dst in successors.get(layer_id, ()):
            waiting[dst] -= 1
            if not waiting[dst]:
                heapq.heappush(ready, (number[dst], dst))
    # a cycle (a scanner misreading): its layers keep creation order after the rest
    placed = set(order)
    return order + sorted((i for i in number if i not in placed), key=number.__getitem__)


def function_defaults(
    args: dict[str, cst.BaseExpression], info: LayerInfo, function: LayerFunction
) -> LayerInfo:
    """Apply a layer function's own conventions to ``args``, and the layer info that follows:
    what ``None`` means for its initializers, its other defaults, the arguments that do not
    change the layer."""
    defaults = {arg.argument: arg.default for arg in info.initializer_args}
    for arg in info.initializer_args:
        written = args.get(arg.argument)
        if not (isinstance(written, cst.Name) and written.value == "None"):
            continue
        del args[arg.argument]
        if function.none_bias_drops_bias and arg.role == "bias":
            args["use_bias"] = cst.Name("False")
        elif function.none_initializer is not None:
            defaults[arg.argument] = function.none_initializer
    for name, value in function.defaults.items():
        args.setdefault(name, literal_node(value))
    for name in function.ignored:
        args.pop(name, None)
    initializer_args = tuple(
        dataclasses.replace(arg, default=defaults[arg.argument]) for arg in info.initializer_args
    )
    return dataclasses.replace(info, initializer_args=initializer_args)


def inputs_argument(node: cst.Call) -> cst.Arg | None:
    """The input tensors of a function that builds and applies a layer: ``inputs=`` or the
    first positional argument."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == "inputs":
            return arg
    return next((arg for arg in node.args if arg.keyword is None and not arg.star), None)


def no_names(_name: str) -> Binding | None:
    return None


def literal_node(value: object) -> cst.BaseExpression:
    """A node that evaluates to ``value`` (a literal the scanner already read)."""
    return cst.parse_expression(repr(value))


def same_names(
    node: cst.BaseExpression, caller: Scope, helper: Scope, shadowed: Collection[str]
) -> bool:
    """Every name in ``node`` (``keras.initializers.HeNormal(seed=1)``, a module-level
    ``init``) means the same binding at the call and inside the helper (where ``shadowed``,
    its parameters, hide the outer names), so the helper may read the argument as written."""
    return all(
        n.value not in shadowed
        and (found := caller.lookup(n.value)) is not None
        and helper.lookup(n.value) is found
        for n in names_in(node)
    )


def names_in(node: cst.CSTNode) -> Iterable[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
        return
    if isinstance(node, cst.Attribute):
        yield from names_in(node.value)  # `keras.layers`: only the root is a name
        return
    if isinstance(node, cst.Arg):
        yield from names_in(node.value)  # `seed=1`: the keyword is no name to look up
        return
    for child in child_nodes(node):
        yield from names_in(child)


def keras_layer_class(qualname: str | None, cat: Catalog) -> str | None:
    if not qualname:
        return None
    module, _, name = qualname.rpartition(".")
    if module in TF1_CLASS_MODULES:  # tf.layers.Dense: TF 1's Keras layer classes
        return name if cat.layer(name) is not None else None
    parts = qualname.split(".")
    if parts[0] != "keras" or "layers" not in parts[1:-1]:
        return None
    return parts[-1] if cat.layer(parts[-1]) is not None else None


def is_keras_model_base(qualname: str | None) -> bool:
    if not qualname:
        return False
    parts = qualname.split(".")
    return parts[0] == "keras" and parts[-1] in ("Model", "Layer", "Sequential")


def foreign(qualname: str | None) -> bool:
    """Built by an imported library other than Keras and TensorFlow."""
    return qualname is not None and qualname.split(".")[0] not in ("keras", "tensorflow")


def receiver_name(node: cst.BaseExpression) -> str | None:
    parts = dotted_parts(node)
    return ".".join(parts) if parts else None


def is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left = test.left
    right = test.comparisons[0].comparator
    names = {n.value for n in (left, right) if isinstance(n, cst.Name)}
    strings = {s.evaluated_value for s in (left, right) if isinstance(s, cst.SimpleString)}
    return names == {"__name__"} and strings == {"__main__"}


def trip_count(node: cst.BaseExpression, lookup: Lookup) -> int | None:
    """range(n) / range(a, b) / a literal list: how often a loop body runs."""
    if isinstance(node, cst.List | cst.Tuple):
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            return None
        return len(node.elements)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "range"
    ):
        try:
            values = [literal(arg.value, lookup) for arg in node.args]
        except NotLiteral:
            return None
        ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if not ints or len(ints) != len(values) or len(ints) > 3:
            return None
        return len(range(*ints))
    return None


def comp_ifs(comp: cst.CompFor | None) -> Iterable[cst.CompIf]:
    while comp is not None:
        yield from comp.ifs
        comp = comp.inner_for_in


SKIP_PREFIXES = (
    "whitespace",
    "lpar",
    "rpar",
    "leading_lines",
    "lines_after_decorators",
    "comma",
    "semicolon",
    "header",
    "footer",
    "trailing_whitespace",
    "equal",
    "colon",
    "operator",
    "newline",
    "indent",
    "dot",
    "default_",
    "encoding",
    "has_trailing",
    "first_line",
    "asynchronous",
    "star",
)


@cache
def child_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if not f.name.startswith(SKIP_PREFIXES))


def child_nodes(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """Direct children that can hold code (not whitespace, commas, parentheses)."""
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            if isinstance(value, cst.Arg | cst.Element | cst.DictElement | cst.StarredDictElement):
                yield from child_nodes(value)
            else:
                yield value
        elif isinstance(value, tuple | list):
            for item in value:
                if isinstance(
                    item,
                    cst.Arg
                    | cst.Element
                    | cst.DictElement
                    | cst.StarredDictElement
                    | cst.Param
                    | cst.Decorator
                    | cst.SubscriptElement
                    | cst.Index
                    | cst.Slice
                    | cst.MatchCase
                    | cst.ExceptHandler
                    | cst.ExceptStarHandler
                    | cst.ComparisonTarget
                    | cst.ImportAlias
                    | cst.WithItem
                    | cst.FormattedStringExpression,
                ):
                    yield from child_nodes(item)
                elif isinstance(item, cst.CSTNode):
                    yield item
