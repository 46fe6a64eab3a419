"""Find every Keras layer, its initializers, the models, seeds and compile()/fit() in one file.

``scan_source(source, path)`` parses once with LibCST and walks the tree once, in source order,
tracking imports and assignments per scope (``adnn_lint.scan_names``) so that a call is matched
to a Keras layer only through its qualified name: ``keras.layers.Dense``, ``tf.keras.layers.Dense``,
``from tensorflow.keras import layers``, ``tf_keras``, ``keras.src...``; never a local ``Dense``,
``torch.nn.Linear`` or a shadowed name. Arguments are read from keywords, positions (the catalog
knows each class's positional order), ``**{...}`` literals, names bound earlier, and
``functools.partial``. Layers are grouped into models (Sequential lists and ``add``, the
functional API, subclassed models) with their edges; ``adnn_lint.graph`` then fills fan-in,
fan-out, depth and ``feeds_trainable``. Positions are computed only for what is reported
(``adnn_lint.scan_positions``).

The walk is written by hand rather than as a ``CSTVisitor``: LibCST's visitor dispatch costs
about 2x the parse on its own (1.40 s against 0.64 s on the Keras application sources), and
the scanner only needs statements, calls and the expressions around them.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import libcst as cst

from adnn_lint.knowledge.catalog import Catalog, LayerInfo, load_catalog
from adnn_lint.knowledge.defaults import SGD_ARGUMENTS
from adnn_lint.knowledge.layer_functions import TF1_CLASS_MODULES, LayerFunction, layer_function
from adnn_lint.knowledge.layers import INPUT_SHAPE_ARGUMENTS, SHAPE_ARGUMENTS
from adnn_lint.knowledge.naming import snake_case
from adnn_lint.records import (
    CompileCall,
    FitCall,
    InitializerRef,
    LayerRecord,
    ModelKind,
    ModelRecord,
    Origin,
    ParamValue,
    ScanResult,
    SeedCall,
    Span,
    Unresolved,
)
from adnn_lint.scan_names import (
    Binding,
    Scope,
    bind_import,
    bind_import_from,
    dotted_parts,
    normalize,
)
from adnn_lint.scan_positions import spans_for, spans_in_statements
from adnn_lint.scan_values import (
    Lookup,
    NotLiteral,
    as_int,
    as_param,
    as_shape,
    is_known,
    literal,
    literal_or,
    resolve_activation,
    resolve_initializer,
)

_MENTIONS = re.compile(r"\b(?:keras|tensorflow|tf_keras)\b")


def mentions_keras(source: str) -> bool:
    """Cheap pre-filter: files that never name Keras/TensorFlow are not parsed at all."""
    return _MENTIONS.search(source) is not None


# --- values the walk attaches to expressions -----------------------------------------------------


@dataclass(frozen=True)
class _Layers:
    ids: tuple[str, ...]  # one layer object, or a list of them in order


@dataclass(frozen=True)
class _Tensor:
    producers: tuple[str, ...]  # layers whose output this is ((): a model input)
    # known for Input(shape=...), and after tf.reshape(t, literal) (then ``reshaped``)
    shape: tuple[int | None, ...] | None = None
    # operations between the producers and here that are no layer (tf.nn.max_pool, a custom
    # layer): the data still flows, but a spec of the layers cannot rebuild them
    ops: tuple[str, ...] = ()
    reshaped: bool = False  # one of ``ops`` may change the shape: ``shape`` is all we know


@dataclass(frozen=True)
class _Model:
    key: int


@dataclass(frozen=True)
class _ModelClass:
    """A class that subclasses ``keras.Model`` (or ``keras.layers.Layer``): calling it makes
    that model (or custom layer)."""

    key: int


@dataclass(frozen=True)
class _Helper:
    """A local function that builds and returns layers (or applies them to its input): each
    call is walked again with the caller's arguments, so its layers join the caller's model."""

    node: cst.FunctionDef
    scope: Scope  # where it was defined: its body's names resolve from there


#: Nested helper calls followed at most this deep (a recursive helper stops here).
_INLINE_DEPTH = 4


@dataclass(frozen=True)
class _Partial:
    class_name: str
    qualname: str
    call: cst.Call


#: Seeding functions (normalized qualified name) -> what they seed.
_SEEDS: dict[str, frozenset[str]] = {
    "keras.utils.set_random_seed": frozenset({"python", "numpy", "tensorflow"}),
    "keras.src.utils.rng_utils.set_random_seed": frozenset({"python", "numpy", "tensorflow"}),
    "tensorflow.random.set_seed": frozenset({"tensorflow"}),
    "tensorflow.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.random.set_random_seed": frozenset({"tensorflow"}),
    "numpy.random.seed": frozenset({"numpy"}),
    "numpy.random.default_rng": frozenset(),
    "random.seed": frozenset({"python"}),
    "tensorflow.config.experimental.enable_op_determinism": frozenset({"ops"}),
}


def _keras1_positional_kernel(call: cst.Call, raw: Sequence[cst.Arg]) -> bool:
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
_OPERATION_MODULES = frozenset({"tensorflow", "keras", "tf_slim"})
#: Libraries whose objects, called on tensors, are models or layers (keras.applications.*).
_OBJECT_MODULES = frozenset({"keras", "tensorflow", "tensorflow_hub", "tf_slim"})
#: Operations (last name) that keep their input's shape: activations, dropout, normalizations.
_SHAPE_KEEPING = frozenset(
    {
        "relu", "relu6", "elu", "selu", "tanh", "sigmoid", "softplus", "softsign", "leaky_relu",
        "swish", "silu", "gelu", "softmax", "dropout", "lrn", "local_response_normalization",
        "bias_add", "identity", "batch_normalization", "batch_norm", "l2_normalize",
    }
)  # fmt: skip
_PLACEHOLDERS = frozenset({"tensorflow.placeholder", "tensorflow.compat.v1.placeholder"})
_FIT_POSITIONAL = ("x", "y", "batch_size", "epochs")
_COMPILE_POSITIONAL = ("optimizer", "loss")
#: Arguments a rebuilt layer does without when they are not literal: its name and dtype (a
#: rebuild names and types its layers itself), and the input shape (the spec marks that itself).
_NOT_REBUILT = frozenset({"name", "dtype", *INPUT_SHAPE_ARGUMENTS, "input_length"})
#: Keras 1 keywords whose presence marks Keras 1 positional conventions.
_KERAS1_MARKERS = frozenset(
    {"init", "border_mode", "subsample", "nb_row", "nb_col", "dim_ordering"}
)


@dataclass
class _PendingLayer:
    record: LayerRecord
    model: int | None = None


@dataclass
class _PendingModel:
    key: int
    name: str
    kind: ModelKind
    node: cst.CSTNode
    layer_ids: list[str] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    input_shape: tuple[int | None, ...] | None = None
    edges_known: bool = True
    instances: list[cst.Call] = field(default_factory=list)  # Net() of a subclassed model
    ops: tuple[str, ...] = ()  # operations that are no layer on the way to its outputs
    hint: str = ""  # the enclosing function: names a model that is returned, not assigned


class _Walker:
    def __init__(self, path: str, cat: Catalog) -> None:
        self.path = path
        self.cat = cat
        self.scope = Scope("module", "<module>")
        self.loops: list[int | None] = []
        self.main_guard = 0
        self.function_names: list[str] = []
        self.class_stack: list[_ClassContext] = []
        self.values: dict[int, object] = {}  # id(call node) -> _Layers/_Tensor/_Model/_Partial
        self.layers: dict[str, _PendingLayer] = {}
        self.layer_nodes: dict[str, cst.Call] = {}
        self.models: dict[int, _PendingModel] = {}
        self.applied: dict[str, str] = {}  # layer id -> scope label where it was applied
        self.edges: list[tuple[str, str]] = []
        # dst -> srcs over self.edges[:_indexed]; extended on demand (see predecessors()).
        self._predecessors: dict[str, list[str]] = {}
        self._indexed = 0
        self.applied_input_shape: dict[str, tuple[int | None, ...]] = {}
        self.compiles: list[tuple[cst.Call, dict[str, object]]] = []
        self.fits: list[tuple[cst.Call, dict[str, object]]] = []
        self.seeds: list[tuple[cst.Call, str, frozenset[str], int | None, str]] = []
        self.unresolved: list[tuple[str, str, cst.CSTNode, str | None]] = []
        self.binding_counter = 0
        self.model_counter = 0
        self.model_names: dict[int, str] = {}
        self.current: cst.CSTNode | None = None  # the statement being walked
        self.statement_of: dict[int, cst.CSTNode] = {}  # id(call or class) -> its statement
        self.returns: list[list[object]] = []  # per function being walked: its return values
        self.inline_calls: list[cst.Call] = []  # the helper calls being followed, outermost first
        self.inlined_at: dict[str, cst.Call] = {}  # layer id -> the call site that created it
        self.helper_layers: dict[int, list[str]] = {}  # id(def) -> layers its own walk created
        self.followed: set[int] = set()  # id(def) of helpers followed at some call
        self.no_fix: set[str] = set()  # layers whose arguments take no Keras initializer names
        self.graph_mode: set[str] = set()  # TF 1 layers: see LayerFunction.graph_mode
        # layer id -> operations that are no layer between it and the layers feeding it
        self.after_ops: dict[str, dict[str, None]] = {}
        self.reshaped_input: set[str] = set()  # ... one of which may change the input's shape

    # --- names ------------------------------------------------------------------------------

    def lookup(self, name: str) -> Binding | None:
        return self.scope.lookup(name)

    def qualify(self, node: cst.BaseExpression, depth: int = 0) -> str | None:
        parts = dotted_parts(node)
        if parts is None:
            return None
        binding = self.scope.lookup(parts[0])
        if binding is None:
            for star in self.scope.star_modules():
                if self._star_provides(star, parts[0]):
                    return normalize(".".join([star, *parts]))
            return None
        if binding.kind == "value" and isinstance(binding.node, cst.Name | cst.Attribute):
            # An alias assignment: `RNN = layers.LSTM`, `KL = keras.layers`.
            if depth > 8:
                return None
            base = self.qualify(binding.node, depth + 1)
            return normalize(".".join([base, *parts[1:]])) if base else None
        if binding.kind != "import" or binding.qualname is None:
            return None
        return normalize(".".join([binding.qualname, *parts[1:]]))

    def _star_provides(self, module: str, name: str) -> bool:
        parts = normalize(module).split(".")
        if parts[0] != "keras":
            return False
        if parts[-1] == "layers" or "layers" in parts:
            return self.cat.layer(name) is not None or name in ("Input",)
        if "initializers" in parts:
            return self.cat.resolve_initializer(name) is not None
        if parts[-1] in ("models", "keras"):
            return name in ("Sequential", "Model")
        return False

    def bind(self, name: str, node: cst.BaseExpression | None, value: object) -> None:
        self.binding_counter += 1
        self.scope.names[name] = Binding(
            "value" if node is not None else "opaque",
            node=node,
            value=value,
            key=f"{name}#{self.binding_counter}",
        )

    def scope_label(self) -> str:
        if self.function_names:
            return f"function:{self.function_names[-1]}"
        if self.class_stack:
            return f"class:{self.class_stack[-1].name}"
        return "main" if self.main_guard else "module"

    def multiplicity(self) -> int | None:
        total = 1
        for trips in self.loops:
            if trips is None:
                return None
            total *= trips
        return total

    # --- statements --------------------------------------------------------------------------

    def walk_body(
        self, body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]
    ) -> None:
        for statement in body:
            self.statement(statement)

    def block(self, node: cst.BaseSuite) -> None:
        if isinstance(node, cst.IndentedBlock | cst.SimpleStatementSuite):
            self.walk_body(node.body)

    def statement(self, node: cst.CSTNode) -> None:
        if not isinstance(node, cst.BaseStatement):
            self.small_or_compound(node)
            return
        # Remember which statement holds each call: positions are computed per statement.
        outer = self.current
        self.current = node
        self.small_or_compound(node)
        self.current = outer

    def small_or_compound(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            self.walk_body(node.body)
        elif isinstance(node, cst.Assign):
            self.expr(node.value)
            value = self.value_of(node.value)
            for target in node.targets:
                self.assign(target.target, node.value, value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.expr(node.value)
                self.assign(node.target, node.value, self.value_of(node.value))
        elif isinstance(node, cst.AugAssign):
            self.expr(node.value)
            self.expr(node.target)
        elif isinstance(node, cst.Expr):
            self.expr(node.value)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self.expr(node.value)
            if self.returns:
                self.returns[-1].append(
                    self.value_of(node.value) if node.value is not None else None
                )
        elif isinstance(node, cst.Import):
            bind_import(self.scope, node)
        elif isinstance(node, cst.ImportFrom):
            bind_import_from(self.scope, node)
        elif isinstance(node, cst.FunctionDef):
            self.function(node)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node)
        elif isinstance(node, cst.If):
            self.if_statement(node)
        elif isinstance(node, cst.For):
            self.expr(node.iter)
            self.bind_targets(node.target)
            iterated = self.value_of(node.iter)
            if isinstance(iterated, _Layers) and isinstance(node.target, cst.Name):
                # `for block in self.blocks: x = block(x)`: the loop variable is each layer.
                self.bind(node.target.value, node.iter, iterated)
            self.loops.append(_trip_count(node.iter, self.lookup))
            self.block(node.body)
            self.loops.pop()
            if node.orelse is not None:
                self.block(node.orelse.body)
        elif isinstance(node, cst.While):
            self.expr(node.test)
            self.loops.append(None)
            self.block(node.body)
            self.loops.pop()
            if node.orelse is not None:
                self.block(node.orelse.body)
        elif isinstance(node, cst.With):
            for item in node.items:
                self.expr(item.item)
                if item.asname is not None:
                    self.bind_targets(item.asname.name)
            self.block(node.body)
        elif isinstance(node, cst.Try | cst.TryStar):
            self.block(node.body)
            for handler in node.handlers:
                if handler.name is not None:
                    self.bind_targets(handler.name.name)
                self.block(handler.body)
            if node.orelse is not None:
                self.block(node.orelse.body)
            if node.finalbody is not None:
                self.block(node.finalbody.body)
        elif isinstance(node, cst.Global | cst.Nonlocal | cst.Pass | cst.Break | cst.Continue):
            return
        else:
            self.generic(node)

    def if_statement(self, node: cst.If) -> None:
        self.expr(node.test)
        guard = not self.function_names and not self.class_stack and _is_main_guard(node.test)
        self.main_guard += guard
        self.block(node.body)
        self.main_guard -= guard
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self.if_statement(orelse)
        elif isinstance(orelse, cst.Else):
            self.block(orelse.body)

    def function(self, node: cst.FunctionDef) -> None:
        self.bind(node.name.value, None, None)
        binding = self.scope.names[node.name.value]
        first_layer, first_model = len(self.layers), self.model_counter
        outer = self.scope
        self.scope = Scope("function", node.name.value, parent=outer)
        self.function_names.append(node.name.value)
        params = node.params
        inputs: list[str] = []
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None and not (self.class_stack and node.name.value == "call"):
                # `def block(x, init="he_normal")`: the default is what the body sees unless a
                # caller passes another value; resolutions through it say so.
                self.bind(param.name.value, param.default, None)
                self.scope.names[param.name.value].parameter = True
            else:
                self.bind(param.name.value, None, None)
            inputs.append(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.bind(star.name.value, None, None)
        if self.class_stack and node.name.value == "call":
            # call(self, inputs, ...): the inputs are model inputs.
            for name in inputs[1:]:
                self.scope.names[name].value = _Tensor(())
        self.returns.append([])
        self.block(node.body)
        returned = self.returns.pop()
        self.function_names.pop()
        self.scope = outer
        made = self.layers_since(first_layer)
        if (
            not self.class_stack
            and self.model_counter == first_model  # a model builder keeps its one model
            and len(returned) == 1
            and isinstance(returned[0], _Layers | _Tensor)
        ):
            binding.value = _Helper(node, outer)
            self.helper_layers[id(node)] = made

    def class_def(self, node: cst.ClassDef) -> None:
        bases = [self.qualify(arg.value) for arg in node.bases]
        self.bind(node.name.value, None, None)
        keras_base = any(_is_keras_model_base(base) for base in bases)
        context = _ClassContext(node.name.value, keras_base)
        if keras_base:
            context.model = self.new_model(node.name.value, "subclassed", node)
            self.statement_of[id(node)] = node
        outer = self.scope
        self.scope = Scope("class", node.name.value, parent=outer)
        self.class_stack.append(context)
        self.block(node.body)
        self.class_stack.pop()
        self.scope = outer
        if context.model is not None:
            self.finish_subclassed(context)
            self.scope.names[node.name.value].value = _ModelClass(context.model)

    def generic(self, node: cst.CSTNode) -> None:
        for child in _children(node):
            if isinstance(child, cst.BaseExpression):
                self.expr(child)
            elif isinstance(child, cst.BaseSuite):
                self.block(child)
            else:
                self.statement(child)

    def bind_targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, None, None)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.bind_targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self.bind_targets(target.value)

    def assign(self, target: cst.BaseExpression, node: cst.BaseExpression, value: object) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, node, value)
            if isinstance(value, _Model):
                self.model_names.setdefault(value.key, target.value)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and self.class_stack
        ):
            self.class_stack[-1].attrs[target.attr.value] = value
        elif isinstance(target, cst.Tuple | cst.List):
            if isinstance(value, _Tensor):  # outputs, state_h, state_c = LSTM(...)(x)
                for element in target.elements:
                    if isinstance(element.value, cst.Name):
                        self.bind(element.value.value, element.value, value)
            else:
                self.bind_targets(target)
        elif isinstance(target, cst.Subscript | cst.Attribute):
            self.expr(target)

    # --- expressions -------------------------------------------------------------------------

    def expr(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Call):
            self.expr(node.func)
            for arg in node.args:
                self.expr(arg.value)
            self.call(node)
        elif isinstance(node, cst.Name | cst.Integer | cst.Float | cst.SimpleString):
            return
        elif isinstance(node, cst.Attribute):
            self.expr(node.value)
        elif isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
            self.comprehension(node)
        elif isinstance(node, cst.Lambda):
            outer = self.scope
            self.scope = Scope("lambda", "<lambda>", parent=outer)
            for param in node.params.params:
                self.bind(param.name.value, None, None)
            self.expr(node.body)
            self.scope = outer
        else:
            for child in _children(node):
                if isinstance(child, cst.BaseExpression):
                    self.expr(child)

    def comprehension(
        self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp
    ) -> None:
        outer = self.scope
        self.scope = Scope("comprehension", "<comprehension>", parent=outer)
        trips: list[int | None] = []
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            self.expr(comp.iter)
            self.bind_targets(comp.target)
            trips.append(_trip_count(comp.iter, self.lookup))
            for condition in comp.ifs:
                self.expr(condition.test)
            comp = comp.inner_for_in
        if any(comp_if for comp_if in _comp_ifs(node.for_in)):
            trips = [None]  # filtered: the count is not the range length
        self.loops.extend(trips)
        if isinstance(node, cst.DictComp):
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)
        del self.loops[len(self.loops) - len(trips) :]
        self.scope = outer
        if not isinstance(node, cst.DictComp):
            element = self.value_of(node.elt)
            if isinstance(element, _Layers):
                self.values[id(node)] = element

    def value_of(self, node: cst.BaseExpression) -> object:
        if isinstance(node, cst.Call | cst.ListComp | cst.GeneratorExp):
            return self.values.get(id(node))
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            return binding.value if binding is not None else None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == "self" and self.class_stack:
                return self.class_stack[-1].attrs.get(node.attr.value)
            return None
        if isinstance(node, cst.List | cst.Tuple):
            values = [self.value_of(element.value) for element in node.elements]
            return _combine(values)
        if isinstance(node, cst.Subscript):
            inner = self.value_of(node.value)
            if isinstance(inner, _Tensor):
                return inner
            if isinstance(inner, _Layers) and len(inner.ids) > 1:
                return None
            return inner if isinstance(inner, _Layers) else None
        if isinstance(node, cst.BinaryOperation):  # residual: x + shortcut
            return _combine([self.value_of(node.left), self.value_of(node.right)])
        return None

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
            covers = _SEEDS.get(qualname)
            if covers is not None:
                value = as_int(literal_or(node.args[0].value, self.lookup)) if node.args else None
                if qualname == "numpy.random.default_rng":
                    covers = self._generator_covers(node)
                if not self.inline_calls:  # the helper's own walk recorded it once
                    self.seeds.append((node, qualname, covers, value, self.scope_label()))
                return
            if qualname in ("functools.partial",) and node.args:
                target = self.qualify(node.args[0].value)
                class_name = _keras_layer_class(target, self.cat)
                if target is not None and class_name is not None:
                    self.values[id(node)] = _Partial(class_name, target, node)
                return
        if isinstance(node.func, cst.Name):
            binding = self.lookup(node.func.value)
            if binding is not None and isinstance(binding.value, _Partial):
                self.make_layer(
                    node, binding.value.class_name, binding.value.qualname, binding.value
                )
                return
            if binding is not None and isinstance(binding.value, _Helper):
                self.follow(node, binding.value)
                return
            if binding is not None and isinstance(binding.value, _ModelClass):
                self.models[binding.value.key].instances.append(node)
                self.values[id(node)] = _Model(binding.value.key)
                return
        callee = self.value_of(node.func)
        if isinstance(callee, _Layers):
            self.apply(callee, node)
            return
        if isinstance(node.func, cst.Attribute):
            self.method_call(node, node.func)
        if isinstance(callee, _Model):
            self.operation(node, self.model_label(callee.key))
        elif qualname is not None and qualname.split(".")[0] in _OPERATION_MODULES:
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
        if qualname is None or qualname.split(".")[0] not in _OBJECT_MODULES:
            return None
        return qualname

    def operation(self, node: cst.Call, name: str) -> None:
        """``tf.nn.max_pool(net, ...)``, ``tf.reshape(net, ...)``, ``CustomLayer()(x)``: an
        operation on tensors that is no catalogued layer. Data still flows through it (so the
        layers before still feed the layers after); its name is kept, because a spec of the
        layers alone would rebuild a different model."""
        tensors: list[_Tensor] = []
        for arg in node.args:
            value = self.value_of(arg.value)
            if isinstance(value, _Combined):
                value = _combine([item for item in value.items if isinstance(item, _Tensor)])
            if isinstance(value, _Tensor):
                tensors.append(value)
        if not tensors:
            return
        producers = tuple(dict.fromkeys(p for t in tensors for p in t.producers))
        ops = tuple(dict.fromkeys(op for t in tensors for op in (*t.ops, name)))
        last = name.rsplit(".", 1)[-1]
        if last in _SHAPE_KEEPING and len(tensors) == 1:
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
        self.values[id(node)] = _Tensor(producers, shape, ops, reshaped=True)

    def model_label(self, key: int) -> str:
        """A model's class or variable name, as far as the walk knows it."""
        return self.models[key].name or self.model_names.get(key) or "a model"

    def fold_activation(self, layer_id: str, activation: str) -> bool:
        """``tf.nn.relu(tf.layers.dense(x, 64))``: the linear layer's output is activated, as
        if the layer had ``activation="relu"``; the result is the layer's output tensor."""
        pending = self.layers[layer_id]
        record = pending.record
        linear = record.trainable and record.activation == "linear"
        if not (linear and record.activation_origin is Origin.IMPLICIT):
            return False
        if any(what == "layer" and owner == layer_id for what, _, _, owner in self.unresolved):
            return False  # *args/**kwargs may set its activation already
        pending.record = dataclasses.replace(record, activation=activation)
        return True

    def keras_call(self, node: cst.Call, qualname: str) -> bool:
        class_name = _keras_layer_class(qualname, self.cat)
        if class_name is not None:
            tf1 = qualname.rpartition(".")[0] in TF1_CLASS_MODULES
            self.make_layer(node, class_name, qualname, None, graph_mode=tf1)
            return True
        function = layer_function(qualname)
        if function is not None:
            # tf.layers.dense(x, 64), layers.add([x, h]): the layer, applied to its inputs
            inputs = _inputs_argument(node)
            layer_id = self.make_layer(node, function.class_name, qualname, None, function)
            self.apply(_Layers((layer_id,)), node, () if inputs is None else (inputs,))
            return True
        if qualname in _PLACEHOLDERS:
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
            self.values[id(node)] = _Tensor((), shape[1:] if shape else None)
            return True
        parts = qualname.split(".")
        if parts[0] != "keras":
            return False
        last = parts[-1]
        if last == "Input":
            shape = self.input_shape_of(node, ("shape", "batch_shape", "batch_input_shape"))
            self.values[id(node)] = _Tensor((), shape)
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
        if method == "add" and isinstance(receiver_value, _Model):
            model = self.models[receiver_value.key]
            if node.args:
                added = self.value_of(node.args[0].value)
                self.extend_sequential(model, added)
            return
        if method in ("compile", "fit"):
            receiver = _receiver_name(func.value)
            if receiver_value is None and receiver is None:
                return
            built_by = self.constructor_of(func.value)
            if method == "compile" and _foreign(built_by):
                return  # pattern.compile() of re, ...: not a Keras model
            arguments = self.call_arguments(
                node, _COMPILE_POSITIONAL if method == "compile" else _FIT_POSITIONAL
            )
            if method == "fit":  # whether it trains is ADNN201's judgement, from what we know
                arguments["__built_by__"] = built_by
            arguments["__receiver__"] = receiver
            arguments["__scope__"] = self.scope_label()
            if isinstance(receiver_value, _Model):
                arguments["__model__"] = receiver_value.key
            if not self.inline_calls:  # the helper's own walk recorded it once
                (self.compiles if method == "compile" else self.fits).append((node, arguments))

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

    def call_arguments(self, node: cst.Call, positional: Sequence[str]) -> dict[str, object]:
        found: dict[str, object] = {}
        for index, arg in enumerate(node.args):
            if arg.star:
                continue
            if arg.keyword is not None:
                name = arg.keyword.value
            elif index < len(positional):
                name = positional[index]
            else:
                continue
            found[name] = arg.value
        return found

    # --- helper functions --------------------------------------------------------------------

    def follow(self, node: cst.Call, helper: _Helper) -> None:
        """``block(64, "he_normal")``: walk the helper's body again with these arguments.

        The layers it makes are new layers at this call (their findings point here, and carry
        no autofix: an edit inside the helper would change every caller).
        """
        if len(self.inline_calls) >= _INLINE_DEPTH or any(
            call is node for call in self.inline_calls
        ):
            return
        scope = self.call_scope(node, helper)
        if scope is None:
            return
        outer, first_layer = self.scope, len(self.layers)
        self.scope = scope
        self.function_names.append(helper.node.name.value)
        self.inline_calls.append(node)
        self.returns.append([])
        self.block(helper.node.body)
        returned = self.returns.pop()
        self.inline_calls.pop()
        self.function_names.pop()
        self.scope = outer
        self.followed.add(id(helper.node))
        site = self.inline_calls[0] if self.inline_calls else node
        for layer_id in self.layers_since(first_layer):
            self.inlined_at.setdefault(layer_id, site)
        if len(returned) == 1:
            self.values[id(node)] = returned[0]

    def call_scope(self, node: cst.Call, helper: _Helper) -> Scope | None:
        """The helper's scope with its parameters bound as this call passes them; None when the
        call cannot be matched (``*args``/``**kwargs``, an unknown keyword)."""
        params = helper.node.params
        positional = [*params.posonly_params, *params.params]
        by_name = {p.name.value: p for p in (*positional, *params.kwonly_params)}
        stars = [
            s.name.value for s in (params.star_arg, params.star_kwarg) if isinstance(s, cst.Param)
        ]
        given: dict[str, cst.BaseExpression] = {}
        for index, arg in enumerate(node.args):
            if arg.star:
                return None
            if arg.keyword is None:
                if index >= len(positional):
                    return None
                given[positional[index].name.value] = arg.value
            elif arg.keyword.value in by_name:
                given[arg.keyword.value] = arg.value
            else:
                return None
        # Read every argument where it is written, before the helper's names exist.
        caller = self.scope
        shadowed = {*by_name, *stars}
        read = {
            name: (
                written,
                self.value_of(written),
                literal_or(written, self.lookup),
                # a bare name is bound to the caller's binding, so a parameter cannot hide it
                _same_names(
                    written, caller, helper.scope, () if isinstance(written, cst.Name) else shadowed
                ),
            )
            for name, written in given.items()
        }
        scope = Scope("function", helper.node.name.value, parent=helper.scope)
        self.scope = scope
        for name, param in by_name.items():
            if name in read:
                written, value, literal, same = read[name]
                if is_known(literal) and not is_known(literal_or(written, _no_names)):
                    # `block(units)` with `units = 64` in the caller: the value, as a node of
                    # its own (the caller's names mean nothing inside the helper).
                    self.bind(name, _literal_node(literal), value)
                elif same and isinstance(written, cst.Name):
                    # `block(8, init)`: the caller's binding itself (re-reading the name inside
                    # the helper would find the parameter, when they share the name).
                    found = caller.lookup(written.value)
                    assert found is not None
                    scope.names[name] = found
                elif is_known(literal) or same:
                    self.bind(name, written, value)
                else:
                    self.bind(name, None, value)
            elif param.default is not None:
                self.bind(name, param.default, None)
                scope.names[name].parameter = True
            else:
                self.bind(name, None, None)
        for star in stars:
            self.bind(star, None, None)
        self.scope = caller
        return scope

    def layers_since(self, count: int) -> list[str]:
        """Ids of the layers made after the first ``count`` (ids count up from ``L1``)."""
        return [f"L{i}" for i in range(count + 1, len(self.layers) + 1)]

    def drop_followed_definitions(self) -> None:
        """A followed helper's own walk (its parameters at their defaults) made layers that no
        caller builds: drop those that joined no model, the followed calls stand for them."""
        dropped = {
            layer_id
            for helper in self.followed
            for layer_id in self.helper_layers.get(helper, ())
            if self.layers[layer_id].model is None
        }
        if not dropped:
            return
        for layer_id in dropped:
            del self.layers[layer_id]
            del self.layer_nodes[layer_id]
            self.applied.pop(layer_id, None)
            self.applied_input_shape.pop(layer_id, None)
        self.edges = [(s, d) for s, d in self.edges if s not in dropped and d not in dropped]
        self._predecessors, self._indexed = {}, 0
        self.unresolved = [item for item in self.unresolved if item[3] not in dropped]

    # --- layers ------------------------------------------------------------------------------

    def make_layer(
        self,
        node: cst.Call,
        class_name: str,
        qualname: str,
        partial: _Partial | None,
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
            info = _function_defaults(args, info, function)
            if function.keywords:
                self.no_fix.add(layer_id)  # contrib: a Keras name is no initializer there
        record = self.layer_record(layer_id, class_name, qualname, info, node, args, problems)
        self.layers[layer_id] = _PendingLayer(record)
        self.layer_nodes[layer_id] = node
        self.values[id(node)] = _Layers((layer_id,))
        if info.wrapper:
            wrapped = self.value_of(args["layer"]) if "layer" in args else None
            if isinstance(wrapped, _Layers) and len(wrapped.ids) == 1:
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
        partial: _Partial | None,
        function: LayerFunction | None = None,
    ) -> tuple[dict[str, cst.BaseExpression], list[str]]:
        """Argument name -> value expression, with legacy keywords mapped; and what is unknown.
        A layer ``function`` takes its input tensors first, and may name arguments its own way."""
        inputs = _inputs_argument(node) if function is not None else None
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
            keras1 = keywords & _KERAS1_MARKERS or _keras1_positional_kernel(call, raw)
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
            self.unresolved.append(("layer", f"{class_name}: {problem}", node, layer_id))
        width: int | None = None
        if info.width_arg is not None and info.width_arg in args:
            width = as_int(literal_or(args[info.width_arg], self.lookup))
            if width is None:
                self.unresolved.append(
                    (
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
                if name not in _NOT_REBUILT or name in info.positional[:1]:
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
            self.unresolved.append(("activation", reason or "unknown", written, layer_id))
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
                    (
                        "initializer",
                        f"{argument} may be set by *args/**kwargs",
                        self.layer_nodes.get(layer_id) or _NO_NODE,
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
            self.unresolved.append(("initializer", resolved.reason or "unknown", written, layer_id))
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

    def apply(self, layers: _Layers, node: cst.Call, args: Sequence[cst.Arg] | None = None) -> None:
        """``layer(x)``: data flows from x's producers into each applied layer. ``args`` are
        the call's arguments that hold tensors (default: all of them)."""
        producers: list[str] = []
        shape: tuple[int | None, ...] | None = None
        ops: dict[str, None] = {}
        reshaped = False
        for index, arg in enumerate(node.args if args is None else args):
            value = self.value_of(arg.value)
            if isinstance(value, _Combined):
                # `add([shortcut, y])` with a shortcut the scanner cannot follow (a helper's
                # parameter in its own walk): the branches it can follow still feed the merge.
                tensors = [item for item in value.items if isinstance(item, _Tensor)]
                value = _combine(tensors) if tensors else None
            if not isinstance(value, _Tensor):
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
        self.values[id(node)] = _Tensor(layers.ids[-1:] if layers.ids else ())

    # --- models ------------------------------------------------------------------------------

    def new_model(self, name: str, kind: ModelKind, node: cst.CSTNode) -> int:
        self.model_counter += 1
        model = _PendingModel(self.model_counter, name, kind, node)
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
        self.values[id(node)] = _Model(key)

    def extend_sequential(self, model: _PendingModel, added: object) -> None:
        if isinstance(added, _Tensor) and not added.producers:  # keras.Input(shape=...)
            model.input_shape = added.shape
            return
        if isinstance(added, _Combined):
            for item in added.items:
                self.extend_sequential(model, item)
            return
        if isinstance(added, _Model):
            # a custom layer (a keras.layers.Layer subclass) or a nested model: no layer
            # record, so the flow through it and its weights are not known
            model.ops = (*model.ops, self.model_label(added.key))
            model.edges_known = False
            return
        if not isinstance(added, _Layers):
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
        if not isinstance(out_value, _Tensor) or not out_value.producers:
            # no layer of this file reaches the outputs (gan = Model(z, disc(gen(z))) over
            # two models): nothing to list
            return
        key = self.new_model("", "functional", node)
        model = self.models[key]
        model.ops = out_value.ops
        if isinstance(inputs, cst.BaseExpression):
            in_value = self.value_of(inputs)
            if isinstance(in_value, _Tensor) and in_value.shape is not None:
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
        model.layer_ids = _graph_order(seen, model.edges)
        for layer_id in seen:
            self.layers[layer_id].model = key
        self.values[id(node)] = _Model(key)

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

    def finish_subclassed(self, context: _ClassContext) -> None:
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
            model.layer_ids = _graph_order(ids, model.edges)
            for layer_id in ids:
                self.layers[layer_id].model = key

    def finish_wrapped(self) -> None:
        for pending in self.layers.values():
            wrapper = pending.record.wrapped_by
            if wrapper is not None and pending.model is None:
                pending.model = self.layers[wrapper].model


@dataclass
class _ClassContext:
    name: str
    keras_model: bool
    model: int | None = None
    attrs: dict[str, object] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Combined:
    items: tuple[object, ...]


_NO_NODE = cst.Name("_")


def _combine(values: Sequence[object]) -> object:
    layer_values = [v for v in values if isinstance(v, _Layers)]
    if values and len(layer_values) == len(values):
        return _Layers(tuple(i for v in layer_values for i in v.ids))
    tensors = [v for v in values if isinstance(v, _Tensor)]
    if tensors and len(tensors) == len(values):
        producers = tuple(dict.fromkeys(p for t in tensors for p in t.producers))
        ops = tuple(dict.fromkeys(op for t in tensors for op in t.ops))
        return _Tensor(producers, tensors[0].shape if not producers else None, ops)
    if any(isinstance(v, _Layers | _Tensor) for v in values):
        return _Combined(tuple(values))
    return None


def _graph_order(ids: Iterable[str], edges: Sequence[tuple[str, str]]) -> list[str]:
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


def _function_defaults(
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
        args.setdefault(name, _literal_node(value))
    for name in function.ignored:
        args.pop(name, None)
    initializer_args = tuple(
        dataclasses.replace(arg, default=defaults[arg.argument]) for arg in info.initializer_args
    )
    return dataclasses.replace(info, initializer_args=initializer_args)


def _inputs_argument(node: cst.Call) -> cst.Arg | None:
    """The input tensors of a function that builds and applies a layer: ``inputs=`` or the
    first positional argument."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == "inputs":
            return arg
    return next((arg for arg in node.args if arg.keyword is None and not arg.star), None)


def _no_names(_name: str) -> Binding | None:
    return None


def _literal_node(value: object) -> cst.BaseExpression:
    """A node that evaluates to ``value`` (a literal the scanner already read)."""
    return cst.parse_expression(repr(value))


def _same_names(
    node: cst.BaseExpression, caller: Scope, helper: Scope, shadowed: Collection[str]
) -> bool:
    """Every name in ``node`` (``keras.initializers.HeNormal(seed=1)``, a module-level
    ``init``) means the same binding at the call and inside the helper (where ``shadowed``,
    its parameters, hide the outer names), so the helper may read the argument as written."""
    return all(
        n.value not in shadowed
        and (found := caller.lookup(n.value)) is not None
        and helper.lookup(n.value) is found
        for n in _names_in(node)
    )


def _names_in(node: cst.CSTNode) -> Iterable[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
        return
    if isinstance(node, cst.Attribute):
        yield from _names_in(node.value)  # `keras.layers`: only the root is a name
        return
    if isinstance(node, cst.Arg):
        yield from _names_in(node.value)  # `seed=1`: the keyword is no name to look up
        return
    for child in _children(node):
        yield from _names_in(child)


def _keras_layer_class(qualname: str | None, cat: Catalog) -> str | None:
    if not qualname:
        return None
    module, _, name = qualname.rpartition(".")
    if module in TF1_CLASS_MODULES:  # tf.layers.Dense: TF 1's Keras layer classes
        return name if cat.layer(name) is not None else None
    parts = qualname.split(".")
    if parts[0] != "keras" or "layers" not in parts[1:-1]:
        return None
    return parts[-1] if cat.layer(parts[-1]) is not None else None


def _is_keras_model_base(qualname: str | None) -> bool:
    if not qualname:
        return False
    parts = qualname.split(".")
    return parts[0] == "keras" and parts[-1] in ("Model", "Layer", "Sequential")


def _foreign(qualname: str | None) -> bool:
    """Built by an imported library other than Keras and TensorFlow."""
    return qualname is not None and qualname.split(".")[0] not in ("keras", "tensorflow")


def _receiver_name(node: cst.BaseExpression) -> str | None:
    parts = dotted_parts(node)
    return ".".join(parts) if parts else None


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left = test.left
    right = test.comparisons[0].comparator
    names = {n.value for n in (left, right) if isinstance(n, cst.Name)}
    strings = {s.evaluated_value for s in (left, right) if isinstance(s, cst.SimpleString)}
    return names == {"__name__"} and strings == {"__main__"}


def _trip_count(node: cst.BaseExpression, lookup: Lookup) -> int | None:
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


def _comp_ifs(comp: cst.CompFor | None) -> Iterable[cst.CompIf]:
    while comp is not None:
        yield from comp.ifs
        comp = comp.inner_for_in


_SKIP_PREFIXES = (
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
def _child_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if not f.name.startswith(_SKIP_PREFIXES))


def _children(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """Direct children that can hold code (not whitespace, commas, parentheses)."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            if isinstance(value, cst.Arg | cst.Element | cst.DictElement | cst.StarredDictElement):
                yield from _children(value)
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
                    yield from _children(item)
                elif isinstance(item, cst.CSTNode):
                    yield item


# --- results -------------------------------------------------------------------------------------


def scan_source(source: str, path: str) -> tuple[cst.Module, ScanResult]:
    """Parse ``source`` once and return the module with everything the scanner found.

    Raises ``libcst.ParserSyntaxError`` when the file does not parse. The records' ``node``
    fields point into the returned module.
    """
    module = cst.parse_module(source)
    if not mentions_keras(source):
        return module, ScanResult(path=path, mentions_keras=False)
    walker = _Walker(path, load_catalog())
    walker.walk_body(module.body)
    walker.drop_followed_definitions()
    walker.group_unassigned()
    walker.finish_wrapped()
    return module, _build(walker, module, source)


def _spans(walker: _Walker, module: cst.Module, source: str) -> dict[cst.CSTNode, Span]:
    """Positions of every node a record points at, generating only their statements."""
    statement_of = walker.statement_of
    targets: dict[cst.CSTNode, cst.CSTNode | None] = {}
    for layer_id, pending in walker.layers.items():
        call = walker.layer_nodes[layer_id]
        holder = statement_of.get(id(call))
        targets[call] = holder
        for ref in pending.record.initializers:
            if ref.node is not None:
                targets[ref.node] = holder
    for site in walker.inlined_at.values():
        targets[site] = statement_of.get(id(site))
    for node, _ in (*walker.compiles, *walker.fits):
        targets[node] = statement_of.get(id(node))
    for seed in walker.seeds:
        targets[seed[0]] = statement_of.get(id(seed[0]))
    for item in walker.unresolved:
        where: cst.CSTNode = item[2]
        if where is _NO_NODE:
            continue
        owner = item[3]
        inside = walker.layer_nodes[owner] if owner is not None else where
        targets[where] = statement_of.get(id(inside))
    for model in walker.models.values():
        targets[model.node] = statement_of.get(id(model.node))
        for instance in model.instances:
            targets[instance] = statement_of.get(id(instance))
    if any(holder is None for holder in targets.values()):
        return spans_for(module, list(targets))
    return spans_in_statements(module, source, targets)  # type: ignore[arg-type]


def _build(walker: _Walker, module: cst.Module, source: str) -> ScanResult:
    spans = _spans(walker, module, source)
    unknown = Span(1, 1, 1, 1)

    def span(node: cst.CSTNode | None) -> Span:
        return spans.get(node, unknown) if node is not None else unknown

    layers: list[LayerRecord] = []
    for pending in walker.layers.values():
        record = pending.record
        site = walker.inlined_at.get(record.id)
        if site is not None:
            # Made by a helper call: reported at the call, where its arguments are; no ref node,
            # so no autofix edits the helper's body under every other caller.
            where = span(site)
            refs = tuple(
                dataclasses.replace(ref, node=None, span=where if ref.node is not None else None)
                for ref in record.initializers
            )
        else:
            # tf.contrib.layers takes initializer objects only: a fix writing a Keras name
            # there would break the call, so its references keep their place but no node
            keep = record.id not in walker.no_fix
            refs = tuple(
                dataclasses.replace(ref, span=span(ref.node), node=ref.node if keep else None)
                if ref.node is not None
                else ref
                for ref in record.initializers
            )
            where = span(record.node)
        if record.id in walker.graph_mode:
            # TF 1: one unseeded initializer object shared by several layers draws different
            # values for each, so it is no shared instance (ADNN107)
            refs = tuple(
                dataclasses.replace(ref, instance=None) if ref.seed is None else ref for ref in refs
            )
        model_id = f"M{pending.model}" if pending.model is not None else None
        layers.append(dataclasses.replace(record, span=where, initializers=refs, model=model_id))
    compiles = [_compile_call(node, args, span(node), walker) for node, args in walker.compiles]
    fits = [_fit_call(node, args, span(node), walker) for node, args in walker.fits]
    models: list[ModelRecord] = []
    compiles_of = _owners([a for _, a in walker.compiles])
    fits_of = _owners([a for _, a in walker.fits])
    for key, pending_model in walker.models.items():
        name = (
            pending_model.name or walker.model_names.get(key) or pending_model.hint or f"model{key}"
        )
        model_compiles = [compiles[i] for i in _calls_of(compiles_of, key, name)]
        model_fits = [fits[i] for i in _calls_of(fits_of, key, name)]
        models.append(
            ModelRecord(
                id=f"M{key}",
                name=name,
                kind=pending_model.kind,
                span=span(pending_model.node),
                layer_ids=tuple(pending_model.layer_ids),
                edges=tuple(pending_model.edges),
                input_shape=pending_model.input_shape,
                compile=model_compiles[-1] if model_compiles else None,
                fits=tuple(model_fits),
                edges_known=pending_model.edges_known,
                instances=tuple(span(node) for node in pending_model.instances),
                ops=tuple(
                    dict.fromkeys(
                        op
                        for layer_id in pending_model.layer_ids
                        for op in walker.after_ops.get(layer_id, ())
                    ).keys()
                    | dict.fromkeys(pending_model.ops).keys()
                ),
            )
        )
    applied_shapes = walker.applied_input_shape
    layers = [
        dataclasses.replace(layer, input_shape=applied_shapes[layer.id])
        if layer.input_shape is None and layer.id in applied_shapes
        else layer
        for layer in layers
    ]
    layers = [
        dataclasses.replace(
            layer,
            input_ops=tuple(walker.after_ops[layer.id]),
            input_after_op=layer.id in walker.reshaped_input,
        )
        if layer.id in walker.after_ops
        else layer
        for layer in layers
    ]
    seeds = [
        SeedCall(kind=kind, span=span(node), value=value, scope=scope, covers=covers)
        for node, kind, covers, value, scope in walker.seeds
    ]
    unresolved = [
        Unresolved(
            what=what,
            reason=reason,
            span=span(node if node is not _NO_NODE else None),
            layer_id=layer_id,
        )
        for what, reason, node, layer_id in walker.unresolved
    ]
    scan = ScanResult(
        path=walker.path,
        layers=tuple(layers),
        models=tuple(models),
        compiles=tuple(compiles),
        fits=tuple(fits),
        seeds=tuple(seeds),
        unresolved=tuple(unresolved),
        mentions_keras=True,
    )
    from adnn_lint.graph import fill_from_graph

    return fill_from_graph(scan)


def _owners(calls: list[dict[str, object]]) -> dict[tuple[str, object], list[int]]:
    """Indices of compile()/fit() calls by the model they belong to: ``("key", model key)``
    when the receiver resolved to a model, else ``("name", receiver name)``. Matching each model
    against every call instead was quadratic in the number of models in a file. A call on
    another library's object (``model = StandardScaler(); model.fit(x)``) belongs to no model."""
    owners: dict[tuple[str, object], list[int]] = {}
    for index, arguments in enumerate(calls):
        if "__model__" in arguments:
            owner = ("key", arguments["__model__"])
        elif _foreign(_text(arguments.get("__built_by__"))):
            continue
        else:
            owner = ("name", arguments.get("__receiver__"))
        owners.setdefault(owner, []).append(index)
    return owners


def _calls_of(owners: dict[tuple[str, object], list[int]], key: int, name: str) -> list[int]:
    """The indices, in source order, of the calls on model ``key`` (named ``name``)."""
    return sorted(owners.get(("key", key), []) + owners.get(("name", name), []))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _optimizer(
    node: object, walker: _Walker, depth: int = 0
) -> tuple[str | None, float | None, dict[str, ParamValue]]:
    """The optimizer's name, literal learning rate and other arguments (None: not literal)."""
    if not isinstance(node, cst.BaseExpression) or depth > 4:
        return None, None, {}
    value = literal_or(node, walker.lookup)
    if isinstance(value, str):
        return value.lower(), None, {}
    if isinstance(node, cst.Name):
        binding = walker.lookup(node.value)
        if binding is not None and binding.node is not None:
            return _optimizer(binding.node, walker, depth + 1)
        return None, None, {}
    if isinstance(node, cst.Call):
        qualname = walker.qualify(node.func)
        name = qualname.split(".")[-1].lower() if qualname else None
        rate: float | None = None
        options: dict[str, ParamValue] = {}
        for index, arg in enumerate(node.args):
            if arg.star:
                options["**"] = None  # *args/**kwargs: anything may be set
                continue
            found = literal_or(arg.value, walker.lookup)
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword in ("learning_rate", "lr") or (keyword is None and index == 0):
                if isinstance(found, int | float) and not isinstance(found, bool):
                    rate = float(found)
                continue
            if keyword is None:
                if name != "sgd" or index > len(SGD_ARGUMENTS):
                    # another optimizer's positional argument past the rate: left unread, so
                    # the spec marks the options unresolved
                    options[f"#{index}"] = None
                    continue
                keyword = SGD_ARGUMENTS[index - 1]  # SGD(learning_rate, momentum, nesterov, ...)
            if found is None:
                continue  # an explicit None is Keras' default
            options[keyword] = found if isinstance(found, int | float | str | bool) else None
        return name, rate, options
    return None, None, {}


def _compile_call(
    node: cst.Call, args: dict[str, object], span: Span, walker: _Walker
) -> CompileCall:
    optimizer, rate, optimizer_options = _optimizer(args.get("optimizer"), walker)
    loss_node = args.get("loss")
    loss: str | None = None
    if isinstance(loss_node, cst.BaseExpression):
        loss = _text(literal_or(loss_node, walker.lookup))
        if loss is None:
            target = loss_node.func if isinstance(loss_node, cst.Call) else loss_node
            qualname = walker.qualify(target)
            loss = snake_case(qualname.split(".")[-1]) if qualname else None
    metrics: tuple[str, ...] = ()
    metrics_node = args.get("metrics")
    if isinstance(metrics_node, cst.BaseExpression):
        value = literal_or(metrics_node, walker.lookup)
        if isinstance(value, tuple):
            metrics = tuple(v for v in value if isinstance(v, str))
    return CompileCall(
        span=span,
        receiver=_text(args.get("__receiver__")),
        optimizer=optimizer,
        learning_rate=rate,
        optimizer_options=optimizer_options,
        loss=loss,
        metrics=metrics,
        scope=str(args.get("__scope__", "module")),
    )


def _fit_call(node: cst.Call, args: dict[str, object], span: Span, walker: _Walker) -> FitCall:
    def number(*names: str) -> object:
        for name in names:
            value = args.get(name)
            if isinstance(value, cst.BaseExpression):
                found = literal_or(value, walker.lookup)
                if isinstance(found, int | float) and not isinstance(found, bool):
                    return found
        return None

    epochs = number("epochs", "nb_epoch")
    batch = number("batch_size")
    split = number("validation_split")
    return FitCall(
        span=span,
        receiver=_text(args.get("__receiver__")),
        epochs=epochs if isinstance(epochs, int) else None,
        batch_size=batch if isinstance(batch, int) else None,
        validation_split=float(split) if isinstance(split, int | float) else None,
        scope=str(args.get("__scope__", "module")),
        built_by=_text(args.get("__built_by__")),
        keywords=tuple(arg.keyword.value for arg in node.args if arg.keyword is not None),
        node=node,
    )
